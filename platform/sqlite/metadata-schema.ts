import type { Generated } from "kysely";
import type { AlertTables } from "../../alerts/store/alert-schema.js";
import type { AlertStateTables } from "../../alerts/store/alert-state-store.js";
import type { WebhookTables } from "../../alerts/store/webhook-schema.js";
import type { OperatorTables } from "../../auth/store/operator-schema.js";
import type { DeviceAdminTables } from "../../devices/store/device-admin-schema.js";

/** Tables of the metadata database (SQLite by default; written to run on PostgreSQL too). */
export interface MetadataDatabase
  extends OperatorTables,
    AlertTables,
    AlertStateTables,
    DeviceAdminTables,
    WebhookTables {
  areas: AreasTable;
  devices: DevicesTable;
  device_credentials: DeviceCredentialsTable;
  dead_letters: DeadLettersTable;
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
}

/** One broker secret per device; only its slow hash is stored. */
export interface DeviceCredentialsTable {
  device_id: string;
  /** "scrypt$N$r$p$salt$hash" (base64url parts); never the secret itself. */
  secret_hash: string;
  created_at: number;
  /** When the secret was last replaced; null while it is the first one. */
  rotated_at: number | null;
}

export interface DeadLettersTable {
  id: Generated<number>;
  received_at: number;
  device_id: string | null;
  topic: string;
  reason: string;
  message: string;
  entry_index: number | null;
  metric: string | null;
  payload: string;
  truncated: number;
}
