import type { Kysely, Selectable } from "kysely";
import type { LineProblem, QualityFlag } from "../model/station-file.js";
import type { IndustrialTables, StationFilesTable } from "./industrial-schema.js";

export const FILE_OUTCOMES = ["accepted", "partial", "rejected"] as const;
export type FileOutcome = (typeof FILE_OUTCOMES)[number];

export interface FileProblems {
  /** Why the whole file was refused (Vietnamese · English); absent when some lines were stored. */
  readonly reason?: string;
  readonly lines: readonly LineProblem[];
}

export interface NewStationFile {
  readonly name: string;
  readonly folder: string;
  readonly sha256: string;
  readonly deviceId: string | null;
  readonly fileAt: number | null;
  readonly receivedAt: number;
  readonly outcome: FileOutcome;
  readonly acceptedLines: number;
  readonly problems: FileProblems;
}

export interface StationFileRecord extends NewStationFile {
  readonly id: number;
  readonly refusedLines: number;
  readonly archivedAs: string | null;
}

export interface StoredFileValue {
  readonly deviceId: string;
  readonly metric: string;
  readonly ts: number;
  readonly value: number;
  readonly symbol: string;
  readonly quality: QualityFlag;
}

export interface StationFileRepository {
  findBySha(sha256: string): Promise<StationFileRecord | undefined>;
  /** The file and its values in one transaction; a value at the same device, metric and time replaces the older one. */
  record(file: NewStationFile, values: readonly StoredFileValue[]): Promise<StationFileRecord>;
  markArchived(id: number, archivedAs: string): Promise<void>;
  /** Newest first. */
  list(filter: { deviceId?: string; outcome?: FileOutcome; limit: number }): Promise<StationFileRecord[]>;
  /** Values in [from, to), oldest first. */
  values(deviceId: string, from: number, to: number, limit: number): Promise<StoredFileValue[]>;
  /** Files with stored lines per station whose name time lies in [from, to); one per name time. */
  filesReceived(from: number, to: number): Promise<Map<string, number>>;
}

const VALUE_CHUNK = 100;

function toRecord(row: Selectable<StationFilesTable>): StationFileRecord {
  return {
    id: Number(row.id),
    name: row.name,
    folder: row.folder,
    sha256: row.sha256,
    deviceId: row.device_id,
    fileAt: row.file_at === null ? null : Number(row.file_at),
    receivedAt: Number(row.received_at),
    outcome: row.outcome as FileOutcome,
    acceptedLines: Number(row.accepted_lines),
    refusedLines: Number(row.refused_lines),
    problems: JSON.parse(row.problems) as FileProblems,
    archivedAs: row.archived_as,
  };
}

/** SQL only: the station files received and their values. */
export function createStationFileRepository<DB extends IndustrialTables>(
  database: Kysely<DB>,
): StationFileRepository {
  const db = database as unknown as Kysely<IndustrialTables>;
  const byId = async (id: number) =>
    toRecord(await db.selectFrom("station_files").selectAll().where("id", "=", id).executeTakeFirstOrThrow());
  return {
    async findBySha(sha256) {
      const row = await db
        .selectFrom("station_files")
        .selectAll()
        .where("sha256", "=", sha256)
        .executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    async record(file, values) {
      const id = await db.transaction().execute(async (tx) => {
        const inserted = await tx
          .insertInto("station_files")
          .values({
            name: file.name,
            folder: file.folder,
            sha256: file.sha256,
            device_id: file.deviceId,
            file_at: file.fileAt,
            received_at: file.receivedAt,
            outcome: file.outcome,
            accepted_lines: file.acceptedLines,
            refused_lines: file.problems.lines.length,
            problems: JSON.stringify(file.problems),
            archived_as: null,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        const fileId = Number(inserted.id);
        for (let start = 0; start < values.length; start += VALUE_CHUNK) {
          await tx
            .insertInto("station_file_values")
            .values(
              values.slice(start, start + VALUE_CHUNK).map((v) => ({
                device_id: v.deviceId,
                metric: v.metric,
                ts: v.ts,
                value: v.value,
                symbol: v.symbol,
                quality: v.quality,
                file_id: fileId,
              })),
            )
            .onConflict((oc) =>
              oc.columns(["device_id", "metric", "ts"]).doUpdateSet((eb) => ({
                value: eb.ref("excluded.value"),
                symbol: eb.ref("excluded.symbol"),
                quality: eb.ref("excluded.quality"),
                file_id: eb.ref("excluded.file_id"),
              })),
            )
            .execute();
        }
        return fileId;
      });
      return byId(id);
    },

    async markArchived(id, archivedAs) {
      await db.updateTable("station_files").set({ archived_as: archivedAs }).where("id", "=", id).execute();
    },

    async list({ deviceId, outcome, limit }) {
      let query = db.selectFrom("station_files").selectAll();
      if (deviceId !== undefined) query = query.where("device_id", "=", deviceId);
      if (outcome !== undefined) query = query.where("outcome", "=", outcome);
      const rows = await query.orderBy("id", "desc").limit(limit).execute();
      return rows.map(toRecord);
    },

    async values(deviceId, from, to, limit) {
      const rows = await db
        .selectFrom("station_file_values")
        .select(["device_id", "metric", "ts", "value", "symbol", "quality"])
        .where("device_id", "=", deviceId)
        .where("ts", ">=", from)
        .where("ts", "<", to)
        .orderBy("ts")
        .orderBy("metric")
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        deviceId: r.device_id,
        metric: r.metric,
        ts: Number(r.ts),
        value: Number(r.value),
        symbol: r.symbol,
        quality: r.quality as QualityFlag,
      }));
    },

    async filesReceived(from, to) {
      const rows = await db
        .selectFrom("station_files")
        .select(["device_id", (eb) => eb.fn.count<number>("file_at").distinct().as("files")])
        .where("outcome", "!=", "rejected")
        .where("file_at", ">=", from)
        .where("file_at", "<", to)
        .where("device_id", "is not", null)
        .groupBy("device_id")
        .execute();
      return new Map(rows.map((r) => [r.device_id as string, Number(r.files)]));
    },
  };
}
