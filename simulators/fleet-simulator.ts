/** Runs a fleet of simulated devices against an MQTT broker, one connection per device. */
import {
  createPublishCounters,
  type DeviceConnection,
  openDeviceConnection,
  SILENT_LOGGER,
  type SimulatorLogger,
} from "./device-connection.js";
import {
  createDeviceReadingStream,
  type DeviceReadingStream,
  type SimulatedDevice,
} from "./device-stream.js";
import { type FaultRates, resolveFaultRates } from "./sensor-faults.js";

export type { SimulatorLogger } from "./device-connection.js";

export interface FleetSimulatorOptions {
  readonly brokerUrl: string;
  readonly devices: readonly SimulatedDevice[];
  /** Time between two readings of the same device. */
  readonly intervalMs: number;
  readonly seed: number;
  /** `true` = default fault rates, `false` = clean signals, or specific rates. */
  readonly faults: boolean | Partial<FaultRates>;
  readonly logger?: SimulatorLogger;
  /** Clock for reading timestamps (epoch ms); scheduling always follows real time. */
  readonly now?: () => number;
  /** How long start() waits for every device to connect; default 15 s. */
  readonly connectTimeoutMs?: number;
  /**
   * Broker secret of each device by id (username = device id). Absent: devices connect without
   * credentials (a broker that does not authenticate, as in tests); present: every device needs one.
   */
  readonly credentials?: ReadonlyMap<string, string>;
}

export interface FleetSimulatorStats {
  readonly devices: number;
  /** Devices whose MQTT connection is up right now. */
  readonly connected: number;
  /** Reading messages published (a backlog array counts once). */
  readonly published: number;
  /** Reading messages acknowledged by the broker. */
  readonly acked: number;
  /** Failed publishes and client errors. */
  readonly errors: number;
  /** Rejections the service sent back on sensors/<id>/errors. */
  readonly rejected: number;
  readonly backlogUploads: number;
}

export interface FleetSimulator {
  /** Connects every device (each announces "online") and starts publishing. Rejects if the broker is unreachable. */
  start(): Promise<void>;
  /** Announces "offline" for every device and disconnects; safe to call more than once. */
  stop(): Promise<void>;
  stats(): FleetSimulatorStats;
}

interface RunningDevice {
  readonly connection: DeviceConnection;
  readonly stream: DeviceReadingStream;
  timer: NodeJS.Timeout | null;
}

export function createFleetSimulator(options: FleetSimulatorOptions): FleetSimulator {
  if (!(options.intervalMs > 0))
    throw new RangeError(`intervalMs must be positive, got ${options.intervalMs}`);
  const ids = new Set(options.devices.map((device) => device.profile.id));
  if (ids.size !== options.devices.length) throw new Error("device ids must be unique");
  const { credentials } = options;
  const withoutSecret = credentials ? [...ids].filter((id) => !credentials.has(id)) : [];
  if (withoutSecret.length > 0) {
    throw new Error(
      `no broker secret for ${withoutSecret.length} device(s): ${withoutSecret.slice(0, 5).join(", ")}` +
        (withoutSecret.length > 5 ? ", …" : ""),
    );
  }

  const logger = options.logger ?? SILENT_LOGGER;
  const now = options.now ?? Date.now;
  const faults = resolveFaultRates(options.faults);
  const counters = createPublishCounters();
  const running: RunningDevice[] = [];
  let starting: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;

  const emit = (device: RunningDevice) => {
    const emission = device.stream.next(now());
    switch (emission.kind) {
      case "reading":
        device.connection.send(emission.reading);
        if (emission.fault === "out_of_range") {
          logger.debug({ deviceId: device.connection.deviceId }, "sent an out-of-range value on purpose");
        }
        return;
      case "backlog":
        device.connection.send(emission.readings);
        return;
      case "skipped":
        return;
    }
  };

  // Each device keeps its own beat, offset within the interval so the fleet does not publish in bursts.
  const schedule = (device: RunningDevice, firstAt: number) => {
    let beat = 0;
    const tick = () => {
      if (stopping) return;
      emit(device);
      beat += 1;
      const current = performance.now();
      if (firstAt + beat * options.intervalMs < current - options.intervalMs) {
        // The event loop fell behind by more than a beat: skip ahead instead of bursting.
        beat = Math.ceil((current - firstAt) / options.intervalMs);
      }
      device.timer = setTimeout(tick, Math.max(0, firstAt + beat * options.intervalMs - current));
    };
    device.timer = setTimeout(tick, Math.max(0, firstAt - performance.now()));
  };

  const connectAll = async () => {
    for (const device of options.devices) {
      running.push({
        connection: openDeviceConnection({
          brokerUrl: options.brokerUrl,
          deviceId: device.profile.id,
          ...(credentials ? { password: credentials.get(device.profile.id) as string } : {}),
          counters,
          logger,
        }),
        stream: createDeviceReadingStream({ device, seed: options.seed, faults }),
        timer: null,
      });
    }
    const timeoutMs = options.connectTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const failure = (reason: string) =>
      new Error(`could not connect the simulated fleet to ${options.brokerUrl}: ${reason}`);
    const outcome = await Promise.race([
      Promise.all(running.map((device) => device.connection.ready)).then(() => "ready" as const),
      timedOut,
    ])
      .catch((error: Error) => {
        throw failure(error.message);
      })
      .finally(() => clearTimeout(timer));
    if (outcome === "timeout") {
      const missing = running.filter((device) => !device.connection.isConnected());
      const lastError = missing
        .map((device) => device.connection.lastError())
        .find((error) => error !== null);
      throw new Error(
        `could not connect ${missing.length} of ${running.length} devices to ${options.brokerUrl} within ${timeoutMs / 1000} s` +
          (lastError ? ` (last error: ${lastError})` : ""),
      );
    }
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const device of running) {
        if (device.timer) clearTimeout(device.timer);
        device.timer = null;
      }
      await Promise.all(running.map((device) => device.connection.close()));
      logger.info({ ...stats() }, "simulated fleet stopped");
    })();
    return stopping;
  };

  const stats = (): FleetSimulatorStats => ({
    devices: options.devices.length,
    connected: running.filter((device) => device.connection.isConnected()).length,
    published: counters.published,
    acked: counters.acked,
    errors: counters.errors,
    rejected: counters.rejected,
    backlogUploads: counters.backlogUploads,
  });

  const start = (): Promise<void> => {
    starting ??= (async () => {
      if (stopping) throw new Error("the fleet simulator was already stopped");
      try {
        await connectAll();
      } catch (error) {
        const stoppedMeanwhile = stopping !== null;
        await stop();
        if (stoppedMeanwhile) return;
        throw error;
      }
      if (stopping) return;
      const origin = performance.now();
      running.forEach((device, index) => {
        schedule(device, origin + (index * options.intervalMs) / running.length);
      });
      logger.info(
        { devices: running.length, intervalMs: options.intervalMs, broker: options.brokerUrl },
        "simulated fleet publishing",
      );
    })();
    return starting;
  };

  return { start, stop, stats };
}
