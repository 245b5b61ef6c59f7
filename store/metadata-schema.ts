import type { Generated } from "kysely";
import type { AlertTables } from "./alert-schema.js";
import type { OperatorTables } from "./operator-schema.js";

/** Tables of the metadata database (SQLite by default; written to run on PostgreSQL too). */
export interface MetadataDatabase extends OperatorTables, AlertTables {
  areas: AreasTable;
  devices: DevicesTable;
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
