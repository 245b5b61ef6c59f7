/**
 * What an administrator does to devices, shared by the HTTP API and the `devices` CLI: register
 * (with a secret shown once), change, decommission, rotate the secret, import a CSV. Every change
 * goes to the audit log with the device before and after; secrets never do.
 */
import type { AuditRecorder } from "../platform/http/access.js";
import type { DeviceCredentials } from "./credentials/device-credentials.js";
import type { DevicePatch, NewDevice } from "./model/device-admin.js";
import { parseDeviceCsv } from "./model/device-csv.js";
import { type DeviceRecord, type DeviceRegistry, DeviceRegistryError } from "./store/device-registry.js";

/** The part of the device credentials store administration uses. */
export type DeviceSecrets = Pick<DeviceCredentials, "issue" | "revoke">;

/** Who acts and from where, for the audit log. */
export interface AdminActor {
  readonly actor: string;
  /** Client address, or e.g. "cli". */
  readonly source: string | null;
}

export interface IssuedSecret {
  readonly id: string;
  readonly secret: string;
}

export interface ImportReport {
  readonly created: IssuedSecret[];
  readonly errors: Array<{ readonly row: number; readonly message: string; readonly messageVi: string }>;
}

export interface DeviceAdministration {
  create(device: NewDevice, by: AdminActor): Promise<IssuedSecret & { readonly device: DeviceRecord }>;
  update(id: string, patch: DevicePatch, by: AdminActor): Promise<DeviceRecord>;
  /** Lifecycle decommissioned and credentials revoked; the broker refuses the device from then on. */
  decommission(id: string, by: AdminActor): Promise<DeviceRecord>;
  rotateSecret(id: string, by: AdminActor): Promise<IssuedSecret>;
  /** Registers every good row; bad rows (and rows whose id is taken) are reported by line. */
  importCsv(text: string, by: AdminActor): Promise<ImportReport>;
}

export function createDeviceAdministration(deps: {
  readonly registry: DeviceRegistry;
  readonly credentials: DeviceSecrets;
  readonly audit: AuditRecorder;
}): DeviceAdministration {
  const { registry, credentials, audit } = deps;
  const target = (id: string) => `device:${id}`;

  async function registered(id: string): Promise<DeviceRecord> {
    const device = await registry.get(id);
    if (!device?.registered) {
      throw new DeviceRegistryError(
        "not_found",
        device ? `device '${id}' publishes but is not registered` : `no device '${id}'`,
      );
    }
    return device;
  }

  async function createOne(device: NewDevice, by: AdminActor, action: string) {
    const record = await registry.create(device, { actor: by.actor });
    const secret = await credentials.issue(record.id);
    registry.announceChange(record.id);
    await audit.record({ ...by, action, target: target(record.id), before: null, after: record });
    return { id: record.id, secret, device: record };
  }

  return {
    create: (device, by) => createOne(device, by, "device.create"),

    async update(id, patch, by) {
      const before = await registered(id);
      const after = await registry.update(id, patch, { actor: by.actor });
      await audit.record({ ...by, action: "device.update", target: target(id), before, after });
      return after;
    },

    async decommission(id, by) {
      const before = await registered(id);
      const after = await registry.setLifecycle(id, "decommissioned");
      await credentials.revoke(id);
      registry.announceChange(id);
      await audit.record({
        ...by,
        action: "device.decommission",
        target: target(id),
        before,
        after: { ...after, credentials: "revoked" },
      });
      return after;
    },

    async rotateSecret(id, by) {
      const device = await registered(id);
      if (device.lifecycle === "decommissioned") {
        throw new DeviceRegistryError(
          "conflict",
          `device '${id}' is decommissioned: set its lifecycle to active or maintenance first`,
        );
      }
      const secret = await credentials.issue(id);
      registry.announceChange(id);
      await audit.record({
        ...by,
        action: "device.rotate-secret",
        target: target(id),
        before: null,
        after: { credentials: "rotated" },
      });
      return { id, secret };
    },

    async importCsv(text, by) {
      const parsed = parseDeviceCsv(text);
      const report: ImportReport = { created: [], errors: [...parsed.errors] };
      for (const { row, device } of parsed.devices) {
        try {
          const { id, secret } = await createOne(device, by, "device.import");
          report.created.push({ id, secret });
        } catch (error) {
          // One row's failure must not lose the secrets already issued to the rows before it.
          const message =
            error instanceof DeviceRegistryError ? error.message : `could not register: ${String(error)}`;
          report.errors.push({ row, message, messageVi: `không đăng ký được trạm: ${message}` });
        }
      }
      report.errors.sort((a, b) => a.row - b.row);
      return report;
    },
  };
}
