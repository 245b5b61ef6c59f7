import { type Kysely, type Migration, sql } from "kysely";

/**
 * The fencing check at the write: each lease's highest token seen by the database. A write made
 * under a lease first raises its fence to the writer's token, in the same transaction; a writer
 * with a smaller token (a node that held the lease before and woke from a pause) is refused, and
 * its transaction, with whatever it was about to store, is rolled back.
 */
export interface FenceTables {
  cluster_fences: { name: string; token: number };
}

export const fenceMigrations: Record<string, Migration> = {
  "2026-12-06-016-cluster-fences": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("cluster_fences")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("token", "bigint", (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`DROP TABLE cluster_fences`.execute(db);
    },
  },
};

export class StaleLeaseError extends Error {
  constructor(
    readonly lease: string,
    readonly token: number,
  ) {
    super(`lease ${lease}: token ${token} is stale (another node has held the lease since)`);
    this.name = "StaleLeaseError";
  }
}

/** Raises the fence of `lease` to `token` inside the caller's transaction, or throws StaleLeaseError. */
export async function passFence<DB extends FenceTables>(
  tx: Kysely<DB>,
  lease: string,
  token: number,
): Promise<void> {
  const db = tx as unknown as Kysely<FenceTables>;
  await db
    .insertInto("cluster_fences")
    .values({ name: lease, token: 0 })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const raised = await db
    .updateTable("cluster_fences")
    .set({ token })
    .where("name", "=", lease)
    .where("token", "<=", token)
    .executeTakeFirst();
  if (Number(raised.numUpdatedRows) === 0) throw new StaleLeaseError(lease, token);
}
