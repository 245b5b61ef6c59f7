import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertSignal } from "../../domain/alerts/evaluator.js";
import type { Clock } from "../../domain/clock.js";
import { createAlertRulesRepository } from "../../store/alert-rules-repository.js";
import { type AlertStore, createAlertStore } from "../../store/alert-store.js";
import { type ApiUnderTest, openApiUnderTest } from "../../test/support/api-under-test.js";

const run = promisify(execFile);
const XSD = fileURLToPath(new URL("../cap/cap-v1.2.xsd", import.meta.url));
const T0 = Date.UTC(2026, 10, 21, 8, 0, 0, 123);
let now = T0;
const clock: Clock = { now: () => now };

/** xmllint (Debian libxml2-utils) against the OASIS schema; resolves with its report. */
async function validate(xml: string, schema: string | null): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "envmon-cap-"));
  const file = join(dir, "message.xml");
  await writeFile(file, xml);
  try {
    const args = schema === null ? ["--noout", file] : ["--noout", "--schema", schema, file];
    const { stderr } = await run("xmllint", args);
    return stderr;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("CAP 1.2 feed of public alerts", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let alerts: AlertStore;
  let publicRule: number;
  let operatorsRule: number;

  const signal = (
    kind: AlertSignal["kind"],
    ruleId: number,
    value: number,
    severity: AlertSignal["severity"],
  ) =>
    ({
      kind,
      ruleId,
      ruleVersion: 1,
      source: "tn-air-007",
      subject: "pm25",
      value,
      severity,
      at: now,
    }) as AlertSignal;
  const context = (message: string) => ({
    area: "phuong-tan-ninh",
    audience: "public" as const,
    message: { vi: `${message} — "Bụi" & <khói>`, en: `${message} — 'dust' & <smoke>` },
  });

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-cap-");
    await api.fixture.registry.register([
      {
        id: "tn-air-007",
        name: 'Trạm "Chợ" & <Bến> Tân Ninh',
        kind: "air",
        area: "phuong-tan-ninh",
        areaName: "Phường Tân Ninh",
        lat: 11.31,
        lon: 106.098,
        metrics: ["pm25"],
      },
    ]);
    const rules = createAlertRulesRepository(api.fixture.metadata, clock);
    const definition = {
      name: "PM2.5",
      metric: "pm25" as const,
      scope: {},
      condition: { type: "threshold" as const, above: 100, forSeconds: 0 },
      severity: "major" as const,
      cooldownSeconds: 0,
    };
    publicRule = (await rules.create({ ...definition, audience: "public" }, "test")).id;
    operatorsRule = (await rules.create({ ...definition, audience: "operators" }, "test")).id;
    alerts = createAlertStore(api.fixture.metadata, clock);
    app = await api.server();
  });

  afterAll(() => api.close());

  const capOf = async (id: number) => {
    const response = await app.inject({ method: "GET", url: `/cap/alerts/${id}.xml` });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers["content-type"]).toContain("application/cap+xml");
    return response.body;
  };

  it("publishes Alert, then Update, then Cancel with references, each valid against the OASIS schema", async () => {
    const opened = await alerts.applySignal(signal("open", publicRule, 180.4, "major"), context("Bụi cao"));
    const id = opened?.alertId as number;
    const first = await capOf(id);
    expect(await validate(first, XSD)).toContain("validates");
    expect(first).toContain("<msgType>Alert</msgType>");
    expect(first).toContain("<sent>2026-11-21T15:00:00+07:00</sent>");
    expect(first).toContain("<language>vi-VN</language>");
    expect(first).toContain("<language>en-US</language>");
    expect(first).toContain("<severity>Severe</severity>");
    expect(first).toContain("<circle>11.31,106.098 2</circle>");
    expect(first).toContain("<value>phuong-tan-ninh</value>");
    expect(first).toContain("&amp; &lt;Bến&gt;");
    expect(first).not.toContain("<references>");

    now += 60_000;
    await alerts.applySignal(signal("escalate", publicRule, 320, "critical"), context("Bụi rất cao"));
    const update = await capOf(id);
    expect(await validate(update, XSD)).toContain("validates");
    expect(update).toContain("<msgType>Update</msgType>");
    expect(update).toContain("<severity>Extreme</severity>");
    expect(update).toContain(`<references>quantrac@tayninh.test,quantrac@tayninh.test.alert.${id}.`);

    now += 60_000;
    await alerts.applySignal(signal("clear", publicRule, 40, "critical"), context("Hết"));
    const cancel = await capOf(id);
    expect(await validate(cancel, XSD)).toContain("validates");
    expect(cancel).toContain("<msgType>Cancel</msgType>");
    expect(cancel).toContain("<responseType>AllClear</responseType>");
    // The Cancel references both earlier messages.
    expect(cancel.match(/quantrac@tayninh\.test,/g)).toHaveLength(2);
  });

  it("lists public alerts in a well-formed Atom feed linking to their CAP messages", async () => {
    now += 60_000;
    const opened = await alerts.applySignal(signal("open", publicRule, 150, "major"), context("Lần hai"));
    const response = await app.inject({ method: "GET", url: "/cap/alerts.atom" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("application/atom+xml");
    expect(await validate(response.body, null)).toBe("");
    expect(response.body).toContain(`/cap/alerts/${opened?.alertId}.xml`);
    expect(response.body.match(/<entry>/g)).toHaveLength(2);
  });

  it("never publishes an operators-only alert", async () => {
    const opened = await alerts.applySignal(
      { ...signal("open", operatorsRule, 150, "major") },
      { ...context("Nội bộ"), audience: "operators" },
    );
    const response = await app.inject({ method: "GET", url: `/cap/alerts/${opened?.alertId}.xml` });
    expect(response.statusCode).toBe(404);
    const feed = await app.inject({ method: "GET", url: "/cap/alerts.atom" });
    expect(feed.body).not.toContain(`/cap/alerts/${opened?.alertId}.xml`);
    expect((await app.inject({ method: "GET", url: "/cap/alerts/999999.xml" })).statusCode).toBe(404);
  });
});
