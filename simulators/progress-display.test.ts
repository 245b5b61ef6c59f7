import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { FleetSimulatorStats } from "./fleet-simulator.js";
import { createProgressReporter, formatProgressLine, formatSummary } from "./progress-display.js";

const stats = (published: number): FleetSimulatorStats => ({
  devices: 24,
  connected: 23,
  published,
  acked: published - 2,
  errors: 1,
  rejected: 3,
  backlogUploads: 1,
});

describe("progress display", () => {
  it("shows elapsed time, connections, counts and the recent rate", () => {
    const line = formatProgressLine(
      { elapsedMs: 65_000, stats: stats(1500) },
      { elapsedMs: 60_000, stats: stats(1380) },
    );
    expect(line).toBe(
      "[01:05] | kết nối/connected 23/24 | đã gửi/published 1500 | xác nhận/acked 1498 | bị từ chối/rejected 3 | lỗi/errors 1 | 24.0 msg/s",
    );
  });

  it("summarises a run", () => {
    const summary = formatSummary({ elapsedMs: 60_000, stats: stats(1440) });
    expect(summary).toContain("đã gửi / published:             1440 (24.0 msg/s)");
    expect(summary).toContain("dịch vụ từ chối / rejected:     3");
  });

  it("ends an interactive display on a fresh line only if it drew something", () => {
    const output = new PassThrough();
    let written = "";
    output.on("data", (chunk: Buffer) => {
      written += chunk.toString("utf8");
    });
    const reporter = createProgressReporter({
      output,
      interactive: true,
      sample: () => ({ elapsedMs: 0, stats: stats(0) }),
    });
    reporter.start();
    reporter.stop();
    expect(written).toBe("");
  });
});
