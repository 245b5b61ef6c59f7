import { describe, expect, it } from "vitest";
import { parseSimulatorFlags, SIMULATOR_HELP } from "./cli-flags.js";
import { LOAD_GENERATOR_HELP, parseLoadGeneratorFlags } from "./load-generator-flags.js";

function errorsOf(
  outcome: ReturnType<typeof parseSimulatorFlags> | ReturnType<typeof parseLoadGeneratorFlags>,
) {
  if (outcome.kind !== "invalid") throw new Error(`expected invalid flags, got ${JSON.stringify(outcome)}`);
  return outcome.errors;
}

describe("simulator CLI flags", () => {
  it("uses defaults when no flag is given", () => {
    expect(parseSimulatorFlags([])).toEqual({
      kind: "run",
      options: {
        brokerUrl: "mqtt://localhost:1883",
        devices: 24,
        rate: 1,
        durationS: 0,
        seed: 42,
        faults: true,
        logLevel: "warn",
      },
    });
  });

  it("parses good flags in both spellings", () => {
    expect(
      parseSimulatorFlags([
        "--broker",
        "mqtt://127.0.0.1:1884",
        "--devices=100",
        "--rate",
        "2.5",
        "--duration",
        "60",
        "--seed",
        "7",
        "--no-faults",
        "--log-level",
        "debug",
      ]),
    ).toEqual({
      kind: "run",
      options: {
        brokerUrl: "mqtt://127.0.0.1:1884",
        devices: 100,
        rate: 2.5,
        durationS: 60,
        seed: 7,
        faults: false,
        logLevel: "debug",
      },
    });
    const overWebSocket = parseSimulatorFlags(["--broker", "ws://localhost:8080/mqtt"]);
    expect(overWebSocket.kind === "run" && overWebSocket.options.brokerUrl).toBe("ws://localhost:8080/mqtt");
  });

  it.each([
    [["--rate", "abc"], "--rate must be a positive number (readings per second per device), got 'abc'"],
    [["--rate", "0"], "--rate must be a positive number (readings per second per device), got '0'"],
    [["--rate=-1"], "--rate must be a positive number (readings per second per device), got '-1'"],
    [["--rate", "1e9"], "--rate must be at most 1000 (readings per second per device), got '1e9'"],
    [
      ["--rate", "Infinity"],
      "--rate must be a positive number (readings per second per device), got 'Infinity'",
    ],
    [["--rate", "0x10"], "--rate must be a positive number (readings per second per device), got '0x10'"],
    [["--rate="], "--rate must be a positive number (readings per second per device), got ''"],
    [
      ["--devices", "2.5"],
      "--devices must be a positive whole number (number of simulated stations), got '2.5'",
    ],
    [["--devices", "0"], "--devices must be a positive whole number (number of simulated stations), got '0'"],
    [
      ["--duration=-5s"],
      "--duration must be zero or a positive number (seconds to run, 0 = until Ctrl-C), got '-5s'",
    ],
    [["--seed", "x"], "--seed must be zero or a positive whole number (random seed), got 'x'"],
    [["--broker", "localhost:1883"], "--broker must be a broker URL such as mqtt://localhost:1883"],
    [["--broker", "http://localhost"], "--broker must be a broker URL such as mqtt://localhost:1883"],
    [["--log-level", "loud"], "--log-level must be one of silent, error, warn, info, debug"],
    [["--bogus"], "unknown flag '--bogus'"],
    [["-x"], "unknown flag '-x'"],
    [["stray"], "unexpected argument 'stray'"],
    [["--rate"], "--rate needs a value"],
    [["--rate", "-5"], "--rate needs a value; write values that start with '-' as --rate=<value>"],
    [["--no-faults=yes"], "--no-faults is a switch and takes no value"],
  ])("rejects %j with a clear message", (argv, expected) => {
    const errors = errorsOf(parseSimulatorFlags(argv));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(expected);
  });

  it("reports every bad value at once", () => {
    const errors = errorsOf(parseSimulatorFlags(["--rate", "fast", "--devices", "-", "--duration", "soon"]));
    expect(errors).toHaveLength(3);
    expect(errors.map((error) => error.split(" ")[0])).toEqual(["--devices", "--rate", "--duration"]);
  });

  it("answers --help with Vietnamese and English text, even next to bad flags", () => {
    expect(parseSimulatorFlags(["--help"])).toEqual({ kind: "help" });
    expect(parseSimulatorFlags(["--rate", "abc", "-h"])).toEqual({ kind: "help" });
    expect(SIMULATOR_HELP).toContain("Cách dùng / Usage");
    expect(SIMULATOR_HELP).toContain("Số bản tin mỗi giây của mỗi trạm");
    expect(SIMULATOR_HELP).toContain("Readings per second per device");
  });
});

describe("load generator flags", () => {
  it("parses a benchmark command line", () => {
    expect(
      parseLoadGeneratorFlags([
        "--broker",
        "mqtt://localhost:1883",
        "--rate",
        "5000",
        "--duration",
        "30",
        "--connections",
        "20",
        "--devices",
        "1000",
        "--metrics",
        "6",
        "--qos",
        "0",
        "--batch",
        "10",
      ]),
    ).toEqual({
      kind: "run",
      options: {
        brokerUrl: "mqtt://localhost:1883",
        rate: 5000,
        durationS: 30,
        connections: 20,
        devices: 1000,
        metrics: 6,
        qos: 0,
        batch: 10,
        maxInFlight: 100,
        seed: 1,
      },
    });
  });

  it.each([
    [["--rate", "lots"], "--rate must be zero or a positive number (total readings per second), got 'lots'"],
    [["--rate=-1"], "--rate must be zero or a positive number (total readings per second), got '-1'"],
    [["--duration", "0"], "--duration must be a positive number (seconds of load), got '0'"],
    [["--connections", "1.5"], "--connections must be a positive whole number (MQTT connections), got '1.5'"],
    [["--metrics", "9"], "--metrics must be at most 8"],
    [["--qos", "2"], "--qos must be one of 0, 1 (MQTT quality of service), got '2'"],
    [["--batch", "0"], "--batch must be a positive whole number (readings per MQTT message), got '0'"],
    [["--connections", "50", "--devices", "10"], "--connections (50) cannot exceed --devices (10)"],
    [["--seconds", "3"], "unknown flag '--seconds'"],
  ])("rejects %j with a clear message", (argv, expected) => {
    const errors = errorsOf(parseLoadGeneratorFlags(argv));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(expected);
  });

  it("takes --rate 0: every device connects, then the connections stay idle", () => {
    const outcome = parseLoadGeneratorFlags(["--rate", "0", "--duration", "5"]);
    expect(outcome.kind === "run" && outcome.options.rate).toBe(0);
  });

  it("has bilingual help", () => {
    expect(parseLoadGeneratorFlags(["-h"])).toEqual({ kind: "help" });
    expect(LOAD_GENERATOR_HELP).toContain("Tổng số bản tin mỗi giây / total readings per second");
  });
});
