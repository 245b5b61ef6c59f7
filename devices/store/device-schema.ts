import type { Generated } from "kysely";
import type { DeviceAdminTables } from "./device-admin-schema.js";

/** The devices feature's tables in the metadata database. */
export interface DeviceTables extends DeviceAdminTables {
  areas: AreasTable;
  devices: DevicesTable;
  device_credentials: DeviceCredentialsTable;
}

export interface AreasTable {
  code: string;
  name: string;
}

export interface DevicesTable {
  id: string;
  name: string;
  kind: string | null;
  area_code: string | null;
  lat: number | null;
  lon: number | null;
  /** JSON array of metric keys. */
  metrics: string;
  /** 1 when an operator (or the demo) registered it; 0 when it simply started publishing. */
  registered: number;
  status: string;
  status_at: number | null;
  created_at: number;
  /** JSON {"I","II","III"}: flood alarm levels in metres (water-level stations); null otherwise. */
  flood_levels: string | null;
  /** active, maintenance or decommissioned (devices/model/device-admin.ts); the broker refuses decommissioned ones. */
  lifecycle: Generated<string>;
  /** JSON {metric: {offset, scale}}: value' = value * scale + offset; null when uncalibrated. */
  calibration: string | null;
  /** JSON {weighted, requiredGroups}: VN_WQI settings of a water-quality station; null for the defaults. */
  wqi_settings: Generated<string | null>;
}

/** One broker secret per device; only its keyed hash is stored. */
export interface DeviceCredentialsTable {
  device_id: string;
  /**
   * "hmac-sha256$<key id>$<mac>" (devices/credentials/secret-hash.ts), or until the device next
   * connects a legacy "scrypt$N$r$p$salt$hash"; never the secret itself.
   */
  secret_hash: string;
  created_at: number;
  /** When the secret was last replaced; null while it is the first one. */
  rotated_at: number | null;
}
