import {
  createIngestPipeline,
  type IngestPipelineDeps,
  type IngestPipelineOptions,
} from "./ingest-pipeline.js";
import { STALLED_AFTER_MS } from "./ingest-worker.js";

/**
 * The ingest at the embedded broker's edge (broker and ingest in one process, the default): a
 * device's reading is stored before the broker acknowledges it, so a PUBACK means durable even if
 * the process is killed the next moment. Overall, no more than `maxPending` messages wait for
 * storage: beyond that, every connection's next reading waits for room (and, since Aedes stops
 * reading a connection while its readings wait, devices are slowed down, not buffered).
 */
/** A device's message as the broker hands it over. */
export interface DeviceMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: boolean;
}

/** Fits the broker's DeviceIntake hook (broker/device-intake.ts), which the service wires it into. */
export interface EdgeIngest {
  /** A reading: resolves once it is stored (the broker then acknowledges it). */
  readings(message: DeviceMessage): Promise<void>;
  /** A status the broker routed. */
  status(message: DeviceMessage): void;
  /**
   * Opens the intake: until then devices' readings wait (unacknowledged), so that everything that
   * listens to stored readings is subscribed before the first one is stored.
   */
  start(): Promise<void>;
  isReady(): boolean;
  /** Resolves once everything taken in is durable and acknowledged. */
  stop(): Promise<void>;
}

export function createEdgeIngest(options: IngestPipelineOptions, deps: IngestPipelineDeps): EdgeIngest {
  const pipeline = createIngestPipeline(options, deps);
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let started = false;
  // Set while the pipeline is full; every new reading waits for it.
  let room: Promise<void> | undefined;
  const noteRoom = (wait: Promise<void> | undefined) => {
    if (!wait || room) return;
    room = wait.then(() => {
      room = undefined;
    });
  };

  return {
    async readings(message) {
      if (!started) await opened;
      while (room) await room;
      await new Promise<void>((resolve, reject) => {
        noteRoom(pipeline.take({ ...message, ack: resolve, fail: reject }));
      });
    },
    status(message) {
      // Statuses are presence, not measurements: nobody waits for them.
      const take = () => noteRoom(pipeline.take({ ...message, ack: () => {} }));
      if (started) take();
      else void opened.then(take);
    },
    async start() {
      started = true;
      open();
    },
    isReady: () => started && pipeline.stalledForMs() < STALLED_AFTER_MS,
    async stop() {
      await pipeline.drain();
      pipeline.stop();
    },
  };
}
