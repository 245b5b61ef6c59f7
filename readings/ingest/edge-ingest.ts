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
  // Messages are taken one after another, in arrival order: each waits until the one before it
  // was admitted (its device's registration read) and the pipeline had room for it. One link per
  // message, so thousands of waiting readings cost no more than a queue.
  let admissions: Promise<unknown> = opened;

  function admit(message: DeviceMessage, ack: () => void, fail: (error: unknown) => void): void {
    admissions = admissions.then(() => pipeline.take({ ...message, ack, fail })).catch(() => undefined);
  }

  return {
    readings(message) {
      return new Promise<void>((resolve, reject) => admit(message, resolve, reject));
    },
    status(message) {
      // Statuses are presence, not measurements: nobody waits for them to be stored.
      admit(
        message,
        () => {},
        () => {},
      );
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
