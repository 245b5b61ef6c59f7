import type { Logger } from "pino";
import type { Namespace, Server, Socket } from "socket.io";
import { z } from "zod";
import type { AlertEventPayload } from "../../kernel/api-contract.js";
import { OPS_NAMESPACE, PUBLIC_NAMESPACE } from "../../kernel/topics.js";
import { areaCodeSchema } from "../../platform/http/query-schemas.js";
import type { AlertService } from "../alert-service.js";
import {
  type AlertTransition,
  publicTransitionFilter,
  type TransitionFilter,
  transitionMatches,
} from "../model/alert-lifecycle.js";

/**
 * Delivers stored alert transitions over Socket.IO as `alert` events: every one to operators on
 * /ops, the public ones of the areas a resident subscribed to on /public (reminders stay with the
 * operators). A client names the last id it has in its handshake, `auth.lastAlertId`; it gets
 * every transition after that it may see (on /public: once it has subscribed), then live ones,
 * with no gap and no repeat: live transitions that arrive while the replay is read are held and
 * sent after it. Socket.IO's connection-state recovery is not relied on (it forgets quiet clients
 * and does not replay acknowledged emits). Authentication of /ops is another middleware's job;
 * this works with or without it.
 */
export interface AlertGateway {
  close(): void;
}

export interface AlertGatewayDeps {
  readonly io: Server;
  readonly alerts: Pick<AlertService, "onTransition" | "transitionsAfter" | "latestTransitionId">;
  readonly logger: Pick<Logger, "warn" | "error">;
  /** Transitions read per replay query; a long absence is replayed in several. */
  readonly replayBatch?: number;
  /**
   * Transitions other nodes stored (REDIS_URL): delivered like this node's own. Two nodes may
   * commit in an order other than their ids', so a client is sent any id it has not had yet
   * rather than only ids above the newest it has.
   */
  readonly remoteTransitions?: (listener: (t: AlertTransition) => void) => () => void;
}

/** Ids remembered per client to drop repeats; older ones are below its cursor's replay anyway. */
const SENT_IDS_KEPT = 1000;

const DEFAULT_REPLAY_BATCH = 500;
const MAX_AREAS = 50;

const lastAlertIdSchema = z.union([
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number),
]);

const publicSubscribeSchema = z.strictObject({
  areas: z
    .array(areaCodeSchema, { error: "areas must be a list of commune or ward codes" })
    .min(1, "areas must name at least one commune or ward")
    .max(MAX_AREAS, `at most ${MAX_AREAS} areas`),
});

type Ack = (answer: { ok: true } | { ok: false; error: string }) => void;

interface Client {
  readonly socket: Socket;
  readonly publicOnly: boolean;
  /** What it may see; undefined sees nothing (a resident that has not subscribed yet). */
  filter: TransitionFilter | undefined;
  /** The id the handshake named, until the first replay has used it. */
  requested: number | undefined;
  /** The newest id this client has (sent, or known when it started); undefined before the first replay. */
  cursor: number | undefined;
  /** Where this client started: ids up to it are old news. */
  floor: number | undefined;
  /** Ids recently sent (insertion order), so a late lower id is sent once and a repeat never. */
  readonly sent: Set<number>;
  /** Live transitions held while a replay runs; null when live ones go straight out. */
  held: AlertTransition[] | null;
  /** Bumped by every new replay and by disconnection: an older replay stops. */
  generation: number;
  work: Promise<void>;
}

/** The handshake's lastAlertId: absent, or a whole number (a numeric string is taken too). */
function requestedLastId(socket: Socket): { ok: true; id: number | undefined } | { ok: false } {
  const raw = (socket.handshake.auth as { lastAlertId?: unknown } | undefined)?.lastAlertId;
  if (raw === undefined || raw === null) return { ok: true, id: undefined };
  const parsed = lastAlertIdSchema.safeParse(raw);
  return parsed.success ? { ok: true, id: parsed.data } : { ok: false };
}

