import type { Generated } from "kysely";

/** Every station file received, once per content (sha256), with what became of it. */
export interface StationFilesTable {
  id: Generated<number>;
  /** The file's name as uploaded, and its folder under the inbox ("" at the top). */
  name: string;
  folder: string;
  sha256: string;
  /** The station it was matched to; null when none was. */
  device_id: string | null;
  /** The time in the file's name, epoch ms UTC; null when the name had neither form. */
  file_at: number | null;
  received_at: number;
  /** accepted (every line), partial (some lines refused), rejected (nothing stored). */
  outcome: string;
  accepted_lines: number;
  refused_lines: number;
  /** JSON: the reason of a rejected file and each refused line. */
  problems: string;
  /** Where it was kept, relative to the archive folder; null until it was moved there. */
  archived_as: string | null;
}

/** Every value of every accepted line, with the device status it was sent with. */
export interface StationFileValuesTable {
  device_id: string;
  metric: string;
  ts: number;
  value: number;
  symbol: string;
  /** measuring, calibrating, error or maintenance. */
  quality: string;
  file_id: number;
}

export interface IndustrialTables {
  station_files: StationFilesTable;
  station_file_values: StationFileValuesTable;
}
