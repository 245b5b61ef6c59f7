import { readdirSync, readFileSync } from "node:fs";

const SAMPLE_EVERY_MS = 200;

/** Resident set size of a process in bytes, from /proc (Linux); undefined once it has exited. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

export interface RssSampler {
  /** Highest RSS of each named process since start or the last reset. */
  peakBytes(): Record<string, number>;
  /** Highest sum of the processes' RSS seen in one sample since start or the last reset. */
  peakTotalBytes(): number;
  currentBytes(): Record<string, number>;
  resetPeak(): void;
  stop(): void;
}

/** Samples the VmRSS of named processes every 200 ms, keeping each one's peak and the peak of their sum. */
export function startRssSampler(pids: Readonly<Record<string, number>>): RssSampler {
  const names = Object.keys(pids);
  const current = () =>
    Object.fromEntries(names.map((name) => [name, rssBytes(pids[name] as number) ?? 0] as const));
  let peaks: Record<string, number> = {};
  let peakTotal = 0;
  const sample = () => {
    const now = current();
    let total = 0;
    for (const name of names) {
      const bytes = now[name] ?? 0;
      peaks[name] = Math.max(peaks[name] ?? 0, bytes);
      total += bytes;
    }
    peakTotal = Math.max(peakTotal, total);
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  return {
    peakBytes: () => {
      sample();
      return { ...peaks };
    },
    peakTotalBytes: () => {
      sample();
      return peakTotal;
    },
    currentBytes: current,
    resetPeak() {
      peaks = {};
      peakTotal = 0;
      sample();
    },
    stop: () => clearInterval(timer),
  };
}

/** The pid of a running process whose command line (argv) matches, from /proc (Linux). */
export function findProcess(matches: (argv: readonly string[]) => boolean): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
      if (matches(argv)) return Number(entry);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}
