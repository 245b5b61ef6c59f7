import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { alertServiceFor } from "../../test/support/alert-service.js";
import { type ApiUnderTest, openApiUnderTest } from "../../test/support/api-under-test.js";
import type { AlertService } from "../alert-service.js";
import { CAP_XSD_PATH, xmllint } from "../delivery/cap/xmllint.js";
import type { AlertSignal } from "../model/evaluator.js";
import type { Audience } from "../model/rule.js";
import { createAlertRulesRepository } from "../store/alert-rules-repository.js";
import { capRoutes } from "./cap-routes.js";

const SENDER = "quantrac@tayninh.test"; // test/support/api-under-test.ts
const T0 = Date.UTC(2026, 10, 21, 8, 0, 0, 123);
let now = T0;
const clock: Clock = { now: () => now };

const entryLinks = (feed: string) =>
  [...feed.matchAll(/<link rel="alternate" type="application\/cap\+xml" href="([^"]+)"\/>/g)].map(
    (m) => m[1] as string,
  );

describe("CAP 1.2 routes", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let alerts: AlertService;
  const rules: Record<Audience, number> = { public: 0, operators: 0 };

  const signal = (
    kind: AlertSignal["kind"],
    audience: Audience,
    value: number,
    severity: AlertSignal["severity"],
  ) =>
    ({
      kind,
      ruleId: rules[audience],
      ruleVersion: 1,
      source: "tn-air-007",
      subject: "pm25",
      value,
      severity,
      at: now,
    }) as AlertSignal;
  const context = (message: string, audience: Audience = "public") => ({
    area: "tan-ninh",
    audience,
    message: { vi: `${message} — "Bụi" & <khói>`, en: `${message} — 'dust' & <smoke>` },
  });

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-cap-");
    await api.fixture.registry.register([
      {
        id: "tn-air-007",
        name: 'Trạm "Chợ" & <Bến> Tân Ninh',
        kind: "air",
        area: "tan-ninh",
        areaName: "Phường Tân Ninh",
        lat: 11.31,
        lon: 106.098,
        metrics: ["pm25"],
      },
    ]);
    const repository = createAlertRulesRepository(api.fixture.metadata, clock);
    for (const audience of ["public", "operators"] as const) {
      const rule = await repository.create(
        {
          name: `PM2.5 (${audience})`,
          metric: "pm25",
          scope: {},
          condition: { type: "threshold", above: 100, forSeconds: 0 },
          severity: "major",
          audience,
          cooldownSeconds: 0,
        },
        "test",
      );
      rules[audience] = rule.id;
    }
    alerts = alertServiceFor(api.fixture.metadata, clock);
    app = await api.server();
  });

  afterAll(() => api.close());

  const get = (url: string, host = "quantrac.tayninh.test") =>
    app.inject({ method: "GET", url, headers: { host } });

  const capOf = async (id: number) => {
    const response = await get(`/cap/alerts/${id}.xml`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers["content-type"]).toContain("application/cap+xml");
    const result = await xmllint(response.body, CAP_XSD_PATH);
    expect(result.report, response.body).toContain("validates");
    return response.body;
  };

  let firstAlertId = 0;

  it("answers an alert's latest message: Alert, then Update, then Cancel, each valid against the OASIS schema", async () => {
    const opened = await alerts.applySignal(signal("open", "public", 180.4, "major"), context("Bụi cao"));
    firstAlertId = opened?.alertId ?? 0;
    const first = await capOf(firstAlertId);
    expect(first).toContain("<msgType>Alert</msgType>");
    expect(first).toContain("<sent>2026-11-21T15:00:00+07:00</sent>");
    expect(first).toContain("<severity>Severe</severity>");
    expect(first).toContain("<circle>11.31,106.098 2</circle>");
    expect(first).toContain("<value>tan-ninh</value>");
    expect(first).toContain("Trạm &quot;Chợ&quot; &amp; &lt;Bến&gt; Tân Ninh");
    expect(first).toContain("<web>http://quantrac.tayninh.test/public.html?area=tan-ninh</web>");
    expect(first).not.toContain("<references>");

    now += 60_000;
    await alerts.applySignal(signal("escalate", "public", 320, "critical"), context("Bụi rất cao"));
    const update = await capOf(firstAlertId);
    expect(update).toContain("<msgType>Update</msgType>");
    expect(update).toContain("<severity>Extreme</severity>");
    expect(update).toContain(`<references>${SENDER},${SENDER}.alert.${firstAlertId}.`);

    now += 60_000;
    await alerts.applySignal(signal("clear", "public", 40, "critical"), context("Hết"));
    const cancel = await capOf(firstAlertId);
    expect(cancel).toContain("<msgType>Cancel</msgType>");
    expect(cancel).toContain("<responseType>AllClear</responseType>");
    expect(cancel.match(new RegExp(`${SENDER.replace(".", "\\.")},`, "g"))).toHaveLength(2);

    // Fetching again gives the very same message: identifier and sent do not drift.
    expect(await capOf(firstAlertId)).toBe(cancel);
  });

  it("lists current public alerts, and those cleared within a day, in a well-formed Atom feed", async () => {
    now += 60_000;
    const second = await alerts.applySignal(signal("open", "public", 150, "major"), context("Lần hai"));
    const internal = await alerts.applySignal(
      signal("open", "operators", 150, "major"),
      context("Nội bộ", "operators"),
    );
    const response = await get("/cap/alerts.atom");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("application/atom+xml");
    expect((await xmllint(response.body)).ok).toBe(true);

    const links = entryLinks(response.body);
    expect(links).toEqual([
      `http://quantrac.tayninh.test/cap/alerts/${second?.alertId}.xml`,
      `http://quantrac.tayninh.test/cap/alerts/${firstAlertId}.xml`,
    ]);
    expect(response.body).not.toContain(`/cap/alerts/${internal?.alertId}.xml`);
    expect(response.body).toContain(
      '<link rel="self" type="application/atom+xml" href="http://quantrac.tayninh.test/cap/alerts.atom"/>',
    );
    expect(response.body).toContain("Cảnh báo nghiêm trọng: Bụi PM2.5 tại Phường Tân Ninh");
    expect(response.body).toContain("Hết cảnh báo: Bụi PM2.5 tại Phường Tân Ninh");
    expect(response.body).toContain('<category term="Env"');
    // Every entry links to a message that validates.
    for (const link of links) await capOf(Number(/alerts\/(\d+)\.xml$/.exec(link)?.[1]));

    const elsewhere = await get("/cap/alerts.atom?area=ben-luc");
    expect((await xmllint(elsewhere.body)).ok).toBe(true);
    expect(entryLinks(elsewhere.body)).toEqual([]);
    expect(entryLinks((await get("/cap/alerts.atom?area=tan-ninh")).body)).toHaveLength(2);

    // A day after it cleared, the first alert leaves the feed; its message stays reachable.
    now += 25 * 3_600_000;
    expect(entryLinks((await get("/cap/alerts.atom")).body)).toEqual([
      `http://quantrac.tayninh.test/cap/alerts/${second?.alertId}.xml`,
    ]);
    await capOf(firstAlertId);
  });

  it("knows no operators-only or unknown alert", async () => {
    const [internal] = await alerts.list({ audience: "operators" });
    expect(internal).toBeDefined();
    expect((await get(`/cap/alerts/${internal?.id}.xml`)).statusCode).toBe(404);
    expect((await get("/cap/alerts/999999.xml")).statusCode).toBe(404);
    expect((await get("/cap/alerts/abc.xml")).statusCode).toBe(400);
  });
});

