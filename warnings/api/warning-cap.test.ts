/**
 * An agency's warning in CAP 1.2: the per-message XML after publication, update and cancellation
 * (validated by xmllint against the OASIS schema), and its entry in the public Atom feed.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CAP_XSD_PATH, xmllint } from "../../alerts/delivery/cap/xmllint.js";
import type { Clock } from "../../kernel/clock.js";
import { MINUTE_MS } from "../../kernel/time.js";
import { type ApiUnderTest, openApiUnderTest, TEST_PASSWORD } from "../../test/support/api-under-test.js";

const T0 = Date.UTC(2026, 11, 6, 2, 0, 0);
let now = T0;
const clock: Clock = { now: () => now };

describe("warnings in CAP 1.2", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let id: number;

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-warning-cap-");
    await api.fixture.registry.register([
      {
        id: "tn-wl-001",
        name: "Trạm Tân Ninh",
        kind: "water_level",
        area: "tan-ninh",
        areaName: "Phường Tân Ninh",
        lat: 11.31,
        lon: 106.1,
        metrics: ["water_level"],
      },
      {
        id: "tn-wl-002",
        name: "Trạm Gò Dầu",
        kind: "water_level",
        area: "go-dau",
        areaName: "Phường Gò Dầu",
        lat: 11.08,
        lon: 106.26,
        metrics: ["water_level"],
      },
    ]);
    app = await api.server();
    const agency = await api.agencies.create({
      code: "kttv",
      name: { vi: "Đài KTTV tỉnh Tây Ninh", en: "Tây Ninh Hydro-Meteorological Station" },
      hazards: ["flood"],
      communes: ["tan-ninh", "go-dau"],
      secondApproval: true,
    });
    if (!agency) throw new Error("agency not created");
    for (const [name, role] of [
      ["issuer", "issuer"],
      ["approver", "approver"],
    ] as const) {
      await api.accounts.create({ username: name, password: TEST_PASSWORD, role: "viewer" });
      await api.agencies.setMember(agency.id, name, role);
    }
    const drafted = await api.warnings.draft(
      agency.id,
      {
        hazard: "flood",
        level: 3,
        concurrentRaise: 0,
        communes: ["tan-ninh", "go-dau"],
        headline: { vi: 'Lũ "lớn" & nguy hiểm <sông>', en: "Major flood" },
        description: { vi: "Mực nước vượt báo động III.", en: "Water above alarm level III." },
        instruction: { vi: "Di dời lên nơi cao.", en: null },
        onset: T0,
        expires: T0 + 24 * 60 * MINUTE_MS,
        references: [],
      },
      "issuer",
    );
    if (!drafted.ok) throw new Error(drafted.message);
    id = drafted.warning.id;
  });

  afterAll(async () => {
    await api?.close();
  });

  const capOf = () => app.inject({ method: "GET", url: `/cap/alerts/warning-${id}.xml` });

  it("has no CAP message while a draft, then an Alert, an Update citing it and a Cancel citing both", async () => {
    expect((await capOf()).statusCode).toBe(404);
    expect((await api.warnings.publish(id, "approver")).ok).toBe(true);
    const alert = await capOf();
    expect(alert.statusCode).toBe(200);
    expect(alert.headers["content-type"]).toMatch(/application\/cap\+xml/);
    const first = alert.body;
    expect(await xmllint(first, CAP_XSD_PATH)).toEqual({ ok: true, report: "message.xml validates" });
    expect(first).toContain("<msgType>Alert</msgType>");
    expect(first).not.toContain("<references>");
    expect(first).toMatch(/<valueName>riskLevel<\/valueName>\s*<value>3<\/value>/);
    expect(first).toMatch(/<valueName>riskLevelColour<\/valueName>\s*<value>da cam<\/value>/);
    expect(first).toContain("<areaDesc>Phường Tân Ninh</areaDesc>");
    expect(first).toContain("<circle>11.31,106.1 5</circle>");
    expect(first).toContain("<language>en-US</language>");
    expect(first).toContain("&quot;lớn&quot; &amp; nguy hiểm &lt;sông&gt;");
    expect(first).toContain("<sent>2026-12-06T09:00:00+07:00</sent>");
    const firstId = /<identifier>([^<]+)<\/identifier>/.exec(first)?.[1];

    now += 10 * MINUTE_MS;
    const warning = await api.warnings.get(id);
    if (!warning) throw new Error("gone");
    const updated = await api.warnings.update(
      id,
      {
        hazard: "flood",
        level: 4,
        concurrentRaise: 0,
        communes: ["tan-ninh"],
        headline: warning.headline,
        description: warning.description,
        instruction: warning.instruction,
        onset: warning.onset,
        expires: warning.expires,
        references: [],
      } as never,
      "approver",
    );
    expect(updated.ok).toBe(true);
    const second = (await capOf()).body;
    expect((await xmllint(second, CAP_XSD_PATH)).ok).toBe(true);
    expect(second).toContain("<msgType>Update</msgType>");
    expect(second).toContain(
      `<references>quantrac@tayninh.test,${firstId},2026-12-06T09:00:00+07:00</references>`,
    );
    expect(second).toMatch(/<valueName>riskLevel<\/valueName>\s*<value>4<\/value>/);
    expect(second).not.toContain("Phường Gò Dầu");

    now += 10 * MINUTE_MS;
    expect((await api.warnings.cancel(id, "approver")).ok).toBe(true);
    const third = (await capOf()).body;
    expect((await xmllint(third, CAP_XSD_PATH)).ok).toBe(true);
    expect(third).toContain("<msgType>Cancel</msgType>");
    expect(third).toContain("<responseType>AllClear</responseType>");
    expect(/<references>([^<]+)<\/references>/.exec(third)?.[1]?.split(" ")).toHaveLength(2);
  });

  it("lists the warning in the Atom feed, for its commune only, linking to its CAP message", async () => {
    const feed = await app.inject({ method: "GET", url: "/cap/alerts.atom?area=tan-ninh" });
    expect(feed.statusCode).toBe(200);
    expect(feed.body).toContain(`/cap/alerts/warning-${id}.xml`);
    expect((await xmllint(feed.body)).ok).toBe(true);
    const elsewhere = await app.inject({ method: "GET", url: "/cap/alerts.atom?area=duc-hoa" });
    expect(elsewhere.body).not.toContain("warning-");
    // The alerts' own route is still there beside it.
    expect((await app.inject({ method: "GET", url: "/cap/alerts/12345.xml" })).statusCode).toBe(404);
    expect((await app.inject({ method: "GET", url: "/cap/alerts/warning-abc.xml" })).statusCode).toBe(400);
  });
});
