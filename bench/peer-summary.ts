/**
 * The peers suite's comparison: for each offered rate, each variant of the project against its
 * peers, as ratios project ÷ peer (throughput above 1 is better for the project; latency and
 * memory below 1 are). Pure, unit-tested in peer-summary.test.ts.
 */

export const SYSTEMS = ["mosquitto", "telegraf", "sqlite", "influxdb"] as const;
export type SystemKey = (typeof SYSTEMS)[number];

/** What each system key stands for in the results. */
export const SYSTEM_NAMES: Readonly<Record<SystemKey, string>> = {
  mosquitto: "mosquitto (broker alone, no storage)",
  telegraf: "mosquitto + telegraf → influxdb",
  sqlite: "project (sqlite)",
  influxdb: "project (influxdb)",
};

/** The figures of one throughput run that the comparison uses. */
export interface RunFigures {
  readonly system: SystemKey;
  readonly offeredRate: number;
  /** Readings the broker acknowledged per second (the generator's view). */
  readonly ackedReadingsPerS: number;
  /** Readings per second that became durable in the store (null: no store). */
  readonly sustainedStoredReadingsPerS: number | null;
  readonly storedP50Ms: number | null;
  readonly storedP99Ms: number | null;
  /** Peak RSS of the system's own processes (broker + consumer, or the service), MB; not InfluxDB's. */
  readonly peakRssMB: number;
  readonly lostReadings: number | null;
}

export interface Comparison {
  readonly offeredRate: number;
  readonly project: SystemKey;
  readonly peer: SystemKey;
  /** Each figure's ratio project ÷ peer; null when either side has none (or the peer's is 0). */
  readonly ratios: Record<string, number | null>;
}

export function ratio(project: number | null | undefined, peer: number | null | undefined): number | null {
  if (project === null || project === undefined || peer === null || peer === undefined || peer === 0) {
    return null;
  }
  return Math.round((project / peer) * 100) / 100;
}

/**
 * Each project run against the peer runs at the same offered rate: against Mosquitto + Telegraf on
 * everything, against Mosquitto alone on what a broker without storage can show (acknowledged
 * rate and memory).
 */
export function compareRuns(runs: readonly RunFigures[]): Comparison[] {
  const comparisons: Comparison[] = [];
  const rates = [...new Set(runs.map((r) => r.offeredRate))];
  for (const offeredRate of rates) {
    const at = (system: SystemKey) => runs.find((r) => r.offeredRate === offeredRate && r.system === system);
    for (const projectKey of ["sqlite", "influxdb"] as const) {
      const project = at(projectKey);
      if (!project) continue;
      const telegraf = at("telegraf");
      if (telegraf) {
        comparisons.push({
          offeredRate,
          project: projectKey,
          peer: "telegraf",
          ratios: {
            ackedReadingsPerS: ratio(project.ackedReadingsPerS, telegraf.ackedReadingsPerS),
            sustainedStoredReadingsPerS: ratio(
              project.sustainedStoredReadingsPerS,
              telegraf.sustainedStoredReadingsPerS,
            ),
            storedP50Ms: ratio(project.storedP50Ms, telegraf.storedP50Ms),
            storedP99Ms: ratio(project.storedP99Ms, telegraf.storedP99Ms),
            peakRssMB: ratio(project.peakRssMB, telegraf.peakRssMB),
          },
        });
      }
      const mosquitto = at("mosquitto");
      if (mosquitto) {
        comparisons.push({
          offeredRate,
          project: projectKey,
          peer: "mosquitto",
          ratios: {
            ackedReadingsPerS: ratio(project.ackedReadingsPerS, mosquitto.ackedReadingsPerS),
            peakRssMB: ratio(project.peakRssMB, mosquitto.peakRssMB),
          },
        });
      }
    }
  }
  return comparisons;
}

const cell = (value: number | null | undefined, unit = "") =>
  value === null || value === undefined ? "–" : `${value}${unit}`;

/** One line per run, for the bench's progress output. */
export function describeRun(run: RunFigures): string {
  return (
    `${SYSTEM_NAMES[run.system]}: acked ${cell(run.ackedReadingsPerS)}/s, stored ${cell(run.sustainedStoredReadingsPerS)}/s, ` +
    `stored p50 ${cell(run.storedP50Ms, " ms")} p99 ${cell(run.storedP99Ms, " ms")}, ` +
    `peak RSS ${run.peakRssMB} MB, lost ${cell(run.lostReadings)}`
  );
}

/** One line per comparison: `project ÷ peer` and each ratio. */
export function describeComparison(comparison: Comparison): string {
  const figures = Object.entries(comparison.ratios)
    .map(([name, value]) => `${name} ×${cell(value)}`)
    .join(", ");
  return `${comparison.offeredRate}/s ${comparison.project} ÷ ${comparison.peer}: ${figures}`;
}
