/**
 * Publish → stored latency by polling a store for a few sampled devices' newest readings: a
 * reading first seen by a poll became visible between the start of the previous poll (or its own
 * `ts`, if later) and the end of this one; its latency is the middle of that bracket minus `ts`
 * (the load generator stamps the publish time). Resolution: half the bracket, reported.
 */
import { percentile } from "./latency-probe.js";
import { sleep } from "./load-run.js";

/** Readings of the sampled devices with `ts` after `afterTs`, as the store shows them now. */
export type VisibleReadings = (afterTs: number) => Promise<ReadonlyArray<{ device: string; ts: number }>>;

/** A reading may become visible after a later one (batches, replays): look back this far each poll. */
const LOOK_BACK_MS = 5000;

export interface StoredLatencyProbe {
  /** Latencies of readings that became visible at or after `since` (epoch ms), in ms. */
  latenciesMs(since?: number): number[];
  /** Median half-width of the visibility brackets, ms. */
  resolutionMs(): number | null;
  /** Polls that failed (the store was busy or down), with the first error. */
  failures(): { count: number; first?: string };
  stop(): Promise<void>;
}

export function startStoredLatencyProbe(
  visible: VisibleReadings,
  options: { readonly intervalMs: number; readonly startTs: number },
): StoredLatencyProbe {
  const seen = new Set<string>();
  const samples: Array<{ visibleAt: number; latencyMs: number; halfWidthMs: number }> = [];
  const failed = { count: 0, first: undefined as string | undefined };
  let newestTs = options.startTs;
  let stopped = false;
  const loop = (async () => {
    let previousStart: number | undefined;
    while (!stopped) {
      const start = Date.now();
      try {
        const readings = await visible(Math.max(options.startTs, newestTs - LOOK_BACK_MS));
        const end = Date.now();
        for (const { device, ts } of readings) {
          const key = `${device}\u0000${ts}`;
          if (seen.has(key)) continue;
          seen.add(key);
          newestTs = Math.max(newestTs, ts);
          // The first poll has no "not yet visible" moment: its readings only bound from above.
          if (previousStart === undefined) continue;
          const from = Math.max(previousStart, ts);
          samples.push({
            visibleAt: (from + end) / 2,
            latencyMs: (from + end) / 2 - ts,
            halfWidthMs: (end - from) / 2,
          });
        }
        previousStart = start;
      } catch (error) {
        failed.count++;
        failed.first ??= error instanceof Error ? error.message : String(error);
      }
      await sleep(options.intervalMs - (Date.now() - start));
    }
  })();
  return {
    latenciesMs: (since = 0) =>
      samples.filter((s) => s.visibleAt >= since).map((s) => Math.round(s.latencyMs)),
    resolutionMs: () =>
      percentile(
        samples.map((s) => Math.round(s.halfWidthMs)),
        50,
      ),
    failures: () => ({ ...failed }),
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
