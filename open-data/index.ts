/** The open-data feature as the rest of the service uses it. */
import type { OpenData } from "./open-data.js";

export type { OpenData, OpenDataSettings } from "./open-data.js";
export { openDataMigrations } from "./store/open-data-migrations.js";
export type { OpenDataTables } from "./store/open-data-schema.js";

/**
 * The feature (SensorThings, CSV, archives, catalogue), loaded when the API part starts: the
 * command-line tools that only open the metadata database (and its migrations) do not load it.
 */
export async function createOpenData(
  ...args: Parameters<typeof import("./open-data.js").createOpenData>
): Promise<OpenData> {
  const feature = await import("./open-data.js");
  return feature.createOpenData(...args);
}
