/**
 * The bench's devices, registered the way an administrator registers stations: a CSV import
 * through the API of a service started once on a template DATA_DIR. Each run copies the template,
 * so it starts from an empty store with the devices and their secret hashes in place, and the load
 * generator connects every device with its own secret (simulators/load-generator.ts --credentials).
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { writeFleetCredentials } from "../simulators/fleet-credentials-file.js";
import { LOAD_METRICS } from "../simulators/load-generator-flags.js";
import { startServiceProcess } from "../test/support/service-process.js";

/** Sends readings the alert bench's probe rule watches. */
export const PROBE_DEVICE = "bench-alert-probe";
const AREA = { code: "bench-area", name: "Khu đo hiệu năng" } as const;
/** Rows per import request: each row hashes a new secret, so a request takes a while. */
const IMPORT_CHUNK = 250;
/** Import requests at once: the service hashes on its thread pool, so two cores both work. */
const IMPORTS_AT_ONCE = 4;

export interface BenchFleet {
  /** A DATA_DIR with the devices and the first admin; copy it, do not use it. */
  readonly templateDir: string;
  /** BOOTSTRAP_ADMIN_PASSWORD of the template's admin (a copy must be started with it). */
  readonly adminPassword: string;
  /** Secrets of the load devices only, in id order (the load generator takes the first n). */
  readonly credentialsFile: string;
  readonly loadDeviceIds: readonly string[];
  readonly probeSecret: string;
  remove(): void;
}

const importReportSchema = z.object({
  created: z.array(z.object({ id: z.string(), secret: z.string() })),
  errors: z.array(z.object({ row: z.number(), message: z.string() })),
});

export const loadDeviceId = (index: number) => `load-${String(index + 1).padStart(5, "0")}`;

export async function prepareBenchFleet(count: number): Promise<BenchFleet> {
  const templateDir = mkdtempSync(join(tmpdir(), "envmon-bench-template-"));
  const filesDir = mkdtempSync(join(tmpdir(), "envmon-bench-fleet-"));
  const service = await startServiceProcess({ dataDir: templateDir, env: { DEMO: "0", LOG_LEVEL: "error" } });
  const remove = () => {
    rmSync(templateDir, { recursive: true, force: true });
    rmSync(filesDir, { recursive: true, force: true });
  };
  try {
    const loadDeviceIds = Array.from({ length: count }, (_, i) => loadDeviceId(i));
    const secrets = new Map<string, string>();
    const header = "id,name,kind,area,area_name,lat,lon,metrics";
    const importChunk = async (ids: readonly string[], offset: number) => {
      const rows = ids.map(
        (id, i) =>
          `${id},Trạm tải ${id},air,${AREA.code},${AREA.name},${(11 + ((offset + i) % 100) / 200).toFixed(3)},106.1,${LOAD_METRICS.join(";")}`,
      );
      const response = await fetch(`${service.httpUrl}/api/v1/devices/import`, {
        method: "POST",
        headers: { "content-type": "text/csv", ...(await service.authHeaders()) },
        body: [header, ...rows].join("\n"),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`device import refused: ${response.status} ${text}`);
      const report = importReportSchema.parse(JSON.parse(text));
      if (report.errors.length > 0)
        throw new Error(`device import: ${JSON.stringify(report.errors.slice(0, 5))}`);
      for (const { id, secret } of report.created) secrets.set(id, secret);
    };
    // The first chunk alone creates the area; the others then find it.
    const chunks = Array.from({ length: Math.ceil(count / IMPORT_CHUNK) }, (_, k) => k * IMPORT_CHUNK);
    await importChunk(loadDeviceIds.slice(0, IMPORT_CHUNK), 0);
    const rest = chunks.slice(1);
    const worker = async () => {
      for (let offset = rest.shift(); offset !== undefined; offset = rest.shift()) {
        await importChunk(loadDeviceIds.slice(offset, offset + IMPORT_CHUNK), offset);
      }
    };
    await Promise.all(Array.from({ length: IMPORTS_AT_ONCE }, worker));
    const probeSecret = await service.registerDevice({
      id: PROBE_DEVICE,
      name: "Trạm đo độ trễ cảnh báo",
      kind: "water_quality",
      area: AREA.code,
      metrics: ["cod"],
    });
    const credentialsFile = join(filesDir, "bench-devices.json");
    await writeFleetCredentials(
      credentialsFile,
      new Map(loadDeviceIds.map((id) => [id, secrets.get(id) as string])),
      new Date(),
    );
    const code = await service.stop();
    if (code !== 0) throw new Error(`template service exited with ${code}:\n${service.output()}`);
    return {
      templateDir,
      adminPassword: service.adminPassword,
      credentialsFile,
      loadDeviceIds,
      probeSecret,
      remove,
    };
  } catch (error) {
    if (service.child.exitCode === null) await service.stop("SIGKILL");
    remove();
    throw error;
  }
}

/** A fresh DATA_DIR holding the template's devices and admin. */
export function copyOfTemplate(fleet: BenchFleet): string {
  const dataDir = mkdtempSync(join(tmpdir(), "envmon-bench-"));
  cpSync(fleet.templateDir, dataDir, { recursive: true });
  return dataDir;
}
