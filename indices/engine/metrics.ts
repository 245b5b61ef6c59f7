import { Counter, Histogram, type Registry } from "prom-client";

/** What one pass of the index engine computed. */
export interface PassSummary {
  stations: number;
  hourlyMeans: number;
  hourlyAqi: number;
  dailyAqi: number;
  hourlyWqi: number;
  failedStations: number;
}

export type IndexEngineMetrics = ReturnType<typeof createIndexEngineMetrics>;

export function createIndexEngineMetrics(registry: Registry) {
  const computed = new Counter({
    name: "envmon_index_values_computed_total",
    help: "Hourly means and indices the index engine stored, by kind",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const failedStations = new Counter({
    name: "envmon_index_failed_stations_total",
    help: "Stations whose computation failed in a pass (retried in the next pass)",
    registers: [registry],
  });
  const passSeconds = new Histogram({
    name: "envmon_index_pass_seconds",
    help: "Duration of one index engine pass that had work",
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
    registers: [registry],
  });
  return {
    recordPass(summary: PassSummary, seconds: number): void {
      if (summary.stations === 0) return;
      computed.inc({ kind: "hourly_mean" }, summary.hourlyMeans);
      computed.inc({ kind: "hourly_aqi" }, summary.hourlyAqi);
      computed.inc({ kind: "daily_aqi" }, summary.dailyAqi);
      computed.inc({ kind: "hourly_wqi" }, summary.hourlyWqi);
      failedStations.inc(summary.failedStations);
      passSeconds.observe(seconds);
    },
  };
}
