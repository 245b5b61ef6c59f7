import type { Generated } from "kysely";

/** The readings feature's table in the metadata database (created by the first migration, devices/store/device-migrations.ts). */
export interface DeadLetterTables {
  dead_letters: DeadLettersTable;
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