function payloadFor(client: Client, t: AlertTransition): AlertEventPayload {
  // Residents learn what happened, not which operator acted or what they wrote.
  return client.publicOnly ? { ...t, actor: null, comment: null } : { ...t };
}

export function createAlertGateway(deps: AlertGatewayDeps): AlertGateway {
  const { alerts, logger } = deps;
  const replayBatch = deps.replayBatch ?? DEFAULT_REPLAY_BATCH;
  const clients = new Set<Client>();

  const send = (client: Client, t: AlertTransition) => {
    if (client.floor !== undefined && t.id <= client.floor) return;
    if (client.sent.has(t.id)) return;
    client.sent.add(t.id);
    if (client.sent.size > SENT_IDS_KEPT) client.sent.delete(client.sent.values().next().value as number);
    client.cursor = Math.max(client.cursor ?? t.id, t.id);
    client.socket.emit("alert", payloadFor(client, t));
  };

  const current = (client: Client, generation: number) =>
    generation === client.generation && client.socket.connected;

  async function replay(client: Client, generation: number): Promise<void> {
    if (!current(client, generation)) return;
    try {
      if (client.cursor === undefined) {
        // A client naming an id beyond the newest (a database started afresh) starts from the newest.
        // A transition held since the client arrived came after its start, even when the newest id
        // is read later: begin before the first held one so it is not mistaken for old news.
        const firstHeld = client.held?.[0]?.id;
        const latest = Math.min(
          await alerts.latestTransitionId(),
          (firstHeld ?? Number.POSITIVE_INFINITY) - 1,
        );
        client.cursor = client.requested === undefined ? latest : Math.min(client.requested, latest);
        client.floor = client.cursor;
        client.requested = undefined;
      }
      for (;;) {
        if (!current(client, generation) || client.filter === undefined) return;
        const batch = await alerts.transitionsAfter(client.cursor, client.filter, replayBatch);
        if (!current(client, generation)) return;
        for (const t of batch) send(client, t);
        if (batch.length < replayBatch) break;
      }
    } catch (err) {
      // Going live now would leave a gap; the client reconnects with its lastAlertId and tries again.
      logger.error({ err }, "replay failed; disconnecting the client");
      client.socket.disconnect(true);
      return;
    }
    const held = client.held ?? [];
    client.held = null;
    for (const t of held) if (client.filter && transitionMatches(client.filter, t)) send(client, t);
  }

  /** Replays what the client may see after its cursor, holding live transitions meanwhile. */
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
      filter: publicOnly ? undefined : {},
      requested: requested.id,
      cursor: undefined,
      floor: undefined,
      sent: new Set(),
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
    next(requestedLastId(socket).ok ? undefined : new Error("lastAlertId must be a whole number ≥ 0"));
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
    socket.on("subscribe", (...args: unknown[]) => {
      const last = args.at(-1);
      const reply: Ack = typeof last === "function" ? (last as Ack) : () => {};
      const payload = typeof args[0] === "function" ? undefined : args[0];
      const parsed = publicSubscribeSchema.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.join(".") || "subscribe";
        reply({ ok: false, error: `${where}: ${issue?.message ?? "expected { areas: [...] }"}` });
        return;
      }
      // A new subscription replaces the previous one; the replay continues from what this client has.
      client.filter = publicTransitionFilter([...new Set(parsed.data.areas)]);
      reply({ ok: true });
      startReplay(client);
    });
  };

  ops.on("connection", onOperator);
  residents.on("connection", onResident);

  const deliver = (t: AlertTransition) => {
    for (const client of clients) {
      if (client.held) client.held.push(t);
      else if (client.filter && transitionMatches(client.filter, t)) send(client, t);
    }
  };
  const unsubscribeLocal = alerts.onTransition(deliver);
  const unsubscribeRemote = deps.remoteTransitions?.(deliver);

  return {
    close() {
      unsubscribeLocal();
      unsubscribeRemote?.();
      ops.off("connection", onOperator);
      residents.off("connection", onResident);
      for (const client of clients) client.generation++;
      clients.clear();
    },
  };
}
