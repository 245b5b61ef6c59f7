/** Tables of the open-data feature (migration 2026-12-06-014). A type, so Kysely's withTables takes it. */
export type OpenDataTables = {
  open_data_ids: OpenDataIdsTable;
  open_data_stations: OpenDataStationsTable;
};

/**
 * SensorThings ids: one number per entity kind and natural key (a device id, "device|series", a
 * station kind, a metric), allocated once and kept, so ids stay the same across restarts.
 */
export interface OpenDataIdsTable {
  entity: string;
  natural_key: string;
  id: number;
  /** Epoch ms of the allocation: a station's HistoricalLocation time. */
  assigned_at: number;
}

/** A station's publication setting; absent: the default (published when registered and not decommissioned). */
export interface OpenDataStationsTable {
  device_id: string;
  /** "public" or "private". */
  visibility: string;
  updated_at: number;
  /** Who changed it (an operator's username); never published. */
  actor: string;
}
