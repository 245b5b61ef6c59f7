/** The industrial feature (stations that report by file, Circular 10/2021/TT-BTNMT) as the service uses it. */
export { industrialRoutes as industrialApi } from "./api/industrial-routes.js";
export { DEMO_FACILITIES } from "./demo-facility.js";
export {
  FacilitiesFileError,
  type FileStations,
  type FileStationsStore,
  fileStationsOptionsFrom,
  loadFacilitiesFile,
  openFileStationsStore,
  startFileStations,
} from "./file-stations.js";
export type { ReadingEntry } from "./intake/inbox-intake.js";
export type { FacilitiesFile } from "./model/facilities.js";
export { industrialMigrations } from "./store/industrial-migrations.js";
export type { IndustrialTables } from "./store/industrial-schema.js";
