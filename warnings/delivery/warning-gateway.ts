import type { Logger } from "pino";
import type { Namespace, Server, Socket } from "socket.io";
import { z } from "zod";
import { OPS_NAMESPACE, PUBLIC_NAMESPACE } from "../../kernel/topics.js";
import type { Agency } from "../model/agency.js";
import { communeCodeSchema } from "../model/warning.js";
import { PUBLIC_EVENT_KINDS, type WarningEvent } from "../model/warning-lifecycle.js";
import { publicWarningEventView, warningEventView } from "../model/warning-view.js";
import type { WarningService } from "../warning-service.js";

/**
 * Delivers stored warning events over Socket.IO as `warning` events: every one to operators on
 * /ops, the public ones (published, updated, cancelled, expired) of the communes a resident
 * follows on /public (the same `subscribe` {"areas": [...]} as alerts; the alert gateway answers
 * it). A client names the last warning event id it has in its handshake,
 * `auth.lastWarningEventId`, and gets everything after it that it may see, then live events, with
 * no gap and no repeat: live events that arrive during a replay wait until it ends, and a client
 * never gets an id at or below one it already has.
 */
export interface WarningGateway {
  close(): void;
}

export interface WarningGatewayDeps {
  readonly io: Server;
  readonly warnings: Pick<WarningService, "onEvent" | "eventsAfter" | "latestEventId">;
  readonly agencies: { get(id: number): Promise<Agency | undefined> };
  readonly logger: Pick<Logger, "error">;
}

const REPLAY_BATCH = 500;
const MAX_AREAS = 50;

const lastIdSchema = z.union([
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number),
]);

const subscribeSchema = z.looseObject({ areas: z.array(communeCodeSchema).min(1).max(MAX_AREAS) });

interface Client {
  readonly socket: Socket;
  readonly publicOnly: boolean;
  /** Communes a resident follows; undefined: everything (operators) or nothing yet (residents). */
  communes: ReadonlySet<string> | undefined;
  requested: number | undefined;
  cursor: number | undefined;
  /** Live events held while a replay runs; null when live ones go straight out. */
  held: WarningEvent[] | null;
  generation: number;
  work: Promise<void>;
}

function requestedLastId(socket: Socket): { ok: true; id: number | undefined } | { ok: false } {
  const raw = (socket.handshake.auth as { lastWarningEventId?: unknown } | undefined)?.lastWarningEventId;
  if (raw === undefined || raw === null) return { ok: true, id: undefined };
  const parsed = lastIdSchema.safeParse(raw);
  return parsed.success ? { ok: true, id: parsed.data } : { ok: false };
}

const sees = (client: Client, event: WarningEvent): boolean => {
  if (!client.publicOnly) return true;
  if (!PUBLIC_EVENT_KINDS.has(event.kind) || client.communes === undefined) return false;
  const communes = client.communes;
  return event.warning.communes.some((c) => communes.has(c));
};

export function createWarningGateway(deps: WarningGatewayDeps): WarningGateway {
  const { warnings, agencies, logger } = deps;
  const clients = new Set<Client>();
  // A live event goes to every connected client as the same object: its agency is read once.
  const agencyOfEvent = new WeakMap<WarningEvent, ReturnType<typeof agencies.get>>();
  const agencyOf = (event: WarningEvent) => {
    let agency = agencyOfEvent.get(event);
    if (!agency) {
      agency = agencies.get(event.warning.agencyId);
      agencyOfEvent.set(event, agency);
    }
    return agency;
  };

  async function send(client: Client, event: WarningEvent): Promise<void> {
    if (client.cursor !== undefined && event.id <= client.cursor) return;
    client.cursor = event.id;
    const agency = await agencyOf(event);
    // Residents learn what happened, not who in the agency did it.
    const payload = client.publicOnly
      ? publicWarningEventView(event, agency)
      : warningEventView(event, agency);
    client.socket.emit("warning", payload);
  }

  const current = (client: Client, generation: number) =>
    generation === client.generation && client.socket.connected;

  async function replay(client: Client, generation: number): Promise<void> {
    if (!current(client, generation)) return;
    try {
      if (client.cursor === undefined) {
        const firstHeld = client.held?.[0]?.id;
        const latest = Math.min(await warnings.latestEventId(), (firstHeld ?? Number.POSITIVE_INFINITY) - 1);
        client.cursor = client.requested === undefined ? latest : Math.min(client.requested, latest);
        client.requested = undefined;
      }
      for (;;) {
        if (!current(client, generation)) return;
        if (client.publicOnly && client.communes === undefined) break;
        const filter = client.publicOnly ? { publicOnly: true, communes: [...(client.communes ?? [])] } : {};
        const batch = await warnings.eventsAfter(client.cursor, filter, REPLAY_BATCH);
        for (const event of batch) {
          if (!current(client, generation)) return;
          await send(client, event);
        }
        if (batch.length < REPLAY_BATCH) break;
      }
      const held = client.held ?? [];
      client.held = null;
      for (const event of held) if (sees(client, event)) await send(client, event);
    } catch (err) {
      // Going live now would leave a gap: the client reconnects with its last id and tries again.
      logger.error({ err }, "warning replay failed; disconnecting the client");
      client.socket.disconnect(true);
    }
  }

  function startReplay(client: Client): void {
    client.held ??= [];
    const generation = ++client.generation;
    client.work = client.work.then(() => replay(client, generation));
  }

  function admit(socket: Socket, publicOnly: boolean): Client | undefined {
    const requested = requestedLastId(socket);
    if (!requested.ok) return undefined;
    const client: Client = {
      socket,
      publicOnly,
      communes: undefined,
      requested: requested.id,
      cursor: undefined,
      held: null,
      generation: 0,
      work: Promise.resolve(),
    };
    clients.add(client);
    socket.on("disconnect", () => {
      clients.delete(client);
      client.generation++;
      client.held = null;
    });
    return client;
  }

  const refuseBadLastId = (socket: Socket, next: (error?: Error) => void) => {
    next(requestedLastId(socket).ok ? undefined : new Error("lastWarningEventId must be a whole number ≥ 0"));
  };

  const ops: Namespace = deps.io.of(OPS_NAMESPACE);
  const residents: Namespace = deps.io.of(PUBLIC_NAMESPACE);
  ops.use(refuseBadLastId);
  residents.use(refuseBadLastId);

  const onOperator = (socket: Socket) => {
    const client = admit(socket, false);
    if (client) startReplay(client);
  };
  const onResident = (socket: Socket) => {
    const client = admit(socket, true);
    if (!client) return;
    socket.on("subscribe", (payload: unknown) => {
      // The alert gateway answers the acknowledgement and reports a bad payload.
      const parsed = subscribeSchema.safeParse(payload);
      if (!parsed.success) return;
      client.communes = new Set(parsed.data.areas);
      startReplay(client);
    });
  };
  ops.on("connection", onOperator);
  residents.on("connection", onResident);

  const unsubscribe = warnings.onEvent((event) => {
    for (const client of clients) {
      if (client.held) client.held.push(event);
      else if (sees(client, event)) client.work = client.work.then(() => send(client, event));
    }
  });

  return {
    close() {
      unsubscribe();
      ops.off("connection", onOperator);
      residents.off("connection", onResident);
      for (const client of clients) client.generation++;
      clients.clear();
    },
  };
}
