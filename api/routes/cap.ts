import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { capMessages, capTime, renderCapMessage } from "../../domain/alerts/cap.js";
import type { Clock } from "../../domain/clock.js";
import type { AlertDetail, AlertStore } from "../../store/alert-store.js";
import type { DeviceRegistry } from "../../store/device-registry.js";

export interface CapRoutesOptions {
  readonly alerts: AlertStore;
  readonly registry: DeviceRegistry;
  /** CAP <sender>. */
  readonly sender: string;
  readonly clock: Clock;
  /** Base of the links in the feed; the request's own host when absent. */
  readonly publicBaseUrl?: string;
}

/** Cleared alerts stay in the feed this long, so readers see their Cancel. */
const RECENTLY_CLEARED_MS = 24 * 3_600_000;

const escapeXml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c,
  );

/** Public alerts in the Common Alerting Protocol: an Atom feed and one CAP 1.2 message per alert. */
export const capRoutes: FastifyPluginAsyncZod<CapRoutesOptions> = async (app, options) => {
  const { alerts, registry, sender } = options;
  const baseOf = (request: { protocol: string; host: string }) =>
    (options.publicBaseUrl ?? `${request.protocol}://${request.host}`).replace(/\/$/, "");

  async function latestMessage(alert: AlertDetail, base: string): Promise<string | undefined> {
    const messages = capMessages(alert.transitions);
    const last = messages.at(-1);
    if (!last) return undefined;
    const device = await registry.get(alert.deviceId);
    return renderCapMessage(last, messages.slice(0, -1), {
      sender,
      station: {
        name: device?.name ?? alert.deviceId,
        areaName: device?.areaName ?? null,
        lat: device?.lat ?? null,
        lon: device?.lon ?? null,
      },
      web: `${base}/public.html${alert.area ? `?area=${encodeURIComponent(alert.area)}` : ""}`,
    });
  }

  app.get(
    "/cap/alerts/:id.xml",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "The latest CAP 1.2 message of a public alert",
        params: z.object({ id: z.coerce.number().int().positive() }),
      },
    },
    async (request, reply) => {
      const alert = await alerts.get(request.params.id);
      const xml =
        alert && alert.audience === "public" ? await latestMessage(alert, baseOf(request)) : undefined;
      if (!xml)
        return reply.code(404).send({ error: "not_found", message: `no public alert ${request.params.id}` });
      return reply.type("application/cap+xml; charset=utf-8").send(xml);
    },
  );

  app.get(
    "/cap/alerts.atom",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "Atom feed of current public alerts, each linking to its CAP message",
      },
    },
    async (request, reply) => {
      const base = baseOf(request);
      const since = options.clock.now() - RECENTLY_CLEARED_MS;
      const listed = await alerts.list({ state: "all", audience: "public", limit: 500 });
      const current = listed.filter((a) => a.state === "active" || Date.parse(a.clearedAt ?? "") >= since);
      const entries: string[] = [];
      let updated = 0;
      for (const summary of current) {
        const alert = await alerts.get(summary.id);
        const last = alert && capMessages(alert.transitions).at(-1);
        if (!alert || !last) continue;
        updated = Math.max(updated, Date.parse(last.at));
        const link = `${base}/cap/alerts/${alert.id}.xml`;
        entries.push(
          [
            "  <entry>",
            `    <id>${escapeXml(link)}#${last.id}</id>`,
            `    <title xml:lang="vi">${escapeXml(last.message.vi)}</title>`,
            `    <summary xml:lang="en">${escapeXml(last.message.en)}</summary>`,
            `    <updated>${capTime(last.at)}</updated>`,
            `    <link rel="alternate" type="application/cap+xml" href="${escapeXml(link)}"/>`,
            "  </entry>",
          ].join("\n"),
        );
      }
      const feed = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        `  <id>${escapeXml(`${base}/cap/alerts.atom`)}</id>`,
        "  <title>Cảnh báo môi trường công khai / Public environmental alerts</title>",
        `  <updated>${capTime(new Date(updated || options.clock.now()).toISOString())}</updated>`,
        `  <author><name>${escapeXml(sender)}</name></author>`,
        `  <link rel="self" type="application/atom+xml" href="${escapeXml(`${base}/cap/alerts.atom`)}"/>`,
        ...entries,
        "</feed>",
        "",
      ].join("\n");
      return reply.type("application/atom+xml; charset=utf-8").send(feed);
    },
  );
};
