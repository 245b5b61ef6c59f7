/**
 * The warning network's routes over the real API server (access control, zod, error replies,
 * SQLite): who may draft, publish, update and cancel, garbage bodies, residents' copy, audit.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlertRulesRepository } from "../../alerts/store/alert-rules-repository.js";
import type { Clock } from "../../kernel/clock.js";
import { HOUR_MS } from "../../kernel/time.js";
import { alertServiceFor } from "../../test/support/alert-service.js";
import {
  ACCESS_TOKEN_TTL_S,
  type ApiUnderTest,
  openApiUnderTest,
  TEST_PASSWORD,
} from "../../test/support/api-under-test.js";
import { openTestAlert } from "../../test/support/open-test-alert.js";

const T0 = Date.UTC(2026, 11, 6, 2, 0, 0);
let now = T0;
const clock: Clock = { now: () => now };

const STATIONS = [
  { id: "tn-wl-001", area: "tan-ninh", areaName: "Phường Tân Ninh", lat: 11.31, lon: 106.1 },
  { id: "tn-wl-002", area: "go-dau", areaName: "Phường Gò Dầu", lat: 11.08, lon: 106.26 },
  { id: "tn-wl-003", area: "duc-hoa", areaName: "Xã Đức Hòa", lat: 10.88, lon: 106.42 },
];

const floodDraft = (agencyId: number, extra: Record<string, unknown> = {}) => ({
  agencyId,
  hazard: "flood",
  level: 3,
  communes: ["tan-ninh", "go-dau"],
  headline: { vi: "Lũ trên sông Vàm Cỏ Đông", en: "Flood on the Vàm Cỏ Đông" },
  description: { vi: "Mực nước lên nhanh, có thể vượt báo động III trong 12 giờ tới." },
  instruction: { vi: "Di dời người và tài sản lên nơi cao." },
  onset: "2026-12-06T10:00:00+07:00",
  expires: "2026-12-07T10:00:00+07:00",
  ...extra,
});

describe("warning routes", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let admin: Record<string, string>;
  let operator: Record<string, string>;
  const as: Record<string, Record<string, string>> = {};
  let kttv: number;
  let snn: number;

  async function user(username: string) {
    await api.accounts.create({ username, password: TEST_PASSWORD, role: "viewer" });
    const token = app.jwt.sign(
      { sub: username, role: "viewer", typ: "access" },
      { expiresIn: ACCESS_TOKEN_TTL_S, clockTimestamp: now },
    );
    as[username] = { authorization: `Bearer ${token}` };
  }

  const call = (
    method: "GET" | "POST" | "PUT" | "DELETE",
    url: string,
    who: Record<string, string>,
    payload?: unknown,
  ) =>
    app.inject({
      method,
      url,
      headers: who,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  const post = (url: string, who: string, payload?: unknown) => call("POST", url, as[who] ?? {}, payload);

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-warnings-");
    await api.fixture.registry.register(
      STATIONS.map((s) => ({ ...s, name: `Trạm ${s.id}`, kind: "water_level", metrics: ["water_level"] })),
    );
    app = await api.server();
    admin = await api.headersFor("admin");
    operator = await api.headersFor("operator");
    for (const name of ["kttv-issuer", "kttv-approver", "kttv-approver-2", "snn-issuer", "snn-approver"]) {
      await user(name);
    }
    const created = await call("POST", "/api/v1/agencies", admin, {
      code: "kttv-tay-ninh",
      name: { vi: "Đài Khí tượng Thủy văn tỉnh Tây Ninh" },
      hazards: ["flood", "heavy_rain"],
      communes: ["tan-ninh", "go-dau"],
    });
    expect(created.statusCode, created.body).toBe(201);
    kttv = created.json().id;
    expect(created.json().secondApproval).toBe(true);
    snn = (
      await call("POST", "/api/v1/agencies", admin, {
        code: "snn-mt",
        name: { vi: "Sở Nông nghiệp và Môi trường", en: "Department of Agriculture and Environment" },
        hazards: ["air_pollution"],
        communes: ["tan-ninh", "duc-hoa"],
        secondApproval: false,
      })
    ).json().id;
    const members: [number, string, string][] = [
      [kttv, "kttv-issuer", "issuer"],
      [kttv, "kttv-approver", "approver"],
      [kttv, "kttv-approver-2", "approver"],
      [snn, "snn-issuer", "issuer"],
      [snn, "snn-approver", "approver"],
    ];
    for (const [agency, username, role] of members) {
      const response = await call("PUT", `/api/v1/agencies/${agency}/members/${username}`, admin, { role });
      expect(response.statusCode, response.body).toBe(200);
    }
  });

  afterAll(async () => {
    await api?.close();
  });

  it("lets only an admin manage agencies, and checks every agency body", async () => {
    const body = {
      code: "bch-pt",
      name: { vi: "Ban Chỉ huy Phòng thủ dân sự" },
      hazards: ["storm"],
      communes: ["tan-ninh"],
    };
    expect((await call("POST", "/api/v1/agencies", operator, body)).statusCode).toBe(403);
    expect((await call("GET", "/api/v1/agencies", as["kttv-approver"] ?? {})).statusCode).toBe(403);
    const garbage: [unknown, RegExp][] = [
      [{ ...body, code: "BCH PT" }, /code/],
      [{ ...body, hazards: ["tsunami"] }, /hazard/],
      [{ ...body, hazards: [] }, /ít nhất một loại thiên tai/],
      [{ ...body, communes: [] }, /ít nhất một xã/],
      [{ ...body, communes: ["không-có"] }, /commune/],
      [{ ...body, name: { vi: "" } }, /tên tiếng Việt/],
      [{ ...body, secondApproval: "yes" }, /secondApproval/],
      [{ ...body, extra: 1 }, /extra|unrecognized/i],
      ["not json at all", /JSON|body/],
    ];
    for (const [payload, message] of garbage) {
      const response = await app.inject({
        method: "POST",
        url: "/api/v1/agencies",
        headers: { ...admin, "content-type": "application/json" },
        payload: typeof payload === "string" ? payload : JSON.stringify(payload),
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error).toBe("bad_request");
      expect(response.json().message).toMatch(message);
    }
    const unknownCommune = await call("POST", "/api/v1/agencies", admin, { ...body, communes: ["vung-tau"] });
    expect(unknownCommune.statusCode).toBe(400);
    expect(unknownCommune.json().message).toMatch(/vung-tau/);
    expect(
      (await call("POST", "/api/v1/agencies", admin, { ...body, code: "kttv-tay-ninh" })).statusCode,
    ).toBe(409);
    expect(
      (await call("PUT", `/api/v1/agencies/${kttv}/members/nobody`, admin, { role: "issuer" })).statusCode,
    ).toBe(404);
    expect(
      (await call("PUT", `/api/v1/agencies/${kttv}/members/snn-issuer`, admin, { role: "boss" })).statusCode,
    ).toBe(400);
    const list = (await call("GET", "/api/v1/agencies", admin)).json().agencies;
    expect(list.map((a: { code: string }) => a.code)).toEqual(["kttv-tay-ninh", "snn-mt"]);
  });

  it("drafts, refuses the wrong people, publishes by a second approver, and shows residents the right communes", async () => {
    const drafted = await post("/api/v1/warnings", "kttv-issuer", floodDraft(kttv));
    expect(drafted.statusCode, drafted.body).toBe(201);
    const { id, state, warning } = drafted.json();
    expect(state).toBe("draft");
    expect((await call("GET", `/api/v1/warnings/${id}/channel-texts`, operator)).statusCode).toBe(409);
    expect(warning.level).toBe(3);
    expect(warning.levelInfo.colour.vi).toBe("da cam");
    expect(warning.onset).toBe("2026-12-06T03:00:00.000Z");

    // Another agency's people, and accounts of no agency whatever their role, cannot touch it.
    expect((await post("/api/v1/warnings", "snn-issuer", floodDraft(kttv))).statusCode).toBe(403);
    expect((await post(`/api/v1/warnings/${id}/publish`, "snn-approver")).statusCode).toBe(403);
    expect((await post(`/api/v1/warnings/${id}/cancel`, "snn-approver")).statusCode).toBe(403);
    expect(
      (
        await call(
          "PUT",
          `/api/v1/warnings/${id}`,
          as["snn-issuer"] ?? {},
          floodDraft(kttv, { agencyId: undefined }),
        )
      ).statusCode,
    ).toBe(403);
    expect((await call("POST", `/api/v1/warnings/${id}/publish`, admin)).statusCode).toBe(403);
    expect((await call("POST", `/api/v1/warnings/${id}/publish`, operator)).statusCode).toBe(403);
    // The issuer cannot publish at all.
    const byIssuer = await post(`/api/v1/warnings/${id}/publish`, "kttv-issuer");
    expect(byIssuer.statusCode).toBe(403);
    expect(byIssuer.json().message).toMatch(/người phê duyệt/);

    // An approver who last edited the draft is not the second person.
    const { agencyId: _a, ...content } = floodDraft(kttv);
    const edited = await call("PUT", `/api/v1/warnings/${id}`, as["kttv-approver"] ?? {}, content);
    expect(edited.statusCode, edited.body).toBe(200);
    const ownPublish = await post(`/api/v1/warnings/${id}/publish`, "kttv-approver");
    expect(ownPublish.statusCode).toBe(403);
    expect(ownPublish.json().message).toMatch(/người thứ hai/);

    const published = await post(`/api/v1/warnings/${id}/publish`, "kttv-approver-2");
    expect(published.statusCode, published.body).toBe(200);
    expect(published.json().state).toBe("published");
    expect(published.json().warning.publishedBy).toBe("kttv-approver-2");
    expect((await post(`/api/v1/warnings/${id}/publish`, "kttv-approver-2")).statusCode).toBe(409);

    const forTanNinh = (
      await app.inject({ method: "GET", url: "/api/v1/public/warnings?area=tan-ninh" })
    ).json();
    expect(forTanNinh.warnings.map((w: { id: number }) => w.id)).toEqual([id]);
    expect(forTanNinh.warnings[0].level).toBe(3);
    expect(forTanNinh.warnings[0].headline.vi).toBe("Lũ trên sông Vàm Cỏ Đông");
    expect(forTanNinh.warnings[0].levelInfo.name.vi).toBe("Cấp độ 3 – rủi ro lớn");
    // Residents never see the staff's names.
    expect(JSON.stringify(forTanNinh)).not.toMatch(/kttv-(issuer|approver)/);
    const forDucHoa = (
      await app.inject({ method: "GET", url: "/api/v1/public/warnings?area=duc-hoa" })
    ).json();
    expect(forDucHoa.warnings).toEqual([]);

    // The brand-name SMS, per commune: ASCII, ≤ 160 characters, the level and the commune in it.
    const sms = (await call("GET", `/api/v1/warnings/${id}/channel-texts`, operator)).json();
    expect(sms.texts.map((t: { commune: string }) => t.commune)).toEqual(["go-dau", "tan-ninh"]);
    for (const text of sms.texts as { name: string; sms: string[]; loudspeaker: string }[]) {
      expect(text.loudspeaker).toContain(`Cảnh báo lũ tại ${text.name}, cấp độ rủi ro 3 – rủi ro lớn.`);
      expect(text.loudspeaker).toContain("Xin nhắc lại:");
      for (const part of text.sms) {
        expect(part.length).toBeLessThanOrEqual(160);
        expect(part).toMatch(/^[\x20-\x7e]+$/);
      }
      expect(text.sms.join(" ")).toMatch(/CANH BAO CAP 3/);
    }
    expect(sms.texts[1].sms.join(" ")).toContain("tai Phuong Tan Ninh");

    // Update (approver), then cancel (an issuer may not; an approver may).
    const updated = await post(`/api/v1/warnings/${id}/update`, "kttv-approver", { ...content, level: 4 });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json().warning.version).toBe(2);
    expect(updated.json().warning.levelInfo.colour.en).toBe("red");
    expect((await post(`/api/v1/warnings/${id}/update`, "kttv-issuer", content)).statusCode).toBe(403);
    expect((await post(`/api/v1/warnings/${id}/cancel`, "kttv-issuer")).statusCode).toBe(403);
    const cancelled = await post(`/api/v1/warnings/${id}/cancel`, "kttv-approver");
    expect(cancelled.json().state).toBe("cancelled");
    expect(
      (await app.inject({ method: "GET", url: "/api/v1/public/warnings?area=tan-ninh" })).json().warnings,
    ).toEqual([]);

    const detail = (await call("GET", `/api/v1/warnings/${id}`, as["snn-issuer"] ?? {})).json();
    expect(detail.events.map((e: { kind: string }) => e.kind)).toEqual([
      "drafted",
      "edited",
      "published",
      "updated",
      "cancelled",
    ]);
    const audit = await api.audit.query({ limit: 100 });
    const steps = audit.filter((e) => e.target === `warning:${id}`).map((e) => `${e.actor} ${e.action}`);
    expect(steps.reverse()).toEqual([
      "kttv-issuer warning.draft",
      "kttv-approver warning.edit",
      "kttv-approver-2 warning.publish",
      "kttv-approver warning.update",
      "kttv-approver warning.cancel",
    ]);
  });

  it("keeps drafts within the agency's hazards and communes", async () => {
    const wrongHazard = await post(
      "/api/v1/warnings",
      "kttv-issuer",
      floodDraft(kttv, { hazard: "air_pollution" }),
    );
    expect(wrongHazard.statusCode).toBe(403);
    expect(wrongHazard.json().message).toMatch(/không được cảnh báo/);
    const wrongCommune = await post(
      "/api/v1/warnings",
      "kttv-issuer",
      floodDraft(kttv, { communes: ["duc-hoa"] }),
    );
    expect(wrongCommune.statusCode).toBe(403);
    expect(wrongCommune.json().message).toMatch(/duc-hoa/);
    expect((await post("/api/v1/warnings", "kttv-issuer", floodDraft(999))).statusCode).toBe(404);
  });

  it("answers garbage with 400 naming the field, and stores nothing", async () => {
    const before = (await call("GET", "/api/v1/warnings?state=draft", admin)).json().warnings.length;
    const cases: [unknown, RegExp][] = [
      [{ ...floodDraft(kttv), level: 6 }, /level/],
      [{ ...floodDraft(kttv), level: "3" }, /level/],
      [{ ...floodDraft(kttv), concurrentRaise: 3 }, /concurrentRaise/],
      [{ ...floodDraft(kttv), hazard: "zombies" }, /hazard/],
      [{ ...floodDraft(kttv), communes: [], polygon: undefined }, /ít nhất một xã/],
      [{ ...floodDraft(kttv), communes: ["Tân Ninh"] }, /commune/],
      [{ ...floodDraft(kttv), headline: { vi: "" } }, /headline/],
      [{ ...floodDraft(kttv), headline: "Lũ" }, /headline/],
      [{ ...floodDraft(kttv), headline: { vi: "x".repeat(161) } }, /160/],
      [{ ...floodDraft(kttv), onset: "tomorrow" }, /onset/],
      [{ ...floodDraft(kttv), onset: "2026-12-06T10:00:00" }, /onset/],
      [{ ...floodDraft(kttv), expires: "2026-12-06T09:00:00+07:00" }, /expires/],
      [{ ...floodDraft(kttv), polygon: [[106, 11]] }, /polygon/],
      [
        {
          ...floodDraft(kttv),
          polygon: [
            [500, 11],
            [1, 1],
            [2, 2],
          ],
        },
        /polygon/,
      ],
      [{ ...floodDraft(kttv), references: [{ alertId: -1 }] }, /references/],
      [{ ...floodDraft(kttv), agencyId: "kttv" }, /agencyId/],
      [{ ...floodDraft(kttv), sneaky: true }, /sneaky|unrecognized/i],
      [[], /body/],
      [null, /body/],
    ];
    for (const [payload, message] of cases) {
      const response = await post("/api/v1/warnings", "kttv-issuer", payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error).toBe("bad_request");
      expect(response.json().message, JSON.stringify(payload)).toMatch(message);
    }
    for (const query of ["state=gone", "agency=x", "commune=%20", "limit=0", "bogus=1"]) {
      expect((await call("GET", `/api/v1/warnings?${query}`, admin)).statusCode, query).toBe(400);
    }
    expect((await app.inject({ method: "GET", url: "/api/v1/public/warnings?area=A%20B" })).statusCode).toBe(
      400,
    );
    expect((await post("/api/v1/warnings/abc/publish", "kttv-approver")).statusCode).toBe(400);
    expect((await post("/api/v1/warnings/from-alert", "kttv-issuer", { alertId: "1" })).statusCode).toBe(400);
    const after = (await call("GET", "/api/v1/warnings?state=draft", admin)).json().warnings.length;
    expect(after).toBe(before);
  });

  it("lets an approver publish alone where the agency turned the second person off", async () => {
    const draft = await post("/api/v1/warnings", "snn-approver", {
      ...floodDraft(snn),
      hazard: "air_pollution",
      level: 2,
      concurrentRaise: 2,
      communes: ["duc-hoa"],
    });
    expect(draft.statusCode, draft.body).toBe(201);
    expect(draft.json().warning.level).toBe(4);
    const published = await post(`/api/v1/warnings/${draft.json().id}/publish`, "snn-approver");
    expect(published.statusCode, published.body).toBe(200);
    // A second draft with a raise past 5 stays at 5.
    const capped = await post("/api/v1/warnings", "snn-issuer", {
      ...floodDraft(snn),
      hazard: "air_pollution",
      level: 4,
      concurrentRaise: 2,
      communes: ["duc-hoa"],
    });
    expect(capped.json().warning.level).toBe(5);
    expect(capped.json().warning.levelInfo.colour.vi).toBe("tím");
    // The issuer may discard a draft of their agency.
    const discarded = await post(`/api/v1/warnings/${capped.json().id}/cancel`, "snn-issuer");
    expect(discarded.json().state).toBe("cancelled");
    const events = (await call("GET", `/api/v1/warnings/${capped.json().id}`, admin)).json().events;
    expect(events.map((e: { kind: string }) => e.kind)).toEqual(["drafted", "discarded"]);
  });

  it("selects the communes whose stations a drawn polygon covers", async () => {
    // Around Tân Ninh (106.1, 11.31) and Gò Dầu (106.26, 11.08), not Đức Hòa (106.42, 10.88).
    const polygon = [
      [106.0, 11.4],
      [106.35, 11.4],
      [106.35, 11.0],
      [106.0, 11.0],
    ];
    const drafted = await post(
      "/api/v1/warnings",
      "kttv-issuer",
      floodDraft(kttv, { communes: [], polygon }),
    );
    expect(drafted.statusCode, drafted.body).toBe(201);
    expect(drafted.json().warning.communes).toEqual(["go-dau", "tan-ninh"]);
  });

  it("turns an active sensor alert into a prefilled draft that cites it", async () => {
    const rules = createAlertRulesRepository(api.fixture.metadata, clock);
    const opened = await openTestAlert({ rules, alerts: alertServiceFor(api.fixture.metadata, clock) }, now, {
      area: "tan-ninh",
    });
    const prefilled = await post("/api/v1/warnings/from-alert", "snn-issuer", {
      alertId: opened.alertId,
      agencyId: snn,
    });
    expect(prefilled.statusCode, prefilled.body).toBe(201);
    const warning = prefilled.json().warning;
    expect(warning.state).toBe("draft");
    expect(warning.hazard).toBe("air_pollution");
    expect(warning.communes).toEqual(["tan-ninh"]);
    expect(warning.references).toEqual([{ kind: "alert", alertId: opened.alertId }]);
    expect(warning.headline.vi).toBe("Bụi PM2.5 cao");
    expect(
      (await post("/api/v1/warnings/from-alert", "kttv-issuer", { alertId: opened.alertId, agencyId: snn }))
        .statusCode,
    ).toBe(403);
    expect(
      (await post("/api/v1/warnings/from-alert", "snn-issuer", { alertId: 99999, agencyId: snn })).statusCode,
    ).toBe(404);
  });

  it("expires a published warning at its expiry time", async () => {
    const drafted = await post("/api/v1/warnings", "kttv-issuer", floodDraft(kttv, { communes: ["go-dau"] }));
    const id = drafted.json().id;
    expect((await post(`/api/v1/warnings/${id}/publish`, "kttv-approver")).statusCode).toBe(200);
    const inForce = () => app.inject({ method: "GET", url: "/api/v1/public/warnings?area=go-dau" });
    expect((await inForce()).json().warnings.map((w: { id: number }) => w.id)).toContain(id);
    now = Date.parse("2026-12-07T10:00:00+07:00") + HOUR_MS;
    try {
      expect((await inForce()).json().warnings).toEqual([]);
      const expired = await api.warnings.expireDue();
      expect(expired.map((e) => [e.warningId, e.kind])).toContainEqual([id, "expired"]);
      expect((await api.warnings.get(id))?.state).toBe("expired");
      expect(await api.warnings.expireDue()).toEqual([]);
    } finally {
      now = T0;
    }
  });
});
