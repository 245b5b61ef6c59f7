import type { Kysely } from "kysely";
import type { RejectionReason } from "../../kernel/rejections.js";
import type { DeadLetterTables } from "./dead-letter-schema.js";

export interface NewDeadLetter {
  readonly receivedAt: number;
  readonly deviceId: string | null;
  readonly topic: string;
  readonly reason: RejectionReason;
  readonly message: string;
  readonly entryIndex?: number;
  readonly metric?: string;
  readonly payload: string;
  readonly truncated: boolean;
}

export interface DeadLetter extends NewDeadLetter {
  readonly id: number;
}

export interface DeadLetterQuery {
  readonly limit: number;
  /** Only letters with a smaller id: the cursor for the next page. */
  readonly beforeId?: number;
  readonly deviceId?: string;
  readonly reason?: RejectionReason;
}

export interface DeadLetterRepository {
  insertMany(letters: readonly NewDeadLetter[]): Promise<void>;
  /** Newest first. */
  list(query: DeadLetterQuery): Promise<DeadLetter[]>;
}

/** 9 bound variables per row: far below SQLite's limit of 32 766 per statement. */
const INSERT_CHUNK = 1000;

/** Keeps at most `maxRows` letters: a device stuck sending garbage must not fill the disk. */
export function createDeadLetterRepository(
  db: Kysely<DeadLetterTables>,
  options: { readonly maxRows: number },
): DeadLetterRepository {
  let insertedSincePrune = 0;

  async function insertChunk(tx: Kysely<DeadLetterTables>, letters: readonly NewDeadLetter[]): Promise<void> {
    await tx
      .insertInto("dead_letters")
      .values(
        letters.map((l) => ({
          received_at: l.receivedAt,
          device_id: l.deviceId,
          topic: l.topic,
          reason: l.reason,
          message: l.message,
          entry_index: l.entryIndex ?? null,
          metric: l.metric ?? null,
          payload: l.payload,
          truncated: l.truncated ? 1 : 0,
        })),
      )
      .execute();
  }
  const pruneEvery = Math.max(1, Math.min(1000, Math.floor(options.maxRows / 10)));

  async function pruneIfDue(): Promise<void> {
    if (insertedSincePrune < pruneEvery) return;
    insertedSincePrune = 0;
    const newest = await db
      .selectFrom("dead_letters")
      .select((eb) => eb.fn.max("id").as("maxId"))
      .executeTakeFirst();
    const maxId = Number(newest?.maxId ?? 0);
    if (maxId > options.maxRows) {
      await db
        .deleteFrom("dead_letters")
        .where("id", "<=", maxId - options.maxRows)
        .execute();
    }
  }

  return {
    async insertMany(letters) {
      if (letters.length === 0) return;
      // One transaction (one disk flush), in chunks that stay under SQLite's limit on bound
      // variables: a 1000-entry backlog of unknown metrics is thousands of letters.
      await db.transaction().execute(async (tx) => {
        for (let start = 0; start < letters.length; start += INSERT_CHUNK) {
          await insertChunk(tx, letters.slice(start, start + INSERT_CHUNK));
        }
      });
      insertedSincePrune += letters.length;
      await pruneIfDue();
    },

    async list(query) {
      let q = db.selectFrom("dead_letters").selectAll().orderBy("id", "desc").limit(query.limit);
      if (query.beforeId !== undefined) q = q.where("id", "<", query.beforeId);
      if (query.deviceId !== undefined) q = q.where("device_id", "=", query.deviceId);
      if (query.reason !== undefined) q = q.where("reason", "=", query.reason);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: r.id,
        receivedAt: Number(r.received_at),
        deviceId: r.device_id,
        topic: r.topic,
        reason: r.reason as RejectionReason,
        message: r.message,
        ...(r.entry_index === null ? {} : { entryIndex: r.entry_index }),
        ...(r.metric === null ? {} : { metric: r.metric }),
        payload: r.payload,
        truncated: r.truncated === 1,
      }));
    },
  };
}
