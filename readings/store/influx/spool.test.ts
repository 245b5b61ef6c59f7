import { spawn } from "node:child_process";
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { openSpool, type Spool, SpoolFullError, spoolDiskBytes } from "./spool.js";

const logger = pino({ level: "silent" });

function manualClock(start = Date.UTC(2026, 10, 21, 8)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const linesOf = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `readings,device=${prefix} pm25=${i} ${1_763_683_200_000 + i}`);

describe("InfluxDB spool (real files)", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "tn-influx-spool-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  async function opened(
    dir: string,
    options: { maxBytes?: number; segmentBytes?: number } = {},
    clock = manualClock(),
  ) {
    const spool = await openSpool(
      { dir, maxBytes: options.maxBytes ?? 10_000_000, segmentBytes: options.segmentBytes ?? 1_000_000 },
      { clock, logger },
    );
    cleanups.push(() => spool.close());
    return spool;
  }

  async function drainAll(spool: Spool, maxLines = 1000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const batch = await spool.peek(maxLines);
      if (!batch) return out;
      out.push(...batch.lines);
      await spool.ack(batch);
    }
  }

  it("gives batches back in the order they were appended, then is empty", async () => {
    const spool = await opened(await tempDir());
    expect(spool.isEmpty()).toBe(true);
    expect(await spool.peek(10)).toBeUndefined();
    await spool.append(linesOf("a", 3));
    await spool.append(linesOf("b", 2));
    await spool.append(linesOf("c", 4));
    expect(spool.stats()).toMatchObject({ lines: 9, records: 3, alarm: false, full: false });
    // A peek takes whole records up to the line limit, at least one record.
    const first = await spool.peek(5);
    expect(first?.lines).toEqual([...linesOf("a", 3), ...linesOf("b", 2)]);
    const again = await spool.peek(1);
    expect(again?.lines).toEqual(linesOf("a", 3));
    await spool.ack(first as NonNullable<typeof first>);
    expect(spool.stats().lines).toBe(4);
    expect(await drainAll(spool)).toEqual(linesOf("c", 4));
    expect(spool.isEmpty()).toBe(true);
    expect(spool.stats()).toMatchObject({ lines: 0, records: 0, bytes: 0, oldestAt: null });
  });

  it("keeps everything across close and reopen, and deletes segments only once replayed", async () => {
    const dir = await tempDir();
    const spool = await openSpool(
      { dir, maxBytes: 10_000_000, segmentBytes: 300 },
      { clock: manualClock(), logger },
    );
    for (let i = 0; i < 10; i++) await spool.append(linesOf(`d${i}`, 2));
    const segments = (await readdir(dir)).filter((n) => n.endsWith(".spool"));
    expect(segments.length).toBeGreaterThan(2);
    const firstTwo = await spool.peek(4);
    await spool.ack(firstTwo as NonNullable<typeof firstTwo>);
    await spool.close();

    const reopened = await opened(dir);
    expect(reopened.stats().lines).toBe(16);
    const rest = await drainAll(reopened, 3);
    expect(rest).toEqual(Array.from({ length: 8 }, (_, i) => linesOf(`d${i + 2}`, 2)).flat());
    expect((await readdir(dir)).filter((n) => n.endsWith(".spool"))).toEqual([]);
    expect(await spoolDiskBytes(dir)).toBe(0);
  });

  it("remembers how far a segment was replayed", async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir, maxBytes: 10_000_000 }, { clock: manualClock(), logger });
    await spool.append(linesOf("a", 1));
    await spool.append(linesOf("b", 1));
    await spool.append(linesOf("c", 1));
    const head = await spool.peek(1);
    await spool.ack(head as NonNullable<typeof head>);
    await spool.close();
    const reopened = await opened(dir);
    expect(await drainAll(reopened)).toEqual([...linesOf("b", 1), ...linesOf("c", 1)]);
  });

  it("cuts off a torn record left by a crash mid-append and keeps the rest", async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir, maxBytes: 10_000_000 }, { clock: manualClock(), logger });
    await spool.append(linesOf("a", 2));
    await spool.close();
    const [segment] = (await readdir(dir)).filter((n) => n.endsWith(".spool"));
    const path = join(dir, segment as string);
    const whole = (await stat(path)).size;
    await appendFile(path, '{"at":1,"lines":["readings,device=b pm25=1 1"');
    const reopened = await opened(dir);
    expect((await stat(path)).size).toBe(whole);
    await reopened.append(linesOf("c", 1));
    expect(await drainAll(reopened)).toEqual([...linesOf("a", 2), ...linesOf("c", 1)]);
  });

  it("keeps an unreadable record's segment aside instead of deleting it", async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir, maxBytes: 10_000_000 }, { clock: manualClock(), logger });
    await spool.append(linesOf("a", 1));
    await spool.close();
    const [segment] = (await readdir(dir)).filter((n) => n.endsWith(".spool"));
    await appendFile(join(dir, segment as string), "not json\n");
    const reopened = await opened(dir);
    expect(await drainAll(reopened)).toEqual(linesOf("a", 1));
    expect(await readdir(dir)).toContain(`${segment}.corrupt`);
  });

  it("refuses an append that would pass the bound, with the alarm raised from 80 %", async () => {
    const dir = await tempDir();
    const one = Buffer.byteLength(
      `${JSON.stringify({ at: Date.UTC(2026, 10, 21, 8), lines: linesOf("a", 10) })}\n`,
    );
    const spool = await opened(dir, { maxBytes: one * 5, segmentBytes: one * 2 });
    for (let i = 0; i < 3; i++) await spool.append(linesOf("a", 10));
    expect(spool.stats().alarm).toBe(false);
    await spool.append(linesOf("a", 10));
    expect(spool.stats()).toMatchObject({ alarm: true, full: false, records: 4 });
    await spool.append(linesOf("a", 10));
    await expect(spool.append(linesOf("a", 10))).rejects.toBeInstanceOf(SpoolFullError);
    expect(spool.stats()).toMatchObject({ full: true, records: 5, lines: 50 });
    expect(await spoolDiskBytes(dir)).toBeLessThanOrEqual(one * 5);
    // Replaying frees whole segments; then appends are taken again.
    const batch = await spool.peek(20);
    await spool.ack(batch as NonNullable<typeof batch>);
    expect(spool.stats()).toMatchObject({ full: false, records: 3 });
    await spool.append(linesOf("b", 10));
    expect(spool.stats().records).toBe(4);
  });

  it("reports the age of the oldest waiting batch", async () => {
    const clock = manualClock();
    const spool = await opened(await tempDir(), {}, clock);
    const t0 = clock.now();
    await spool.append(linesOf("a", 1));
    clock.advance(5000);
    await spool.append(linesOf("b", 1));
    expect(spool.stats().oldestAt).toBe(t0);
    const head = await spool.peek(1);
    await spool.ack(head as NonNullable<typeof head>);
    expect(spool.stats().oldestAt).toBe(t0 + 5000);
  });

  it("appends that race an acknowledgement of the whole spool are never lost", async () => {
    const spool = await opened(await tempDir());
    await spool.append(linesOf("a", 1));
    const head = await spool.peek(10);
    // The ack empties the active segment while the next append is on its way.
    const appended = spool.append(linesOf("b", 1));
    await spool.ack(head as NonNullable<typeof head>);
    await appended;
    expect(await drainAll(spool)).toEqual(linesOf("b", 1));
  });

  it("belongs to one process at a time", async () => {
    const dir = await tempDir();
    await opened(dir);
    await expect(openSpool({ dir, maxBytes: 1000 }, { clock: manualClock(), logger })).rejects.toThrow(
      /already open/,
    );
  });

  it("refuses a spool another live process holds, and takes over one left by a process that is gone", async () => {
    const dir = await tempDir();
    const lock = join(dir, "spool.lock");
    const other = spawn("sleep", ["30"], { stdio: "ignore" });
    cleanups.push(async () => {
      other.kill();
    });
    const pid = other.pid as number;
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const started = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    await writeFile(lock, JSON.stringify({ pid, token: "other", started }));
    await expect(openSpool({ dir, maxBytes: 1000 }, { clock: manualClock(), logger })).rejects.toThrow(
      new RegExp(`in use by process ${pid}`),
    );
    // Same pid, another start time: the owner died and its pid was reused.
    await writeFile(lock, JSON.stringify({ pid, token: "other", started: "1" }));
    const reused = await openSpool({ dir, maxBytes: 1000 }, { clock: manualClock(), logger });
    await reused.close();
    // Our own pid, another token: left by an earlier run of a container whose process had this pid.
    await writeFile(lock, JSON.stringify({ pid: process.pid, token: "earlier-run", started: null }));
    const restarted = await openSpool({ dir, maxBytes: 1000 }, { clock: manualClock(), logger });
    await restarted.close();
    expect(await readdir(dir)).not.toContain("spool.lock");
  });

  it("stores each batch durably as one JSON line", async () => {
    const dir = await tempDir();
    const spool = await opened(dir);
    await spool.append(["readings,device=a pm25=1 1", 'odd "quotes" and \\ backslashes']);
    const [segment] = (await readdir(dir)).filter((n) => n.endsWith(".spool"));
    const text = await readFile(join(dir, segment as string), "utf8");
    expect(text.endsWith("\n")).toBe(true);
    expect(JSON.parse(text)).toMatchObject({
      lines: ["readings,device=a pm25=1 1", 'odd "quotes" and \\ backslashes'],
    });
  });
});
