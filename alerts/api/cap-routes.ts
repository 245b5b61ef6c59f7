import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Clock } from "../../kernel/clock.js";
import { ServiceError } from "../../kernel/errors.js";
import { DAY_MS } from "../../kernel/time.js";
import { areaCodeSchema } from "../../platform/http/query-schemas.js";
import { type AtomEntry, buildAtomFeed } from "../delivery/cap/atom-feed.js";
import {
  buildCapMessage,
  type CapMessage,
  type CapStation,
  type CapTransition,
  capDateTime,
  capToken,
  DEFAULT_SENDER_NAME,
} from "../model/cap.js";
import type { Audience } from "../model/rule.js";

/** What the CAP routes read of an alert (the alert store's AlertDetail has it). */
export interface CapAlertRecord {
  readonly id: number;
  readonly audience: Audience;
  readonly deviceId: string;
  readonly metric: string;
  readonly area: string | null;
  readonly state: "active" | "cleared";
  readonly clearedAt: string | null;
  readonly transitions: readonly CapTransition[];
}

/** The alert store's queries the feed needs: `list` and `get` as AlertStore spells them. */
export interface PublicAlertQuery {
  list(filter: {
    readonly state: "active" | "all";
    readonly audience: "public";
    readonly area?: string;
    readonly limit: number;
  }): Promise<readonly { readonly id: number; readonly state: string; readonly clearedAt: string | null }[]>;
  get(id: number): Promise<CapAlertRecord | undefined>;
}

/** Station names and positions (the device registry). */
export interface CapStationLookup {
  get(id: string): Promise<
    | {
        readonly name: string;
        readonly lat: number | null;
        readonly lon: number | null;
        readonly area: string | null;
        readonly areaName: string | null;
      }
    | undefined
  >;
}

export interface CapRoutesOptions {
  readonly alerts: PublicAlertQuery;
  readonly registry: CapStationLookup;
  /** CAP <sender> (config CAP_SENDER). */
  readonly sender: string;
  readonly clock: Clock;
  /** Base of the links (config PUBLIC_BASE_URL); the request's own scheme and host when absent. */
  readonly publicBaseUrl?: string;
  /** Cleared alerts stay in the feed this long so that readers see their Cancel; 24 h by default. */
  readonly recentlyClearedMs?: number;
  /**
   * Other public CAP messages the feed lists before the alerts' (the agencies' warnings), for
   * the links' base and the area asked, each with its `sent` in epoch ms.
   */
  readonly moreEntries?: (base: string, area: string | undefined) => Promise<readonly FeedEntry[]>;
}

/** An entry of the feed with the time its message was sent (the feed is newest first). */
export interface FeedEntry {
  readonly entry: AtomEntry;
  readonly sentMs: number;
}

const DEFAULT_RECENTLY_CLEARED_MS = DAY_MS;
const FEED_LIMIT = 500;
const CAP_CONTENT_TYPE = "application/cap+xml; charset=utf-8";
const ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8";
// Readers poll; a short shared cache keeps a burst of them off the database.
const CACHE_CONTROL = "public, max-age=30";

const FEED_TITLE = "Cảnh báo môi trường công khai / Public environmental alerts";

/**
 * Public alerts in the Common Alerting Protocol (OASIS CAP 1.2), outside /api/v1 and open to
 * everyone: GET /cap/alerts.atom lists the current public alerts (active ones, and those cleared
 * within a day, whose latest message is a Cancel), each linking to GET /cap/alerts/:id.xml, the
 * alert's latest CAP message. Operators-only alerts do not exist here (404).
 */
