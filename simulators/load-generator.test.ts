import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { LOAD_METRICS } from "./load-generator-flags.js";
import { type MessageRecorder, recordMessages, startTestBroker, type TestBroker } from "./test-broker.js";

const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./load-generator.ts", import.meta.url));

const summarySchema = z.object({
  offeredRate: z.number(),
  durationS: z.number(),
  sent: z.number().int(),
  acked: z.number().int(),
  errors: z.number().int(),
  achievedRate: z.number(),
  ackedRate: z.number(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
});

function runLoadGenerator(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("load generator process", () => {
  let broker: TestBroker;
  let recorder: MessageRecorder;

  beforeAll(async () => {
    broker = await startTestBroker();
    recorder = await recordMessages(broker.url, ["sensors/+/readings"]);
  });

  afterAll(async () => {
    await recorder.close();
    await broker.close();
  });

  it("sends paced QoS 1 load for ~2 s and prints a JSON summary", async () => {
    const result = await runLoadGenerator([
      "--broker",
      broker.url,
      "--rate",
      "300",
      "--duration",
      "2",
      "--connections",
      "3",
      "--devices",
      "12",
      "--metrics",
      "6",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const summary = summarySchema.parse(JSON.parse(lines[0] as string));
    expect(summary.offeredRate).toBe(300);
    expect(summary.acked).toBeGreaterThan(0);
    expect(summary.acked).toBeLessThanOrEqual(summary.sent);
    // The token bucket never offers more than the rate allows (plus one tick's rounding).
    expect(summary.sent).toBeLessThanOrEqual(300 * summary.durationS + 1);
    expect(summary.errors).toBe(0);
    expect(Date.parse(summary.endedAt)).toBeGreaterThan(Date.parse(summary.startedAt));
    expect(result.stderr).toContain("[loadgen]");

    // What arrived at a subscriber: one reading per message, 6 air metrics, ts = publish time.
    await recorder.waitFor((all) => all.length >= summary.acked);
    const devices = new Set(recorder.messages.map((m) => m.topic.split("/")[1]));
    expect(devices.size).toBe(12);
    for (const message of recorder.messages) {
      const reading = z
        .object({ ts: z.number().int(), values: z.record(z.string(), z.number()) })
        .parse(JSON.parse(message.payload));
      expect(Object.keys(reading.values)).toEqual(LOAD_METRICS.slice(0, 6));
      expect(reading.ts).toBeGreaterThanOrEqual(Date.parse(summary.startedAt));
      expect(reading.ts).toBeLessThanOrEqual(message.receivedAt);
    }
  });

  it("exits with code 2 and a clear message on bad flags", async () => {
    const result = await runLoadGenerator(["--rate", "fast"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      "--rate must be a positive number (total readings per second), got 'fast'",
    );
  });
});
