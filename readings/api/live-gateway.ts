import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import type { Namespace, Server } from "socket.io";
import { z } from "zod";
import type { DeviceRegistry } from "../../devices/index.js";
import { LIVE_READINGS_EVENT, type LiveAqi } from "../../kernel/api-contract.js";
import type { Reading } from "../../kernel/reading.js";
import { OPS_NAMESPACE } from "../../kernel/topics.js";
import { areaCodeSchema, deviceIdSchema } from "../../platform/http/query-schemas.js";

export interface LiveReadingEvent {
  readonly deviceId: string;
  readonly area: string | null;
  /** Time of the newest value in the event. */
  readonly ts: string;
  readonly values: Record<string, number>;
}

const subscribeSchema = z.strictObject({
  devices: z.array(deviceIdSchema).max(1000).optional(),
  areas: z.array(areaCodeSchema).max(200).optional(),
  all: z.boolean().optional(),
});

const MAX_ROOMS_PER_SOCKET = 2000;
const SWEEP_INTERVAL_MS = 60_000;

const rooms = {
  all: "all",
  device: (id: string) => `device:${id}`,
  area: (code: string) => `area:${code}`,
};

interface PendingEvent {
  values: Map<string, { value: number; ts: number }>;
  timer?: NodeJS.Timeout;
  lastEmit: number;
}

export interface LiveGatewayDeps {
  readonly io: Server;
  readonly registry: DeviceRegistry;
  readonly metricsRegistry: Registry;
  readonly logger: Logger;
  readonly throttleMs: number;
  readonly now: () => number;
}

export interface LiveGateway {
  /** Readings just made durable (the service's fan-out calls it): pushed, throttled per device. */
  acceptStored(readings: readonly Reading[]): void;
  /** Pushes an `aqi` event (an hour's or day's AQI, new or recomputed) to all, device:<station> and area:<area>. */
  emitAqi(event: LiveAqi): void;
  close(): void;
}

/**
 * Pushes stored readings to operators on /ops. Clients choose what they watch by device,
 * area or everything. Per device at most one event per `throttleMs`: the first reading goes
 * out at once, later ones in the window are merged (newest value per metric) into one event
 * at the end of the window, so a chatty device cannot flood screens and nothing is hidden.
 * Events due in the same turn of the event loop (a group commit stores hundreds of devices'
 * readings at once) leave as one frame for the screens that watch everything: thousands of
 * stations cost an operator's screen a few frames per second, not thousands.
 */
export function createLiveGateway(deps: LiveGatewayDeps): LiveGateway {
  const { io, registry, logger, throttleMs, now } = deps;
  const ops: Namespace = io.of(OPS_NAMESPACE);
  const perDevice = new Map<string, PendingEvent>();
  let closed = false;

  new Gauge({
    name: "envmon_socket_clients",
    help: "Socket.IO clients connected to the operations namespace",
    registers: [deps.metricsRegistry],
    collect() {
      this.set(ops.sockets.size);
    },
  });

  ops.on("connection", (socket) => {
    socket.on("subscribe", (...args: unknown[]) => {
      // The acknowledgement callback is always last; a client may send it without a payload.
      const last = args.at(-1);
      const reply = typeof last === "function" ? (last as (answer: object) => void) : () => {};
      const payload = typeof args[0] === "function" ? undefined : args[0];
      const parsed = subscribeSchema.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        reply({
          ok: false,
          error: `${issue?.path.join(".") || "subscribe"}: ${issue?.message ?? "invalid"}`,
        });
        return;
      }
      const { devices = [], areas = [], all = false } = parsed.data;
      const wanted = [...devices.map(rooms.device), ...areas.map(rooms.area), ...(all ? [rooms.all] : [])];
      if (socket.rooms.size + wanted.length > MAX_ROOMS_PER_SOCKET) {
        reply({ ok: false, error: `at most ${MAX_ROOMS_PER_SOCKET} devices and areas per connection` });
        return;
      }
      socket.join(wanted);
      reply({ ok: true });
    });
  });

  async function emit(deviceId: string, pending: PendingEvent): Promise<void> {
    pending.lastEmit = now();
    pending.timer = undefined;
    if (pending.values.size === 0) return;
    const values: Record<string, number> = {};
    let newest = 0;
    for (const [metric, v] of pending.values) {
      values[metric] = v.value;
      newest = Math.max(newest, v.ts);
    }
    pending.values.clear();
    const area = await registry.areaOf(deviceId);
    const event: LiveReadingEvent = { deviceId, area, ts: new Date(newest).toISOString(), values };
    queueFrame(event);
  }

  let frame: LiveReadingEvent[] = [];
  let frameScheduled = false;

  function queueFrame(event: LiveReadingEvent): void {
    frame.push(event);
    if (frameScheduled) return;
    frameScheduled = true;
    setImmediate(flushFrame);
  }

  /**
   * Screens that watch everything (the operators') get the tick's events in one frame; a client
   * that chose devices or areas gets each of its events once. Emitted to rooms, so that with
   * several nodes the Socket.IO adapter carries them to every node's clients.
   */
  function flushFrame(): void {
    const events = frame;
    frame = [];
    frameScheduled = false;
    if (closed || events.length === 0) return;
    ops.to(rooms.all).emit(LIVE_READINGS_EVENT, events);
    for (const event of events) {
      const watchers = [rooms.device(event.deviceId), ...(event.area ? [rooms.area(event.area)] : [])];
      ops.to(watchers).except(rooms.all).emit(LIVE_READINGS_EVENT, [event]);
    }
  }

  const emitSafely = (deviceId: string, pending: PendingEvent) => {
    emit(deviceId, pending).catch((err: unknown) => logger.warn({ err, deviceId }, "could not emit"));
  };

  function onStored(readings: readonly Reading[]): void {
    const touched = new Set<string>();
    for (const r of readings) {
      let pending = perDevice.get(r.deviceId);
      if (!pending) {
        pending = { values: new Map(), lastEmit: 0 };
        perDevice.set(r.deviceId, pending);
      }
      const seen = pending.values.get(r.metric);
      if (!seen || r.ts >= seen.ts) pending.values.set(r.metric, { value: r.value, ts: r.ts });
      touched.add(r.deviceId);
    }
    for (const deviceId of touched) {
      const pending = perDevice.get(deviceId) as PendingEvent;
      if (pending.timer) continue;
      const wait = pending.lastEmit + throttleMs - now();
      if (wait <= 0) emitSafely(deviceId, pending);
      else pending.timer = setTimeout(() => emitSafely(deviceId, pending), wait);
    }
  }

  // Throttle state of devices that went quiet is dropped, so ids that publish once do not pile up.
  const sweep = setInterval(() => {
    const idleBefore = now() - throttleMs;
    for (const [deviceId, pending] of perDevice) {
      if (!pending.timer && pending.values.size === 0 && pending.lastEmit < idleBefore)
        perDevice.delete(deviceId);
    }
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  return {
    acceptStored(readings) {
      if (!closed) onStored(readings);
    },
    emitAqi(event) {
      const targets = [
        rooms.all,
        rooms.device(event.station),
        ...(event.area ? [rooms.area(event.area)] : []),
      ];
      ops.to(targets).emit("aqi", event);
    },
    close() {
      closed = true;
      clearInterval(sweep);
      for (const pending of perDevice.values()) if (pending.timer) clearTimeout(pending.timer);
      perDevice.clear();
    },
  };
}
