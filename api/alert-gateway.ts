import type { Logger } from "pino";
import type { Namespace, Server, Socket } from "socket.io";
import { z } from "zod";
import type { AlertEvent } from "../domain/alerts/alert-event.js";
import type { AlertStore, EventFilter } from "../store/alert-store.js";
import { areaCodeSchema } from "./query-schemas.js";

/**
 * Delivers alert transitions over Socket.IO: every one to operators on /ops, public ones to
 * residents on /public for the areas they subscribe to. A client names the last id it saw in
 * its handshake (`auth.lastAlertId`) and gets everything after it before anything live, with
 * no gap and no repeat: live events that arrive during the replay wait in a per-client queue.
 * Socket.IO's own connection-state recovery is not relied on: it forgets quiet clients.
 */
export interface AlertGateway {
  close(): void;
}

export interface AlertGatewayDeps {
  readonly io: Server;
  readonly alerts: AlertStore;
  readonly logger: Logger;
  /** Most transitions replayed to one client; older ones are in GET /api/v1/alerts. */
  readonly replayLimit?: number;
}

const DEFAULT_REPLAY_LIMIT = 1000;
const MAX_AREAS = 50;

const handshakeSchema = z.object({ lastAlertId: z.coerce.number().int().min(0).optional() }).catch({});
const publicSubscribeSchema = z.strictObject({
  areas: z.array(areaCodeSchema, { error: "areas must be a list of area codes" }).min(1).max(MAX_AREAS),
});

interface Subscriber {
  readonly socket: Socket;
  readonly filter: EventFilter;
  /** Live events held while the replay is read; null once live. */
  pending: AlertEvent[] | null;
  lastSent: number;
}

export function createAlertGateway(deps: AlertGatewayDeps): AlertGateway {
  const { alerts, logger } = deps;
  const replayLimit = deps.replayLimit ?? DEFAULT_REPLAY_LIMIT;
  const operators = new Set<Subscriber>();
  const residentsByArea = new Map<string, Set<Subscriber>>();

  const send = (subscriber: Subscriber, event: AlertEvent) => {
    if (event.id <= subscriber.lastSent) return;
    subscriber.lastSent = event.id;
    // Residents see what happened, not which operator did it or what they wrote.
    const payload = subscriber.filter.publicAreas ? { ...event, actor: null, comment: null } : event;
    subscriber.socket.emit("alert", payload);
  };

  const deliver = (subscriber: Subscriber, event: AlertEvent) => {
    if (subscriber.pending) subscriber.pending.push(event);
    else send(subscriber, event);
  };

  async function replay(subscriber: Subscriber) {
    try {
      for (;;) {
        const batch = await alerts.eventsAfter(subscriber.lastSent, subscriber.filter, replayLimit);
        for (const event of batch) send(subscriber, event);
        if (batch.length < replayLimit || !subscriber.socket.connected) break;
      }
    } catch (err) {
      logger.error({ err }, "alert gateway: replay failed");
    }
    const held = subscriber.pending ?? [];
    subscriber.pending = null;
    for (const event of held) send(subscriber, event);
  }

  /** Undefined for a client that has seen nothing yet: it loads current alerts over REST and listens. */
  const lastAlertIdOf = (socket: Socket) => handshakeSchema.parse(socket.handshake.auth ?? {}).lastAlertId;

  const start = (subscriber: Subscriber, lastAlertId: number | undefined) => {
    if (lastAlertId === undefined) subscriber.pending = null;
    else void replay(subscriber);
  };

  const ops: Namespace = deps.io.of("/ops");
  const onOperator = (socket: Socket) => {
    const lastAlertId = lastAlertIdOf(socket);
    const subscriber: Subscriber = { socket, filter: {}, pending: [], lastSent: lastAlertId ?? 0 };
    operators.add(subscriber);
    socket.on("disconnect", () => operators.delete(subscriber));
    start(subscriber, lastAlertId);
  };
  ops.on("connection", onOperator);

  const residents: Namespace = deps.io.of("/public");
  const onResident = (socket: Socket) => {
    let subscriber: Subscriber | undefined;
    const leave = () => {
      if (!subscriber) return;
      for (const area of subscriber.filter.publicAreas ?? []) residentsByArea.get(area)?.delete(subscriber);
    };
    socket.on("subscribe", (payload: unknown, ack?: unknown) => {
      const reply = typeof ack === "function" ? (ack as (answer: unknown) => void) : () => {};
      const parsed = publicSubscribeSchema.safeParse(payload);
      if (!parsed.success) {
        reply({ ok: false, error: parsed.error.issues.map((i) => i.message).join("; ") });
        return;
      }
      // A new subscription replaces the old one; replay continues from what this socket has seen.
      const lastAlertId = subscriber && subscriber.lastSent > 0 ? subscriber.lastSent : lastAlertIdOf(socket);
      leave();
      const areas = [...new Set(parsed.data.areas)];
      subscriber = { socket, filter: { publicAreas: areas }, pending: [], lastSent: lastAlertId ?? 0 };
      for (const area of areas) {
        let set = residentsByArea.get(area);
        if (!set) residentsByArea.set(area, (set = new Set()));
        set.add(subscriber);
      }
      reply({ ok: true });
      start(subscriber, lastAlertId);
    });
    socket.on("disconnect", leave);
  };
  residents.on("connection", onResident);

  const unsubscribe = alerts.onEvent((event) => {
    for (const subscriber of operators) deliver(subscriber, event);
    if (event.audience !== "public" || event.area === null) return;
    for (const subscriber of residentsByArea.get(event.area) ?? []) deliver(subscriber, event);
  });

  return {
    close() {
      unsubscribe();
      ops.off("connection", onOperator);
      residents.off("connection", onResident);
      operators.clear();
      residentsByArea.clear();
    },
  };
}
