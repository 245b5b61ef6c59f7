import type { Kysely } from "kysely";
import { afterEach, expect, it } from "vitest";
import type { RejectionReason } from "../../kernel/rejections.js";
import type { MetadataDatabase } from "../../service/metadata.js";
import { describeEachMetadataBackend } from "../../test/support/metadata-backends.js";
import { createDeadLetterRepository, type DeadLetter, type NewDeadLetter } from "./dead-letter-repository.js";

const T0 = Date.UTC(2026, 10, 21, 1, 0, 0);

function letter(n: number, overrides: Partial<NewDeadLetter> = {}): NewDeadLetter {
  return {
    receivedAt: T0 + n * 1000,
    deviceId: "tn-air-001",
    topic: "sensors/tn-air-001/readings",
    reason: "out_of_range",
    message: `letter ${n}`,
    payload: `{"values":{"pm25":${5000 + n}}}`,
    truncated: false,
    ...overrides,
  };
}

describeEachMetadataBackend("dead-letter repository", (backend) => {
  const toClean: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const clean of toClean.splice(0)) await clean();
  });

  async function openDatabase(): Promise<Kysely<MetadataDatabase>> {
    const database = await backend.createDatabase();
    toClean.push(() => database.close());
    return database.open();
  }

  const messagesOf = (letters: readonly DeadLetter[]) => letters.map((l) => l.message);

  it("stores letters and lists them newest first with every field", async () => {
    const repo = createDeadLetterRepository(await openDatabase(), { maxRows: 1000 });
    await repo.insertMany([
      letter(1),
      letter(2, { entryIndex: 4, metric: "pm25", reason: "unknown_metric", truncated: true }),
    ]);
    await repo.insertMany([
      letter(3, {
        deviceId: null,
        topic: "sensors/a b/readings",
        reason: "invalid_device_id",
        payload: "base64:AAE=",
      }),
    ]);
    const listed = await repo.list({ limit: 10 });
    expect(messagesOf(listed)).toEqual(["letter 3", "letter 2", "letter 1"]);
    expect(listed[0]?.id).toBeGreaterThan(listed[1]?.id ?? Number.POSITIVE_INFINITY);
    expect(listed[1]?.id).toBeGreaterThan(listed[2]?.id ?? Number.POSITIVE_INFINITY);

    const [third, second, first] = listed;
    expect(third).toEqual({
      id: third?.id,
      ...letter(3, {
        deviceId: null,
        topic: "sensors/a b/readings",
        reason: "invalid_device_id",
        payload: "base64:AAE=",
      }),
    });
    expect(second).toEqual({
      id: second?.id,
      ...letter(2, { entryIndex: 4, metric: "pm25", reason: "unknown_metric", truncated: true }),
    });
    expect(first).toEqual({ id: first?.id, ...letter(1) });
    expect(first).not.toHaveProperty("entryIndex");
    expect(first).not.toHaveProperty("metric");
  });

  it("keeps an entry index of 0", async () => {
    const repo = createDeadLetterRepository(await openDatabase(), { maxRows: 1000 });
    await repo.insertMany([letter(1, { entryIndex: 0 })]);
    expect((await repo.list({ limit: 1 }))[0]?.entryIndex).toBe(0);
  });

  it("stores a batch far larger than one SQL statement can bind (a 1000-entry backlog of unknown metrics)", async () => {
    const repo = createDeadLetterRepository(await openDatabase(), { maxRows: 100_000 });
    const letters = Array.from({ length: 5000 }, (_, i) => letter(i, { entryIndex: i % 1000 }));
    await repo.insertMany(letters);
    const newest = await repo.list({ limit: 1000 });
    expect(newest).toHaveLength(1000);
    expect(newest[0]?.message).toBe(letters[4999]?.message);
    let total = 0;
    for (let before: number | undefined; ; ) {
      const page = await repo.list({ limit: 1000, ...(before === undefined ? {} : { beforeId: before }) });
      total += page.length;
      if (page.length < 1000) break;
      before = page.at(-1)?.id;
    }
    expect(total).toBe(5000);
  });

  it("accepts an empty batch", async () => {
    const repo = createDeadLetterRepository(await openDatabase(), { maxRows: 1000 });
    await repo.insertMany([]);
    expect(await repo.list({ limit: 10 })).toEqual([]);
  });

  it("respects the limit", async () => {
    const repo = createDeadLetterRepository(await openDatabase(), { maxRows: 1000 });
    await repo.insertMany(Array.from({ length: 8 }, (_, i) => letter(i)));
    expect(messagesOf(await repo.list({ limit: 3 }))).toEqual(["letter 7", "letter 6", "letter 5"]);
  });

  it("filters by device and by reason, together or apart", async () => {
    const repo = createDeadLetterRepository(await openDatabase(), { maxRows: 1000 });
    const reasons: RejectionReason[] = ["out_of_range", "invalid_json", "future_timestamp"];
    await repo.insertMany(
      Array.from({ length: 12 }, (_, i) =>
        letter(i, { deviceId: i % 2 === 0 ? "tn-air-001" : "la-wq-002", reason: reasons[i % 3] }),
      ),
    );
    expect(messagesOf(await repo.list({ limit: 100, deviceId: "la-wq-002" }))).toEqual([
      "letter 11",
      "letter 9",
      "letter 7",
      "letter 5",
      "letter 3",
      "letter 1",
    ]);
    expect(messagesOf(await repo.list({ limit: 100, reason: "invalid_json" }))).toEqual([
      "letter 10",
      "letter 7",
      "letter 4",
      "letter 1",
    ]);
    expect(
      messagesOf(await repo.list({ limit: 100, deviceId: "tn-air-001", reason: "invalid_json" })),
    ).toEqual(["letter 10", "letter 4"]);
    expect(await repo.list({ limit: 100, deviceId: "nobody" })).toEqual([]);
  });

  it("pages backwards with beforeId without gaps or repeats", async () => {
    const repo = createDeadLetterRepository(await openDatabase(), { maxRows: 1000 });
    await repo.insertMany(Array.from({ length: 25 }, (_, i) => letter(i)));
    const pages: DeadLetter[][] = [];
    let beforeId: number | undefined;
    for (;;) {
      const page = await repo.list({ limit: 10, ...(beforeId === undefined ? {} : { beforeId }) });
      if (page.length === 0) break;
      pages.push(page);
      beforeId = page[page.length - 1]?.id;
      expect(pages.length).toBeLessThanOrEqual(3);
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat().map((l) => l.message)).toEqual(
      Array.from({ length: 25 }, (_, i) => `letter ${24 - i}`),
    );
  });

  it("pages within a filter", async () => {
    const repo = createDeadLetterRepository(await openDatabase(), { maxRows: 1000 });
    await repo.insertMany(
      Array.from({ length: 20 }, (_, i) => letter(i, { deviceId: i % 4 === 0 ? "a" : "b" })),
    );
    const first = await repo.list({ limit: 3, deviceId: "a" });
    expect(messagesOf(first)).toEqual(["letter 16", "letter 12", "letter 8"]);
    const next = await repo.list({ limit: 3, deviceId: "a", beforeId: first[2]?.id as number });
    expect(messagesOf(next)).toEqual(["letter 4", "letter 0"]);
  });

  it("keeps at most maxRows letters, the newest ones, when inserted one at a time", async () => {
    const repo = createDeadLetterRepository(await openDatabase(), { maxRows: 20 });
    for (let i = 0; i < 100; i++) await repo.insertMany([letter(i)]);
    const kept = await repo.list({ limit: 1000 });
    expect(kept.length).toBeLessThanOrEqual(20);
    // Pruning drops only the oldest letters beyond the limit, never most of the table.
    expect(kept.length).toBeGreaterThanOrEqual(10);
    expect(messagesOf(kept)).toEqual(Array.from({ length: kept.length }, (_, i) => `letter ${99 - i}`));
  });

  it("keeps at most maxRows letters, the newest ones, after a large batch", async () => {
    const repo = createDeadLetterRepository(await openDatabase(), { maxRows: 20 });
    await repo.insertMany(Array.from({ length: 100 }, (_, i) => letter(i)));
    const kept = await repo.list({ limit: 1000 });
    expect(messagesOf(kept)).toEqual(Array.from({ length: 20 }, (_, i) => `letter ${99 - i}`));
    // Filters still work on what is left.
    await repo.insertMany([letter(100, { deviceId: "other" }), letter(101, { deviceId: "other" })]);
    expect(messagesOf(await repo.list({ limit: 1000, deviceId: "other" }))).toEqual([
      "letter 101",
      "letter 100",
    ]);
    expect((await repo.list({ limit: 1000 })).length).toBeLessThanOrEqual(20);
  });

  it("keeps pruning when a new repository opens a database that already holds letters", async () => {
    const db = await openDatabase();
    await createDeadLetterRepository(db, { maxRows: 1000 }).insertMany(
      Array.from({ length: 50 }, (_, i) => letter(i)),
    );
    const repo = createDeadLetterRepository(db, { maxRows: 20 });
    await repo.insertMany(Array.from({ length: 5 }, (_, i) => letter(50 + i)));
    const kept = await repo.list({ limit: 1000 });
    expect(messagesOf(kept)).toEqual(Array.from({ length: 20 }, (_, i) => `letter ${54 - i}`));
  });
});