export const capRoutes: FastifyPluginAsyncZod<CapRoutesOptions> = async (app, options) => {
  const { alerts, registry, sender, clock } = options;
  const recentlyClearedMs = options.recentlyClearedMs ?? DEFAULT_RECENTLY_CLEARED_MS;
  const baseOf = (request: { protocol: string; host: string }) =>
    (options.publicBaseUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, "");

  async function stationOf(alert: CapAlertRecord): Promise<CapStation> {
    const device = await registry.get(alert.deviceId);
    const area = alert.area ?? device?.area ?? null;
    return {
      id: alert.deviceId,
      name: device?.name ?? null,
      lat: device?.lat ?? null,
      lon: device?.lon ?? null,
      area,
      // The registry's name only if the station is still where the alert was raised.
      areaName: device && device.area === area ? device.areaName : null,
    };
  }

  async function latestMessage(alert: CapAlertRecord, base: string): Promise<CapMessage | undefined> {
    if (alert.audience !== "public") return undefined;
    const web = `${base}/public.html${alert.area ? `?area=${encodeURIComponent(alert.area)}` : ""}`;
    return buildCapMessage({
      sender,
      alertId: alert.id,
      subject: alert.metric,
      transitions: alert.transitions,
      station: await stationOf(alert),
      web,
    });
  }

  app.get(
    "/cap/alerts/:id.xml",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "The latest CAP 1.2 message of a public alert (Alert, Update or Cancel)",
        params: z.object({ id: z.coerce.number().int().positive() }),
      },
    },
    async (request, reply) => {
      const alert = await alerts.get(request.params.id);
      const message = alert ? await latestMessage(alert, baseOf(request)) : undefined;
      if (!message) throw new ServiceError("not_found", `no public alert ${request.params.id}`);
      return reply.type(CAP_CONTENT_TYPE).header("cache-control", CACHE_CONTROL).send(message.xml);
    },
  );

  app.get(
    "/cap/alerts.atom",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "Atom feed of current public alerts, each entry linking to its latest CAP message",
        querystring: z.object({ area: areaCodeSchema.optional() }),
      },
    },
    async (request, reply) => {
      const base = baseOf(request);
      const { area } = request.query;
      const clearedSince = clock.now() - recentlyClearedMs;
      const [active, recent] = await Promise.all([
        alerts.list({ state: "active", audience: "public", area, limit: FEED_LIMIT }),
        alerts.list({ state: "all", audience: "public", area, limit: FEED_LIMIT }),
      ]);
      const ids = new Set(active.map((a) => a.id));
      for (const alert of recent) {
        if (
          alert.state !== "active" &&
          alert.clearedAt !== null &&
          Date.parse(alert.clearedAt) >= clearedSince
        )
          ids.add(alert.id);
      }

      const entries: FeedEntry[] = [...((await options.moreEntries?.(base, area)) ?? [])];
      for (const id of [...ids].sort((a, b) => b - a)) {
        const alert = await alerts.get(id);
        const message = alert ? await latestMessage(alert, base) : undefined;
        if (!alert || !message) continue;
        const opened = alert.transitions.reduce((first, t) => (t.id < first.id ? t : first));
        entries.push({
          sentMs: Date.parse(message.sent),
          entry: {
            id: `urn:envmon-cap:${message.identifier}`,
            title: message.headline.vi,
            titleLanguage: "vi",
            summary: message.headline.en,
            summaryLanguage: "en",
            published: capDateTime(opened.at),
            updated: message.sent,
            link: `${base}/cap/alerts/${alert.id}.xml`,
            categories: message.categories,
          },
        });
      }
      const newest = Math.max(0, ...entries.map((e) => e.sentMs));
      const query = area === undefined ? "" : `?area=${encodeURIComponent(area)}`;
      const feed = buildAtomFeed({
        id: `urn:envmon-cap:${capToken(sender)}:alerts${area === undefined ? "" : `:${encodeURIComponent(area)}`}`,
        title: FEED_TITLE,
        updated: capDateTime(newest || clock.now()),
        author: DEFAULT_SENDER_NAME.vi,
        selfLink: `${base}/cap/alerts.atom${query}`,
        alternateLink: `${base}/public.html${query}`,
        entries: entries.map((e) => e.entry),
      });
      return reply.type(ATOM_CONTENT_TYPE).header("cache-control", CACHE_CONTROL).send(feed);
    },
  );
};
