/**
 * Demo fleet simulator.
 *   npx tsx simulators/cli.ts --broker mqtt://localhost:1883 --devices 24 --rate 1 --duration 60 --seed 42
 *   npx tsx simulators/cli.ts --credentials data/demo-fleet-credentials.json   (a broker that checks secrets)
 * Exit codes: 0 done, 1 could not run (e.g. broker unreachable, unreadable credentials), 2 invalid flags.
 */
import { pino } from "pino";
import { parseSimulatorFlags, SIMULATOR_HELP, type SimulatorCliOptions } from "./cli-flags.js";
import { dispatchFlags } from "./flag-parsing.js";
import { readFleetCredentials } from "./fleet-credentials-file.js";
import { fleetOfSize } from "./fleet-scaling.js";
import { createFleetSimulator } from "./fleet-simulator.js";
import { createProgressReporter, formatSummary, type ProgressSample } from "./progress-display.js";

/** The fleet to run: with a credentials file, only the devices it has a secret for. */
async function fleetFor(options: SimulatorCliOptions) {
  const fleet = fleetOfSize(options.devices);
  if (options.credentialsFile === undefined) return { devices: fleet };
  const credentials = await readFleetCredentials(options.credentialsFile);
  const devices = fleet.filter((device) => credentials.has(device.profile.id));
  const left = fleet.length - devices.length;
  if (devices.length === 0) {
    throw new Error(
      `${options.credentialsFile} has a secret for none of the ${fleet.length} simulated devices`,
    );
  }
  if (left > 0) {
    process.stderr.write(
      `Bỏ qua / leaving out ${left} trạm không có mật khẩu / devices without a secret in ${options.credentialsFile}\n`,
    );
  }
  return { devices, credentials };
}

async function run(options: SimulatorCliOptions): Promise<number> {
  const logger = pino({ level: options.logLevel, base: null }, pino.destination(2));
  let fleet: Awaited<ReturnType<typeof fleetFor>>;
  try {
    fleet = await fleetFor(options);
  } catch (error) {
    process.stderr.write(`simulate: ${(error as Error).message}\n`);
    return 1;
  }
  const simulator = createFleetSimulator({
    brokerUrl: options.brokerUrl,
    ...fleet,
    intervalMs: 1000 / options.rate,
    seed: options.seed,
    faults: options.faults,
    logger,
  });
  const startedAt = performance.now();
  const sample = (): ProgressSample => ({
    elapsedMs: performance.now() - startedAt,
    stats: simulator.stats(),
  });
  const progress = createProgressReporter({
    output: process.stderr,
    interactive: process.stderr.isTTY === true,
    sample,
  });

  let finish: (reason: string) => void = () => {};
  const finished = new Promise<string>((resolve) => {
    finish = resolve;
  });
  let signalCount = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signalCount += 1;
    if (signalCount > 1) {
      process.stderr.write("\nBuộc dừng / forced exit\n");
      process.exit(130);
    }
    finish(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  process.stderr.write(
    `Đang mô phỏng / simulating ${fleet.devices.length} trạm/devices → ${options.brokerUrl}, ` +
      `${options.rate} bản tin/giây/trạm (readings/s/device), ` +
      `${options.durationS > 0 ? `${options.durationS} s` : "đến khi Ctrl-C / until Ctrl-C"}` +
      `${options.faults ? "" : ", không lỗi / no faults"}\n`,
  );

  const started = simulator.start().then(
    () => "started" as const,
    (error: Error) => error,
  );
  const first = await Promise.race([started, finished]);
  if (first instanceof Error) {
    process.stderr.write(`Không kết nối được broker / cannot reach the broker: ${first.message}\n`);
    return 1;
  }
  if (first === "started") {
    progress.start();
    const deadline =
      options.durationS > 0
        ? setTimeout(() => finish("duration reached"), options.durationS * 1000)
        : undefined;
    await finished;
    clearTimeout(deadline);
  }

  progress.stop();
  await simulator.stop();
  process.stdout.write(`${formatSummary(sample())}\n`);
  return 0;
}

const main = (argv: readonly string[]) =>
  dispatchFlags(
    parseSimulatorFlags(argv),
    { name: "simulate", script: "simulators/cli.ts", help: SIMULATOR_HELP },
    run,
  );

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // MQTT sockets and signal handlers are closed or harmless by now; do not wait on stray timers.
    setImmediate(() => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`simulate: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
