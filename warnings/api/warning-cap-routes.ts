import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { FeedEntry } from "../../alerts/index.js";
import { capDateTime } from "../../alerts/model/index.js";
import type { Clock } from "../../kernel/clock.js";
import { ServiceError } from "../../kernel/errors.js";
import { DAY_MS } from "../../kernel/time.js";
import type { Agency } from "../model/agency.js";
import { HAZARD_INFO } from "../model/hazard.js";
import type { Warning } from "../model/warning.js";
import { buildWarningCap, type CapCommune, type WarningCapMessage } from "../model/warning-cap.js";
import type { WarningService } from "../warning-service.js";

export interface WarningCapDeps {
  readonly warnings: Pick<WarningService, "get" | "list" | "events">;
  readonly agencies: { get(id: number): Promise<Agency | undefined> };
  /** Names and centroids of the communes (the device registry). */
  readonly communes: () => Promise<ReadonlyMap<string, CapCommune>>;
  /** CAP <sender> (config CAP_SENDER). */
  readonly sender: string;
  readonly clock: Clock;
  /** Base of the links (config PUBLIC_BASE_URL); the request's own when absent. */
  readonly publicBaseUrl?: string;
}

const CAP_CONTENT_TYPE = "application/cap+xml; charset=utf-8";
const CACHE_CONTROL = "public, max-age=30";
const FEED_LIMIT = 500;
/** Cancelled warnings stay in the feed this long, so readers see their Cancel. */
const RECENTLY_CANCELLED_MS = DAY_MS;

/** The link of a warning's CAP message: beside the alerts', told apart by its prefix. */
export const warningCapPath = (id: number) => `/cap/alerts/warning-${id}.xml`;

/** Builds the CAP messages of warnings, for the route and the feed. */
export function createWarningCap(deps: WarningCapDeps) {
  /**
   * The communes and agencies a set of messages is built from, each read once (a feed holds up to
   * a thousand warnings of a few agencies).
   */
  function lookups() {
    const agencies = new Map<number, ReturnType<typeof deps.agencies.get>>();
    let communes: ReturnType<typeof deps.communes> | undefined;
    return {
      agency(id: number) {
        let found = agencies.get(id);
        if (!found) {
          found = deps.agencies.get(id);
          agencies.set(id, found);
        }
        return found;
      },
      communes() {
        communes ??= deps.communes();
        return communes;
      },
    };
  }

  async function latest(
    warning: Warning,
    base: string,
    read = lookups(),
  ): Promise<WarningCapMessage | undefined> {
    if (warning.publishedAt === null) return undefined;
    const agency = await read.agency(warning.agencyId);
    const first = warning.communes[0];
    return buildWarningCap({
      sender: deps.sender,
      senderName: agency?.name ?? { vi: deps.sender, en: null },
      events: await deps.warnings.events(warning.id),
      communes: await read.communes(),
      web: `${base}/public.html${first ? `?area=${encodeURIComponent(first)}` : ""}`,
    });
  }

  /** Feed entries: warnings in force, and those cancelled within a day. */
  async function feedEntries(base: string, area: string | undefined): Promise<FeedEntry[]> {
    const now = deps.clock.now();
    const [inForce, cancelled] = await Promise.all([
      deps.warnings.list({ inForceAt: now, commune: area, limit: FEED_LIMIT }),
      deps.warnings.list({ state: "cancelled", commune: area, limit: FEED_LIMIT }),
    ]);
    const recent = cancelled.filter(
      (w) => w.publishedAt !== null && w.endedAt !== null && w.endedAt >= now - RECENTLY_CANCELLED_MS,
    );
    const entries: FeedEntry[] = [];
    const read = lookups();
    for (const warning of [...inForce, ...recent]) {
      const message = await latest(warning, base, read);
      if (!message) continue;
      entries.push({
        sentMs: Date.parse(message.sent),
        entry: {
          id: `urn:envmon-cap:${message.identifier}`,
          title: warning.headline.vi,
          titleLanguage: "vi",
          summary: warning.headline.en ?? HAZARD_INFO[warning.hazard].name.en,
          summaryLanguage: "en",
          published: capDateTime(warning.publishedAt ?? warning.createdAt),
          updated: message.sent,
          link: `${base}${warningCapPath(warning.id)}`,
          categories: HAZARD_INFO[warning.hazard].capCategories,
        },
      });
    }
    return entries.sort((a, b) => b.sentMs - a.sentMs);
  }

  return { latest, feedEntries };
}

export type WarningCap = ReturnType<typeof createWarningCap>;

/** GET /cap/alerts/warning-:id.xml: the latest CAP 1.2 message of a published warning (public). */
export const warningCapRoutes: FastifyPluginAsyncZod<{
  readonly cap: WarningCap;
  readonly warnings: Pick<WarningService, "get">;
  readonly publicBaseUrl?: string;
}> = async (app, { cap, warnings, publicBaseUrl }) => {
  app.get(
    "/cap/alerts/warning-:id.xml",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "The latest CAP 1.2 message of an agency's warning (Alert, Update or Cancel)",
        params: z.object({ id: z.coerce.number().int().positive() }),
      },
    },
    async (request, reply) => {
      const base = (publicBaseUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, "");
      const warning = await warnings.get(request.params.id);
      const message = warning ? await cap.latest(warning, base) : undefined;
      if (!message) throw new ServiceError("not_found", `no published warning ${request.params.id}`);
      return reply.type(CAP_CONTENT_TYPE).header("cache-control", CACHE_CONTROL).send(message.xml);
    },
  );
};
