import type { Generated } from "kysely";

/** Tables for device administration (migration 2026-11-22-004). A type, so Kysely's withTables takes it. */
export type DeviceAdminTables = {
  device_calibrations: DeviceCalibrationsTable;
};

/** Every calibration a device has had: the provenance of each stored value (see devices/model/calibration.ts). */
export interface DeviceCalibrationsTable {
  id: Generated<number>;
  device_id: string;
  /** Epoch ms: readings with ts at or after this (and before the next entry) use this calibration. */
  applied_from: number;
  /** JSON {metric: {offset, scale}}; null when the calibration was removed. */
  calibration: string | null;
  /** Who set it: an operator's username, "cli:<user>" or "demo". */
  actor: string;
}
