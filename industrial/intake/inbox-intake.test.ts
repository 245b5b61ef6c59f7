import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteFixture, type SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { DEMO_FACILITIES } from "../demo-facility.js";
import { facilitiesFileSchema } from "../model/facilities.js";
import { createStationFileRepository, type StationFileRepository } from "../store/station-file-repository.js";
import { createInboxIntake, type InboxIntake, type ReadingEntry } from "./inbox-intake.js";

const SETTLE_MS = 5000;
const logger = pino({ level: "silent" });
// 2026-03-02 08:05 in Vietnam.
const AT = Date.parse("2026-03-02T08:05:00+07:00");
const NAME = "TNI_DETMP_NT01_20260302080500.txt";
const TEXT = "COD\t31.5\tmg/L\t20260302080500\t00\r\nTSS\t12\tmg/L\t20260302080500\t01\r\n";

describe("inbox intake (real SQLite, real files)", () => {
  let now = AT + 60_000;
  const clock = { now: () => now };
  let fixture: SqliteFixture;
  let repository: StationFileRepository;
  let submitted: Array<{ deviceId: string; entries: readonly ReadingEntry[] }>;
  let intake: InboxIntake;
  let inbox: string;
  let archive: string;

  beforeEach(async () => {
    fixture = await openSqliteFixture(clock, "envmon-intake-");
    repository = createStationFileRepository(fixture.metadata);
    submitted = [];
    inbox = join(fixture.dataDir, "inbox");
    archive = join(fixture.dataDir, "archive");
    await mkdir(join(inbox, "NT01"), { recursive: true });
    intake = newIntake();
  });
  afterEach(async () => {
    await intake.stop();
    await fixture.close();
  });

  function newIntake() {
    return createInboxIntake(
      { inboxDir: inbox, archiveDir: archive, settleMs: SETTLE_MS, scanIntervalMs: 60_000 },
      {
        facilities: facilitiesFileSchema.parse(DEMO_FACILITIES),
        repository,
        submit: async (deviceId, entries) => {
          submitted.push({ deviceId, entries });
        },
        clock,
        logger,
      },
    );
  }
  /** Scans until the file has settled (two scans SETTLE_MS apart). */
  async function settleAndScan() {
    const first = await intake.scanOnce();
    now += SETTLE_MS;
    return first + (await intake.scanOnce());
  }

  it("waits until a file has not changed for the settle time, then stores its measuring values once", async () => {
    await writeFile(join(inbox, "NT01", NAME), TEXT.slice(0, 20));
    expect(await intake.scanOnce()).toBe(0);
    now += SETTLE_MS - 1;
    await writeFile(join(inbox, "NT01", NAME), TEXT); // still growing
    expect(await intake.scanOnce()).toBe(0);
    now += SETTLE_MS - 1;
    expect(await intake.scanOnce()).toBe(0);
    now += 1;
    expect(await intake.scanOnce()).toBe(1);
    expect(submitted).toEqual([{ deviceId: "tn-ww-001", entries: [{ ts: AT, values: { cod: 31.5 } }] }]);
    expect(existsSync(join(archive, "processed", "NT01", NAME))).toBe(true);
    expect(existsSync(join(inbox, "NT01", NAME))).toBe(false);
    const [record] = await repository.list({ limit: 10 });
    expect(record).toMatchObject({
      outcome: "accepted",
      acceptedLines: 2,
      archivedAs: join("processed", "NT01", NAME),
    });
    expect((await repository.values("tn-ww-001", AT, AT + 1, 100)).map((v) => [v.metric, v.quality])).toEqual(
      [
        ["cod", "measuring"],
        ["tss", "calibrating"],
      ],
    );
  });

  it("after a restart between recording and moving, only finishes the move: nothing is stored twice", async () => {
    const sha = (await import("node:crypto")).createHash("sha256").update(TEXT).digest("hex");
    await writeFile(join(inbox, "NT01", NAME), TEXT);
    // What the process had done before it stopped: the readings stored, the file recorded, not moved.
    await repository.record(
      {
        name: NAME,
        folder: "NT01",
        sha256: sha,
        deviceId: "tn-ww-001",
        fileAt: AT,
        receivedAt: now,
        outcome: "accepted",
        acceptedLines: 2,
        problems: { lines: [] },
      },
      [],
    );
    expect(await settleAndScan()).toBe(1);
    expect(submitted).toEqual([]);
    expect(await repository.list({ limit: 10 })).toHaveLength(1);
    expect(existsSync(join(archive, "processed", "NT01", NAME))).toBe(true);
  });

  it("refuses the same content uploaded again, and keeps it in rejected/ with the reason", async () => {
    await writeFile(join(inbox, "NT01", NAME), TEXT);
    await settleAndScan();
    await writeFile(join(inbox, "NT01", NAME), TEXT);
    now += 1;
    await settleAndScan();
    expect(submitted).toHaveLength(1);
    const [duplicate, original] = await repository.list({ limit: 10 });
    expect(original?.outcome).toBe("accepted");
    expect(duplicate).toMatchObject({ outcome: "rejected", acceptedLines: 0 });
    expect(duplicate?.problems.reason).toMatch(/^tệp đã được nhận trước đó/);
    const kept = join(archive, duplicate?.archivedAs ?? "?");
    expect(await readFile(kept, "utf8")).toBe(TEXT);
    expect(await readFile(`${kept}.reason.txt`, "utf8")).toMatch(/received before/);
  });

  it("refuses a file too large to be a station file without reading it as one", async () => {
    await writeFile(join(inbox, NAME), "x".repeat(300 * 1024));
    await settleAndScan();
    const [record] = await repository.list({ limit: 1 });
    expect(record?.problems.reason).toMatch(/^tệp quá lớn/);
    expect(submitted).toEqual([]);
  });
});
