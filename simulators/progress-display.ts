/** Progress of a running fleet: one redrawn line on a terminal, periodic plain lines otherwise. */
import type { FleetSimulatorStats } from "./fleet-simulator.js";

export interface ProgressSample {
  readonly elapsedMs: number;
  readonly stats: FleetSimulatorStats;
}

function formatElapsed(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return hours > 0 ? `${hours}:${two(minutes)}:${two(seconds)}` : `${two(minutes)}:${two(seconds)}`;
}

/** One status line; the rate is measured between `previous` and `current`. */
export function formatProgressLine(current: ProgressSample, previous: ProgressSample | null): string {
  const { stats } = current;
  const spanMs = previous ? current.elapsedMs - previous.elapsedMs : current.elapsedMs;
  const sent = previous ? stats.published - previous.stats.published : stats.published;
  const rate = spanMs > 0 ? (sent * 1000) / spanMs : 0;
  return [
    `[${formatElapsed(current.elapsedMs)}]`,
    `kết nối/connected ${stats.connected}/${stats.devices}`,
    `đã gửi/published ${stats.published}`,
    `xác nhận/acked ${stats.acked}`,
    `bị từ chối/rejected ${stats.rejected}`,
    `lỗi/errors ${stats.errors}`,
    `${rate.toFixed(1)} msg/s`,
  ].join(" | ");
}

export function formatSummary(sample: ProgressSample): string {
  const { stats } = sample;
  const seconds = sample.elapsedMs / 1000;
  const rate = seconds > 0 ? stats.published / seconds : 0;
  return [
    "Tổng kết / Summary",
    `  thời gian / elapsed:            ${seconds.toFixed(1)} s`,
    `  thiết bị / devices:             ${stats.devices}`,
    `  đã gửi / published:             ${stats.published} (${rate.toFixed(1)} msg/s)`,
    `  broker xác nhận / acked:        ${stats.acked}`,
    `  dịch vụ từ chối / rejected:     ${stats.rejected}`,
    `  gửi bù / backlog uploads:       ${stats.backlogUploads}`,
    `  lỗi / errors:                   ${stats.errors}`,
  ].join("\n");
}

export interface ProgressReporter {
  start(): void;
  /** Stops redrawing and leaves the cursor on a fresh line. */
  stop(): void;
}

export function createProgressReporter(options: {
  readonly output: NodeJS.WritableStream;
  readonly interactive: boolean;
  readonly sample: () => ProgressSample;
}): ProgressReporter {
  const { output, interactive } = options;
  const intervalMs = interactive ? 1000 : 5000;
  let previous: ProgressSample | null = null;
  let timer: NodeJS.Timeout | null = null;
  let drewLine = false;

  const draw = () => {
    const current = options.sample();
    const line = formatProgressLine(current, previous);
    previous = current;
    if (interactive) {
      // Carriage return + erase-to-end-of-line redraws in place; a wrapped line could not be redrawn.
      const columns = (output as { columns?: number }).columns;
      const fitted = columns && line.length >= columns ? `${line.slice(0, columns - 2)}…` : line;
      output.write(`\r${fitted}\x1b[K`);
      drewLine = true;
    } else {
      output.write(`${line}\n`);
    }
  };

  return {
    start() {
      if (timer) return;
      timer = setInterval(draw, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      if (interactive && drewLine) output.write("\n");
      drewLine = false;
    },
  };
}
