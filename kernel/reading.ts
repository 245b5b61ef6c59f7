import type { MetricKey } from "./catalogue.js";

/** One stored measurement. `ts` is epoch milliseconds, UTC. */
export interface Reading {
  readonly deviceId: string;
  readonly metric: MetricKey;
  readonly ts: number;
  readonly value: number;
}
