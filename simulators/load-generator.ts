/**
 * Benchmark load generator, run as its own process:
 *   npx tsx simulators/load-generator.ts --broker mqtt://localhost:1883 --rate 2000 --duration 30 \
 *       --connections 20 --devices 1000 --metrics 6 [--qos 1] [--batch 1]
 *   npx tsx simulators/load-generator.ts --credentials devices.json --devices 500 --rate 2000 …
 *       (each device its own connection with its secret: a broker that checks devices)
 * Prints one JSON summary line on stdout; progress goes to stderr, with the line SENDING_MARKER
 * once every connection is up and the paced load starts.
 * Exit codes: 0 done, 1 could not run (e.g. broker unreachable, refused secrets), 2 invalid flags.
 */

import { dispatchFlags } from "./flag-parsing.js";
import { runLoadGeneration } from "./load-generation.js";
import {
  LOAD_GENERATOR_HELP,
  type LoadGeneratorOptions,
  parseLoadGeneratorFlags,
  SENDING_MARKER,
} from "./load-generator-flags.js";

async function run(options: LoadGeneratorOptions): Promise<number> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.stderr.write(
    `[loadgen] ${options.rate} readings/s for ${options.durationS} s over ${options.connections} connections, ` +
      `${options.devices} devices${options.credentialsFile === undefined ? "" : " (each with its own secret)"}, ` +
      `QoS ${options.qos}, batch ${options.batch} → ${options.brokerUrl}\n`,
  );
  try {
    const summary = await runLoadGeneration(options, {
      signal: abort.signal,
      onSending: (connections) => process.stderr.write(`${SENDING_MARKER} over ${connections} connections\n`),
      onProgress: (progress) => {
        process.stderr.write(
          `[loadgen] ${progress.elapsedS.toFixed(1)} s sent=${progress.sent} acked=${progress.acked} ` +
            `inflight=${progress.inFlight} errors=${progress.errors}\n`,
        );
      },
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`[loadgen] ${(error as Error).message}\n`);
    return 1;
  }
}

const main = (argv: readonly string[]) =>
  dispatchFlags(
    parseLoadGeneratorFlags(argv),
    { name: "load-generator", script: "simulators/load-generator.ts", help: LOAD_GENERATOR_HELP },
    run,
  );

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`load-generator: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
