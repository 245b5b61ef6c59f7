import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCli } from "../test/support/run-cli.js";
import { type MessageRecorder, recordMessages, startTestBroker, type TestBroker } from "./test-broker.js";

const SCRIPT = fileURLToPath(new URL("./cli.ts", import.meta.url));

describe("simulator CLI process", () => {
  let broker: TestBroker;
  let recorder: MessageRecorder;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    broker = await startTestBroker();
    recorder = await recordMessages(broker.url, ["sensors/+/readings", "sensors/+/status"]);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await recorder.close();
    await broker.close();
  });

  it("runs for --duration seconds and prints a summary", async () => {
    const run = startCli(SCRIPT, [
      "--broker",
      broker.url,
      "--devices",
      "3",
      "--rate",
      "10",
      "--duration",
      "1.5",
      "--no-faults",
    ]);
    children.push(run.child);
    const result = await run.finished;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Tổng kết / Summary");
    const published = Number(/published:\s+(\d+)/.exec(result.stdout)?.[1]);
    const acked = Number(/acked:\s+(\d+)/.exec(result.stdout)?.[1]);
    expect(published).toBeGreaterThan(10);
    expect(acked).toBe(published);
    const devices = new Set(
      recorder.messages.filter((m) => m.topic.endsWith("/readings")).map((m) => m.topic.split("/")[1]),
    );
    expect([...devices].sort()).toEqual(["tn-air-001", "tn-air-002", "tn-air-003"]);
  });

  it("stops cleanly on SIGINT, leaving the devices offline", async () => {
    const run = startCli(SCRIPT, ["--broker", broker.url, "--devices", "2", "--rate", "5", "--seed", "9"]);
    children.push(run.child);
    const before = recorder.messages.length;
    await recorder.waitFor(
      (all) => all.slice(before).filter((m) => m.topic.endsWith("/readings")).length >= 4,
    );
    run.child.kill("SIGINT");
    const result = await run.finished;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Tổng kết / Summary");
    const statuses = recorder.messages
      .slice(before)
      .filter((m) => m.topic.endsWith("/status"))
      .map((m) => `${m.topic.split("/")[1]}=${m.payload}`);
    expect(statuses.filter((s) => s.endsWith("=offline")).sort()).toEqual([
      "tn-air-001=offline",
      "tn-air-002=offline",
    ]);
  });

  it("exits with code 2 on bad flags", async () => {
    const run = startCli(SCRIPT, ["--rate", "abc", "--devices", "many"]);
    children.push(run.child);
    const result = await run.finished;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "--rate must be a positive number (readings per second per device), got 'abc'",
    );
    expect(result.stderr).toContain("--devices must be a positive whole number");
  });

  it("exits with code 1 when the broker cannot be reached", async () => {
    const run = startCli(SCRIPT, ["--broker", "mqtt://127.0.0.1:1", "--devices", "1"]);
    children.push(run.child);
    const result = await run.finished;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("could not connect the simulated fleet to mqtt://127.0.0.1:1");
    expect(result.stderr).toContain("ECONNREFUSED");
  });
});
