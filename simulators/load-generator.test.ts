import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { runCli } from "../test/support/run-cli.js";
import { writeFleetCredentials } from "./fleet-credentials-file.js";
import { LOAD_METRICS, SENDING_MARKER } from "./load-generator-flags.js";
import {
  type CheckingBroker,
  type MessageRecorder,
  recordMessages,
  startCheckingBroker,
  startTestBroker,
  type TestBroker,
} from "./test-broker.js";

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

const runLoadGenerator = (args: readonly string[]) => runCli(SCRIPT, args);

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
    const instants = new Set<string>();
    for (const message of recorder.messages) {
      const reading = z
        .object({ ts: z.number().int(), values: z.record(z.string(), z.number()) })
        .parse(JSON.parse(message.payload));
      // A store keeps one value per device and instant: no two readings of a device share one.
      const instant = `${message.topic} ${reading.ts}`;
      expect(instants.has(instant), instant).toBe(false);
      instants.add(instant);
      expect(Object.keys(reading.values)).toEqual(LOAD_METRICS.slice(0, 6));
      expect(reading.ts).toBeGreaterThanOrEqual(Date.parse(summary.startedAt));
      expect(reading.ts).toBeLessThanOrEqual(message.receivedAt);
    }
  });

  it("gives each of a device's readings its own instant, also within a batch", async () => {
    const before = recorder.messages.length;
    const result = await runLoadGenerator([
      ...["--broker", broker.url, "--rate", "400", "--duration", "1"],
      ...["--connections", "1", "--devices", "2", "--batch", "4", "--metrics", "1"],
    ]);
    expect(result.code, result.stderr).toBe(0);
    const summary = summarySchema.parse(JSON.parse(result.stdout.trim()));
    await recorder.waitFor((all) => all.length - before >= summary.acked / 4);
    const instants = recorder.messages.slice(before).flatMap((message) =>
      z
        .array(z.object({ ts: z.number().int() }))
        .parse(JSON.parse(message.payload))
        .map((reading) => `${message.topic} ${reading.ts}`),
    );
    expect(instants.length).toBeGreaterThanOrEqual(summary.acked);
    expect(new Set(instants).size).toBe(instants.length);
  });

  it("exits with code 2 and a clear message on bad flags", async () => {
    const result = await runLoadGenerator(["--rate", "fast"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      "--rate must be zero or a positive number (total readings per second), got 'fast'",
    );
  });
});

describe("load generator with a credentials file", () => {
  const secrets = new Map([
    ["bench-0001", "secret-of-bench-0001"],
    ["bench-0002", "secret-of-bench-0002"],
    ["bench-0003", "secret-of-bench-0003"],
    ["bench-0004", "secret-of-bench-0004"],
    ["bench-0005", "secret-of-bench-0005"],
  ]);
  let broker: CheckingBroker;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    broker = await startCheckingBroker(secrets);
    dir = await mkdtemp(join(tmpdir(), "envmon-loadgen-"));
    file = join(dir, "devices.json");
    await writeFleetCredentials(file, secrets, new Date());
  });

  afterAll(async () => {
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("connects each of the first --devices devices with its own secret and publishes only as itself", async () => {
    const result = await runLoadGenerator([
      ...["--broker", broker.url, "--credentials", file, "--devices", "4"],
      ...["--rate", "200", "--duration", "1.5", "--metrics", "2"],
    ]);
    expect(result.code, result.stderr).toBe(0);
    const summary = summarySchema.parse(JSON.parse(result.stdout.trim()));
    expect(summary.acked).toBeGreaterThan(0);
    expect(summary.errors).toBe(0);
    expect(result.stderr).toContain(`${SENDING_MARKER} over 4 connections`);

    const first4 = [...secrets.keys()].slice(0, 4);
    expect(broker.logins.map((l) => l.clientId).sort()).toEqual(first4);
    expect(broker.logins.every((l) => l.username === l.clientId)).toBe(true);
    expect(broker.refusedPublishes).toEqual([]);
    expect(new Set(broker.published.map((p) => p.clientId))).toEqual(new Set(first4));
    expect(broker.published.every((p) => p.topic === `sensors/${p.clientId}/readings`)).toBe(true);
    expect(broker.published.length).toBe(summary.sent);
  });

  it("exits with 1 naming the device when the broker refuses a secret", async () => {
    const wrong = join(dir, "wrong.json");
    await writeFleetCredentials(wrong, new Map([["bench-0001", "not-the-secret"]]), new Date());
    const result = await runLoadGenerator([
      ...["--broker", broker.url, "--credentials", wrong, "--devices", "1", "--duration", "1"],
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      /could not connect to mqtt:\/\/127\.0\.0\.1:\d+ as bench-0001: .*Bad username or password/i,
    );
  });

  it("refuses more devices than the file has, and --connections beside --credentials", async () => {
    const tooMany = await runLoadGenerator(["--broker", broker.url, "--credentials", file, "--devices", "6"]);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toContain(`${file} has 5 devices, --devices asks for 6`);

    const both = await runLoadGenerator(["--credentials", file, "--connections", "2"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--connections cannot be used with --credentials");
  });
});