describe("CAP links under PUBLIC_BASE_URL", () => {
  it("uses the configured base instead of the request's host", async () => {
    const transitions = [
      {
        id: 5,
        transition: "opened" as const,
        severity: "minor" as const,
        value: 60,
        message: { vi: "Bụi", en: "Dust" },
        at: "2026-11-21T01:00:00.000Z",
      },
    ];
    const record = {
      id: 3,
      audience: "public" as const,
      deviceId: "tn-air-001",
      metric: "pm25",
      area: "tan-an",
      state: "active" as const,
      clearedAt: null,
      transitions,
    };
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(capRoutes, {
      alerts: { list: async () => [record], get: async (id) => (id === 3 ? record : undefined) },
      registry: { get: async () => undefined },
      sender: "quantrac@tayninh.gov.vn",
      clock: { now: () => Date.UTC(2026, 10, 21, 2, 0, 0) },
      publicBaseUrl: "https://canhbao.tayninh.gov.vn/",
    });
    try {
      const feed = await app.inject({
        method: "GET",
        url: "/cap/alerts.atom",
        headers: { host: "internal:8080" },
      });
      expect(entryLinks(feed.body)).toEqual(["https://canhbao.tayninh.gov.vn/cap/alerts/3.xml"]);
      expect(feed.body).not.toContain("internal:8080");
      const message = await app.inject({ method: "GET", url: "/cap/alerts/3.xml" });
      expect((await xmllint(message.body, CAP_XSD_PATH)).ok).toBe(true);
      expect(message.body).toContain("<web>https://canhbao.tayninh.gov.vn/public.html?area=tan-an</web>");
      expect(message.body).toContain("<identifier>quantrac@tayninh.gov.vn.alert.3.5</identifier>");
    } finally {
      await app.close();
    }
  });
});
