import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";

/** The machine a result was measured on; figures from a shared 2-core machine are noisy. */
export function machineInfo() {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
  };
}

/** The 1, 5 and 15 minute load averages, rounded: other work on the machine shows here. */
export const loadAverage = () => loadavg().map((l) => Math.round(l * 100) / 100);

/** Writes bench/results/<name>-<time>.json and <name>-latest.json; returns the first's path. */
export function saveResult(name: string, at: string, result: unknown): string {
  const dir = new URL("results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(result, null, 2)}\n`;
  const file = new URL(`${name}-${at.replace(/[:.]/g, "-")}.json`, dir);
  writeFileSync(file, text);
  writeFileSync(new URL(`${name}-latest.json`, dir), text);
  return file.pathname;
}
