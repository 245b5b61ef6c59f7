import type { Kysely } from "kysely";
import type { Clock } from "../../kernel/clock.js";
import type { OpenDataTables } from "./open-data-schema.js";

export type IdEntity = "thing" | "datastream" | "sensor" | "property";
export type StationVisibility = "public" | "private";

export interface AllocatedId {
  readonly id: number;
  readonly assignedAt: number;
}

export interface OpenDataRepository {
  /** The ids of these natural keys, allocating the missing ones (kept for good). */
  idsFor(entity: IdEntity, keys: readonly string[]): Promise<Map<string, AllocatedId>>;
  /** Stations whose publication is set explicitly. */
  visibilities(): Promise<Map<string, StationVisibility>>;
  /** Sets a station's publication; null returns it to the default. */
  setVisibility(deviceId: string, visibility: StationVisibility | null, actor: string): Promise<void>;
}

const ALLOCATION_ATTEMPTS = 3;

/** SQL only: the open-data tables (stable SensorThings ids, publication settings). */
export function createOpenDataRepository(db: Kysely<OpenDataTables>, clock: Clock): OpenDataRepository {
  async function known(entity: IdEntity, keys: readonly string[]) {
    const found = new Map<string, AllocatedId>();
    // Chunks keep the statement's parameter count small.
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await db
        .selectFrom("open_data_ids")
        .select(["natural_key", "id", "assigned_at"])
        .where("entity", "=", entity)
        .where("natural_key", "in", keys.slice(i, i + 500))
        .execute();
      for (const row of rows)
        found.set(row.natural_key, { id: Number(row.id), assignedAt: Number(row.assigned_at) });
    }
    return found;
  }

  return {
    async idsFor(entity, keys) {
      const unique = [...new Set(keys)];
      if (unique.length === 0) return new Map();
      for (let attempt = 1; ; attempt += 1) {
        const found = await known(entity, unique);
        const missing = unique.filter((k) => !found.has(k)).sort();
        if (missing.length === 0) return found;
        try {
          // Ids follow the highest so far; another process allocating at the same time makes the
          // unique constraint refuse one of the two, which then reads the winner's ids.
          await db.transaction().execute(async (trx) => {
            const top = await trx
              .selectFrom("open_data_ids")
              .select((eb) => eb.fn.max("id").as("top"))
              .where("entity", "=", entity)
              .executeTakeFirst();
            let next = Number(top?.top ?? 0) + 1;
            const now = clock.now();
            for (const key of missing) {
              await trx
                .insertInto("open_data_ids")
                .values({ entity, natural_key: key, id: next, assigned_at: now })
                .execute();
              next += 1;
            }
          });
        } catch (error) {
          if (attempt >= ALLOCATION_ATTEMPTS) throw error;
        }
      }
    },

    async visibilities() {
      const rows = await db.selectFrom("open_data_stations").select(["device_id", "visibility"]).execute();
      return new Map(
        rows.map((r) => [r.device_id, r.visibility === "public" ? "public" : "private"] as const),
      );
    },

    async setVisibility(deviceId, visibility, actor) {
      if (visibility === null) {
        await db.deleteFrom("open_data_stations").where("device_id", "=", deviceId).execute();
        return;
      }
      const values = { device_id: deviceId, visibility, updated_at: clock.now(), actor };
      await db
        .insertInto("open_data_stations")
        .values(values)
        .onConflict((oc) =>
          oc.column("device_id").doUpdateSet({ visibility, updated_at: values.updated_at, actor }),
        )
        .execute();
    },
  };
}
