import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { deviceSchema, errorResponseSchema } from "../../kernel/api-contract.js";
import { isMetricKey } from "../../kernel/catalogue.js";
import { ServiceError } from "../../kernel/errors.js";
import type { SeriesPoint } from "../../kernel/series.js";
import { type AuditRecorder, actorOf } from "../../platform/http/access.js";
import { areaCodeSchema, deviceIdSchema, isoTime } from "../../platform/http/query-schemas.js";
import { type AdminActor, createDeviceAdministration, type DeviceSecrets } from "../device-administration.js";
import { DEVICE_LIFECYCLES, devicePatchSchema, newDeviceSchema } from "../model/device-admin.js";
import { MAX_CSV_ROWS, REQUIRED_CSV_COLUMNS } from "../model/device-csv.js";
import type { DeviceRecord, DeviceRegistry } from "../store/device-registry.js";

export interface DeviceRoutesOptions {
  readonly registry: DeviceRegistry;
  /** The newest stored value of each series (the readings feature's store), for `lastSeen`. */
  readonly store: {
    latest(filter: { readonly deviceIds: readonly string[] }): Promise<readonly SeriesPoint[]>;
  };
  /** devices/store/device-credentials.ts: secrets are issued here and only their hash is kept. */
  readonly credentials: DeviceSecrets;
  readonly audit: AuditRecorder;
}

const metricCalibrationResponse = z.object({ offset: z.number(), scale: z.number() });

/** The public Device shape plus what administrators manage; never a secret or its hash. */
export const managedDeviceSchema = deviceSchema.extend({
  lifecycle: z.enum(DEVICE_LIFECYCLES).meta({
    description: "maintenance: readings are stored, alerting ignores them; decommissioned: refused",
  }),
  calibration: z
    .record(z.string(), metricCalibrationResponse)
    .nullable()
    .meta({ description: "per metric, applied at ingest: value' = value × scale + offset" }),
});

const issuedSecretSchema = z.object({
  id: z.string(),
  secret: z.string().meta({ description: "shown once; only a slow hash of it is stored" }),
});

const importReportSchema = z.object({
  created: z.array(issuedSecretSchema),
  errors: z.array(
    z.object({
      row: z.number().int().meta({ description: "line of the file the row ends on; the header is line 1" }),
      message: z.string(),
      messageVi: z.string().meta({ description: "the same in Vietnamese" }),
    }),
  ),
});

const idParams = z.object({ id: deviceIdSchema });
const MAX_CSV_BYTES = 4 * 1024 * 1024;

/**
 * The administration's refusals (DeviceRegistryError: not_found, conflict, invalid; DeviceCsvError:
 * invalid) are catalogue errors (kernel/errors.ts): thrown through, the error handler answers them.
 */
export const deviceRoutes: FastifyPluginAsyncZod<DeviceRoutesOptions> = async (app, options) => {
  const { registry, store } = options;
  const administration = createDeviceAdministration(options);
  const actor = (request: { ip: string }): AdminActor => ({ actor: actorOf(request), source: request.ip });

  // Only this plugin reads CSV bodies (Fastify keeps content-type parsers to the plugin's scope).
  app.addContentTypeParser(
    ["text/csv", "application/csv"],
    { parseAs: "string", bodyLimit: MAX_CSV_BYTES },
    (_request, body, done) => done(null, body),
  );

  async function withLastSeen(devices: DeviceRecord[]) {
    const latest = await store.latest({ deviceIds: devices.map((d) => d.id) });
    const newest = new Map<string, number>();
    for (const v of latest) {
      if (isMetricKey(v.metric)) newest.set(v.deviceId, Math.max(newest.get(v.deviceId) ?? 0, v.ts));
    }
    return devices.map((d) => {
      const seen = newest.get(d.id);
      return {
        ...d,
        statusAt: d.statusAt === null ? null : isoTime(d.statusAt),
        lastSeen: seen === undefined ? null : isoTime(seen),
      };
    });
  }

  const present = async (device: DeviceRecord) => (await withLastSeen([device]))[0];

  app.get(
    "/devices",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["devices"],
        summary: "Stations in the registry, including devices that publish without being registered",
        querystring: z.object({ area: areaCodeSchema.optional() }),
        response: { 200: z.object({ devices: z.array(managedDeviceSchema) }) },
      },
    },
    async (request) => ({ devices: await withLastSeen(await registry.list({ area: request.query.area })) }),
  );

  app.get(
    "/devices/:id",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["devices"],
        summary: "One station",
        params: idParams,
        response: { 200: managedDeviceSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const device = await registry.get(request.params.id);
      if (!device) throw new ServiceError("not_found", `no device '${request.params.id}'`);
      return present(device);
    },
  );

  app.post(
    "/devices",
    {
      config: { access: "admin" },
      schema: {
        tags: ["devices"],
        summary: "Register a station; the answer carries its MQTT secret, shown this once",
        body: newDeviceSchema,
        response: { 201: issuedSecretSchema, 400: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const { id, secret } = await administration.create(request.body, actor(request));
      return reply.code(201).send({ id, secret });
    },
  );

  app.post(
    "/devices/import",
    {
      config: { access: "admin" },
      schema: {
        tags: ["devices"],
        summary:
          "Register stations from CSV (Content-Type: text/csv); good rows are registered, bad rows reported",
        description:
          `Header row with ${REQUIRED_CSV_COLUMNS.join(", ")} and optionally area_name, flood_level_i, ` +
          "flood_level_ii, flood_level_iii, calibration. metrics separated by ';'; calibration as " +
          `'metric:offset:scale' entries separated by ';'. At most ${MAX_CSV_ROWS} rows.`,
        consumes: ["text/csv"],
        body: z.string().min(1, "the CSV body is empty"),
        response: { 200: importReportSchema, 400: errorResponseSchema },
      },
    },
    async (request) => administration.importCsv(request.body, actor(request)),
  );

  app.patch(
    "/devices/:id",
    {
      config: { access: "admin" },
      schema: {
        tags: ["devices"],
        summary: "Change a registered station; absent fields stay as they are",
        params: idParams,
        body: devicePatchSchema,
        response: { 200: managedDeviceSchema, 400: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request) => present(await administration.update(request.params.id, request.body, actor(request))),
  );

  app.post(
    "/devices/:id/decommission",
    {
      config: { access: "admin" },
      schema: {
        tags: ["devices"],
        summary: "Decommission a station: its credentials are revoked and the broker refuses it",
        params: idParams,
        response: { 200: managedDeviceSchema, 404: errorResponseSchema },
      },
    },
    async (request) => present(await administration.decommission(request.params.id, actor(request))),
  );

  app.post(
    "/devices/:id/secret",
    {
      config: { access: "admin" },
      schema: {
        tags: ["devices"],
        summary: "Issue a new MQTT secret (the old one stops working); shown this once",
        params: idParams,
        response: { 200: issuedSecretSchema, 404: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request) => administration.rotateSecret(request.params.id, actor(request)),
  );
};
