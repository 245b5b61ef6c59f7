/** The open-data feature as the rest of the service uses it. */
export { createOpenData, type OpenData, type OpenDataSettings, publishedIndices } from "./open-data.js";
export { openDataMigrations } from "./store/open-data-migrations.js";
export type { OpenDataTables } from "./store/open-data-schema.js";
