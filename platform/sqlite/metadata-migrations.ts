import { type Kysely, type Migration, Migrator } from "kysely";

/** Each feature's migrations, merged by the composition root. Append new ones; never edit applied ones. */
export type Migrations = Readonly<Record<string, Migration>>;

/** Applies every migration not yet applied, in name order. */
export async function migrateToLatest(db: Kysely<unknown>, migrations: Migrations): Promise<void> {
  // Features add migrations with earlier names than ones already applied (003–005 after 006 on a
  // database made before the security work): apply them rather than refuse to start.
  const { error, results } = await new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    allowUnorderedMigrations: true,
  }).migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? "");
    throw new Error(`metadata migration ${failed?.migrationName ?? ""} failed: ${cause}`);
  }
}
