import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServiceProcess, startServiceProcess } from "./support/service-process.js";
import { waitUntil } from "./support/wait-until.js";

/**
 * The OGC conformance test suite for SensorThings (ets-sta10 1.5, TestNG, run as its all-in-one
 * jar) against the service started with the demo fleet: the sensing-core class (level 1) must pass
 * in full. The jar comes from Maven Central through scripts/install-ets-sta10.sh (.ci/run runs it);
 * ETS_STA10_JAR names it, or the script's cache is used.
 */
const run = promisify(execFile);
const JAR =
  process.env.ETS_STA10_JAR ??
  join(
    process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"),
    "envmon",
    "ets-sta10-1.5",
    "ets-sta10-1.5-aio.jar",
  );

interface SuiteResult {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly failures: string[];
}

function readResults(xml: string): SuiteResult {
  const head = /<testng-results[^>]*>/.exec(xml)?.[0] ?? "";
  const count = (name: string) => Number(new RegExp(`${name}="(\\d+)"`).exec(head)?.[1] ?? Number.NaN);
  // A failed test method (not a configuration step: levels 2–3 not requested fail theirs), with
  // its name and first message; attributes come in any order.
  const failures = [...xml.matchAll(/<test-method ([^>]*)>([\s\S]*?)<\/test-method>/g)]
    .filter((m) => /status="FAIL"/.test(m[1] as string) && !/is-config="true"/.test(m[1] as string))
    .map((m) => {
      const name = /name="([^"]+)"/.exec(m[1] as string)?.[1] ?? "?";
      const message = /<message>\s*<!\[CDATA\[([\s\S]*?)\]\]>/.exec(m[2] as string)?.[1] ?? "";
      return `${name}: ${message.trim()}`;
    });
  return {
    total: count("total"),
    passed: count("passed"),
    failed: count("failed"),
    skipped: count("skipped"),
    failures,
  };
}

describe("OGC ets-sta10 1.5 against the service with the demo fleet", () => {
  let service: ServiceProcess;
  let home: string;

  beforeAll(async () => {
    if (!existsSync(JAR)) {
      throw new Error(
        `ets-sta10 not found at ${JAR}: run scripts/install-ets-sta10.sh (needs Java 17 and Maven)`,
      );
    }
    service = await startServiceProcess({
      // The suite makes a few thousand requests in seconds.
      env: { DEMO: "1", DEMO_INTERVAL_MS: "1000", OPEN_DATA_RATE_LIMIT: "1000000" },
    });
    const count = async (path: string) => {
      const response = await fetch(`${service.httpUrl}/sta/v1.1/${path}?$top=1&$count=true`);
      return ((await response.json()) as { "@iot.count"?: number })["@iot.count"] ?? 0;
    };
    // The suite walks from the first Thing's first Datastream and needs observations there too:
    // with the demo that is the simulated factory's stack station, whose first file lands after the
    // intake's settle time (industrial/), later than the MQTT stations' first readings.
    await waitUntil(
      "a few hundred demo observations, some on the first Datastream",
      async () =>
        (await count("Observations")) > 200 && (await count("Things(1)/Datastreams(1)/Observations")) > 0,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    home = mkdtempSync(join(tmpdir(), "envmon-ets-"));
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("passes the sensing-core conformance class (A.1) in full", async () => {
    const props = join(home, "test-run-props.xml");
    writeFileSync(
      props,
      `<?xml version="1.0" encoding="UTF-8"?>\n<properties version="1.0">\n` +
        `  <entry key="iut">${service.httpUrl}/sta/v1.1</entry>\n  <entry key="ics">1</entry>\n</properties>\n`,
    );
    // The suite writes its results under user.home/testng.
    await run("java", [`-Duser.home=${home}`, "-jar", JAR, props], { cwd: home, timeout: 300_000 });
    const runs = readdirSync(join(home, "testng"));
    expect(runs).toHaveLength(1);
    const results = readResults(
      readFileSync(join(home, "testng", runs[0] as string, "testng-results.xml"), "utf8"),
    );
    console.info(
      `ets-sta10 sensing core: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped (levels 2–3 not requested) of ${results.total}`,
    );
    expect(results.failures).toEqual([]);
    expect(results.failed).toBe(0);
    // checkServiceRootUri, readEntitiesAndCheckResponse, readNonexistentEntity,
    // readEntityAndCheckResponse, readPropertyOfEntityAndCheckResponse, checkResourcePaths.
    expect(results.passed).toBe(6);
  }, 320_000);
});
