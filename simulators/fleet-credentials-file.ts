/**
 * The demo fleet's broker secrets on disk (DATA_DIR/demo-fleet-credentials.json, mode 0600): the
 * service writes them on every demo start, `npm run simulate -- --credentials <file>` reads them.
 */
import { randomUUID } from "node:crypto";
import { chmod, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { DEVICE_ID_PATTERN } from "../kernel/topics.js";

export const FLEET_CREDENTIALS_FILE = "demo-fleet-credentials.json";

const fleetCredentialsSchema = z.object({
  generatedAt: z.string(),
  /** Device id → secret; the MQTT username is the device id. */
  devices: z.record(z.string(), z.string().min(1).max(256)).superRefine((devices, context) => {
    for (const id of Object.keys(devices)) {
      if (!DEVICE_ID_PATTERN.test(id)) {
        context.addIssue({ code: "custom", path: [id], message: "not a device id" });
      }
    }
  }),
});

export type FleetCredentials = ReadonlyMap<string, string>;

export const fleetCredentialsPath = (dataDir: string) => join(dataDir, FLEET_CREDENTIALS_FILE);

/** Replaces the file atomically; only the owner may read it. */
export async function writeFleetCredentials(
  path: string,
  credentials: FleetCredentials,
  generatedAt: Date,
): Promise<void> {
  const body = {
    note: "Secrets of the simulated demo fleet, replaced on every demo start. Keep private.",
    generatedAt: generatedAt.toISOString(),
    devices: Object.fromEntries(credentials),
  };
  const temporary = `${path}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    // The mode given to writeFile passes through the umask; say it once more, plainly.
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Reads a credentials file; the error names the file and what is wrong with it. */
export async function readFleetCredentials(path: string): Promise<FleetCredentials> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON`);
  }
  const parsed = fleetCredentialsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue?.path.join(".") || "file"}: ${issue?.message ?? "invalid"}`);
  }
  return new Map(Object.entries(parsed.data.devices));
}
