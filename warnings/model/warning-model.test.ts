import { describe, expect, it } from "vitest";
import type { Agency } from "./agency.js";
import { asciiFold, SMS_MAX_CHARS, smsTexts, splitSms } from "./channel-texts.js";
import { communesInPolygon } from "./prefill.js";
import { effectiveRiskLevel, RISK_LEVEL_INFO } from "./risk-level.js";
import type { Warning, WarningContent } from "./warning.js";
import { decideDraft, decideExpiry, decidePublish } from "./warning-lifecycle.js";

const agency: Agency = {
  id: 1,
  code: "kttv",
  name: { vi: "Đài KTTV", en: null },
  hazards: ["flood"],
  communes: ["tan-ninh", "go-dau"],
  secondApproval: true,
  members: [
    { username: "an", role: "issuer" },
    { username: "binh", role: "approver" },
    { username: "chi", role: "approver" },
  ],
};

const content: WarningContent = {
  hazard: "flood",
  baseLevel: 3,
  concurrentRaise: 0,
  communes: ["go-dau", "tan-ninh"],
  headline: { vi: "Lũ lớn trên sông Vàm Cỏ Đông, nước dâng nhanh", en: null },
  description: { vi: "Mực nước vượt báo động III.", en: null },
  instruction: { vi: "Di dời người và tài sản lên nơi cao; không đi qua đoạn đường ngập sâu.", en: null },
  onset: Date.UTC(2026, 11, 6, 3),
  expires: Date.UTC(2026, 11, 7, 3),
  references: [],
};

const NOW = Date.UTC(2026, 11, 6, 2);

function drafted(by: string): Warning {
  const decision = decideDraft(agency, content, by, NOW);
  if (!decision.ok) throw new Error(decision.message);
  return { ...decision.warning, id: 7 };
}

describe("risk levels (Decision 18/2021/QĐ-TTg, Art. 4)", () => {
  it("names and colours the five levels", () => {
    expect([1, 2, 3, 4, 5].map((l) => RISK_LEVEL_INFO[l as 1].colour.vi)).toEqual([
      "xanh dương nhạt",
      "vàng nhạt",
      "da cam",
      "đỏ",
      "tím",
    ]);
    expect(RISK_LEVEL_INFO[5].name.en).toBe("Level 5 – disaster");
  });

  it("raises the level by one or two for concurrent hazards, never above 5", () => {
    expect(effectiveRiskLevel(2, 1)).toBe(3);
    expect(effectiveRiskLevel(3, 2)).toBe(5);
    expect(effectiveRiskLevel(4, 2)).toBe(5);
    expect(effectiveRiskLevel(5, 0)).toBe(5);
  });
});

describe("warning lifecycle", () => {
  it("refuses drafts from outsiders and outside the agency's remit", () => {
    expect(decideDraft(agency, content, "stranger", NOW)).toMatchObject({ ok: false, reason: "forbidden" });
    expect(decideDraft(agency, { ...content, hazard: "heat" }, "an", NOW)).toMatchObject({
      ok: false,
      reason: "forbidden",
    });
    expect(decideDraft(agency, { ...content, communes: ["duc-hoa"] }, "an", NOW)).toMatchObject({
      ok: false,
    });
  });

  it("publishes only by an approver who is a second person, when the agency asks for one", () => {
    expect(decidePublish(drafted("an"), agency, "an", NOW)).toMatchObject({ ok: false, reason: "forbidden" });
    expect(decidePublish(drafted("binh"), agency, "binh", NOW)).toMatchObject({
      ok: false,
      reason: "forbidden",
    });
    expect(decidePublish(drafted("binh"), agency, "chi", NOW)).toMatchObject({
      ok: true,
      event: { kind: "published" },
    });
    const alone = { ...agency, secondApproval: false };
    expect(decidePublish(drafted("binh"), alone, "binh", NOW)).toMatchObject({ ok: true });
    expect(decidePublish(drafted("an"), agency, "chi", content.expires)).toMatchObject({
      ok: false,
      reason: "conflict",
    });
  });

  it("expires a published warning at its expiry, and nothing else", () => {
    const published = decidePublish(drafted("an"), agency, "chi", NOW);
    if (!published.ok) throw new Error(published.message);
    const warning = { ...published.warning, id: 7 };
    expect(decideExpiry(warning, content.expires - 1)).toBeUndefined();
    expect(decideExpiry(warning, content.expires)).toMatchObject({ ok: true, warning: { state: "expired" } });
    expect(decideExpiry(drafted("an"), content.expires + 1)).toBeUndefined();
  });
});

describe("SMS texts", () => {
  it("folds Vietnamese to ASCII", () => {
    expect(asciiFold("Đài Khí tượng Thủy văn – cấp độ 3 “da cam”")).toBe(
      'Dai Khi tuong Thuy van - cap do 3 "da cam"',
    );
  });

  it("says the commune and the level in ASCII, at most 160 characters a message, numbered when split", () => {
    const warning = { ...drafted("an"), state: "published" as const, version: 1 };
    const texts = smsTexts("published", warning, "Phường Tân Ninh");
    expect(texts.length).toBeGreaterThan(1);
    for (const text of texts) {
      expect(text.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
      expect(text).toMatch(/^[\x20-\x7e]+$/);
    }
    expect(texts[0]).toMatch(/^\(1\/\d\) CANH BAO CAP 3 \(rui ro lon\) Lu tai Phuong Tan Ninh:/);
    expect(texts.map((t) => t.replace(/^\(\d\/\d\) /, "")).join(" ")).toContain(
      "Tu 10:00 06/12 den 10:00 07/12",
    );
    expect(smsTexts("expired", warning, "Phường Tân Ninh")).toEqual([]);
  });

  it("keeps a short text whole and cuts an overlong word", () => {
    expect(splitSms("ngan gon")).toEqual(["ngan gon"]);
    const parts = splitSms("x".repeat(400));
    expect(parts.every((p) => p.length <= 160)).toBe(true);
    expect(parts.map((p) => p.replace(/^\(\d\/\d\) /, "")).join("")).toBe("x".repeat(400));
  });
});

describe("polygon selection", () => {
  it("selects the communes whose centroid lies inside", () => {
    const square: [number, number][] = [
      [106, 11],
      [106.3, 11],
      [106.3, 11.4],
      [106, 11.4],
    ];
    const communes = [
      { code: "tan-ninh", lat: 11.31, lon: 106.1 },
      { code: "duc-hoa", lat: 10.88, lon: 106.42 },
      { code: "go-dau", lat: 11.08, lon: 106.26 },
    ];
    expect(communesInPolygon(square, communes)).toEqual(["go-dau", "tan-ninh"]);
  });
});
