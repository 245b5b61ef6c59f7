import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { DeviceRecord } from "../../devices/index.js";
import { errorResponseSchema } from "../../kernel/api-contract.js";
import { ServiceError } from "../../kernel/errors.js";
import { type AuditRecorder, actorOf, auditAction } from "../../platform/http/access.js";
import { deviceIdSchema } from "../../platform/http/query-schemas.js";
import { isPublished } from "../model/publication.js";
import type { OpenDataRepository } from "../store/open-data-repository.js";

export interface PublicationRoutesOptions {
  readonly repository: OpenDataRepository;
  readonly devices: { get(id: string): Promise<DeviceRecord | undefined>; list(): Promise<DeviceRecord[]> };
  readonly audit: AuditRecorder;
  /** Called after a change, so the published catalogue is rebuilt at once. */
  readonly changed: () => void;
}

const stationPublicationSchema = z.object({
  device: z.string(),
  setting: z.enum(["public", "private"]).nullable(),
  published: z.boolean(),
});

/** Per-station publication: operators see it, administrators set it. */
export const publicationRoutes: FastifyPluginAsyncZod<PublicationRoutesOptions> = async (app, options) => {
  app.get(
    "/open-data/stations",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["open-data"],
        summary: "Each station's open-data setting and whether it is published",
        response: { 200: z.object({ stations: z.array(stationPublicationSchema) }) },
      },
    },
    async () => {
      const [devices, settings] = await Promise.all([
        options.devices.list(),
        options.repository.visibilities(),
      ]);
      return {
        stations: devices.map((d) => ({
          device: d.id,
          setting: settings.get(d.id) ?? null,
          published: isPublished(d, settings.get(d.id)) && d.lat !== null && d.lon !== null,
        })),
      };
    },
  );

  app.put(
    "/open-data/stations/:id",
    {
      config: { access: "admin" },
      schema: {
        tags: ["open-data"],
        summary:
          "Sets a station's publication: public (even when unregistered or decommissioned), private (never), or null (the default: registered and not decommissioned)",
        params: z.object({ id: deviceIdSchema }),
        body: z.strictObject({
          setting: z.enum(["public", "private"], { error: "setting: public, private hoặc null" }).nullable(),
        }),
        response: { 200: stationPublicationSchema, 400: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const device = await options.devices.get(id);
      if (!device) throw new ServiceError("not_found", `không có thiết bị ${id} · no device ${id}`);
      const before = (await options.repository.visibilities()).get(id) ?? null;
      const { setting } = request.body;
      await options.repository.setVisibility(id, setting, actorOf(request));
      await auditAction(options.audit, request, {
        action: "open-data.station-publication",
        target: `device:${id}`,
        before: { setting: before },
        after: { setting },
      });
      options.changed();
      return {
        device: id,
        setting,
        published: isPublished(device, setting ?? undefined) && device.lat !== null && device.lon !== null,
      };
    },
  );
};
