/**
 * Upload completion from the FTP server's transfer log (xferlog format: vsftpd with
 * xferlog_std_format=YES, ProFTPD, wu-ftpd). vsftpd writes straight into the final file name, so
 * a stalled upload looks like a finished one on disk; the log's line, written when the transfer
 * ends, says which uploads are complete. An upload is known by its file name and byte count (the
 * path in the log is relative to the account's root, which the service does not know).
 */
import { open } from "node:fs/promises";
import path from "node:path";

/** date (5 fields), transfer-time, host, bytes, file name…, then 9 fields ending with the completion status. */
const TRAILING_FIELDS = 9;
const LEADING_FIELDS = 8;

export interface CompletedUpload {
  readonly name: string;
  readonly bytes: number;
}

/** The completed incoming transfer a line reports, or undefined (outgoing, incomplete, not a line). */
export function parseXferlogLine(line: string): CompletedUpload | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields.length < LEADING_FIELDS + TRAILING_FIELDS) return undefined;
  const tail = fields.slice(-TRAILING_FIELDS);
  const direction = tail[2];
  const completion = tail[8];
  if (direction !== "i" || completion !== "c") return undefined;
  const bytes = Number(fields[7]);
  if (!Number.isSafeInteger(bytes) || bytes < 0) return undefined;
  const file = fields.slice(LEADING_FIELDS - 1 + 1, fields.length - TRAILING_FIELDS).join(" ");
  if (file === "") return undefined;
  return { name: path.posix.basename(file), bytes };
}

export interface UploadCompletions {
  /** Whether the log has reported an upload of this name and size as complete. */
  isComplete(name: string, bytes: number): Promise<boolean>;
}

/** Follows the log from its start (it is rotated by logrotate: a shorter file is read again). */
export function createXferlogCompletions(logFile: string): UploadCompletions {
  const completed = new Set<string>();
  let offset = 0;
  let partial = "";
  const key = (name: string, bytes: number) => `${name}\u0000${bytes}`;

  async function readNew(): Promise<void> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(logFile, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size < offset) {
        offset = 0;
        partial = "";
      }
      if (size === offset) return;
      const buffer = Buffer.alloc(size - offset);
      await handle.read(buffer, 0, buffer.length, offset);
      offset = size;
      const lines = (partial + buffer.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const upload = parseXferlogLine(line);
        if (upload) completed.add(key(upload.name, upload.bytes));
      }
    } finally {
      await handle.close();
    }
  }

  return {
    async isComplete(name, bytes) {
      if (completed.has(key(name, bytes))) return true;
      await readNew();
      return completed.has(key(name, bytes));
    },
  };
}
