import { describe, expect, it } from "vitest";
import { isMetricKey, METRIC_DEFINITIONS, METRIC_KEYS, metricDefinition } from "../../kernel/catalogue.js";
import {
  DEAD_LETTER_PAYLOAD_BYTES,
  EARLIEST_TIMESTAMP_MS,
  MAX_ENTRIES_PER_MESSAGE,
  MAX_FUTURE_SKEW_MS,
} from "../../kernel/limits.js";
import { REJECTION_REASONS } from "../../kernel/rejections.js";
import { type ParsedReadingsMessage, parseReadingsMessage } from "./readings-message.js";

// 15:00 in Tây Ninh (UTC+07:00) on 21 November 2026.
const RECEIVED_AT = Date.UTC(2026, 10, 21, 8, 0, 0);
const DEVICE = "tn-air-001";
const MAX_PAYLOAD = 1024 * 1024;

const encoder = new TextEncoder();

function parseText(
  text: string,
  options: { deviceId?: string; maxPayloadBytes?: number } = {},
): ParsedReadingsMessage {
  return parseBytes(encoder.encode(text), options);
}

function parseBytes(
  payload: Uint8Array,
  options: { deviceId?: string; maxPayloadBytes?: number } = {},
): ParsedReadingsMessage {
  return parseReadingsMessage({
    deviceId: options.deviceId ?? DEVICE,
    payload,
    receivedAt: RECEIVED_AT,
    maxPayloadBytes: options.maxPayloadBytes ?? MAX_PAYLOAD,
  });
}

const parseJson = (body: unknown, options?: { deviceId?: string; maxPayloadBytes?: number }) =>
  parseText(JSON.stringify(body), options);

const reasonsOf = (result: ParsedReadingsMessage) => result.rejections.map((r) => r.reason);

describe("parseReadingsMessage: accepted messages", () => {
  it("stores every value of a single object", () => {
    const ts = RECEIVED_AT - 60_000;
    const result = parseJson({ ts, values: { pm25: 35.2, temperature: 31.4 } });
    expect(result.rejections).toEqual([]);
    expect(result.readings).toEqual([
      { deviceId: DEVICE, metric: "pm25", ts, value: 35.2 },
      { deviceId: DEVICE, metric: "temperature", ts, value: 31.4 },
    ]);
  });

  it("stores a backlog array with past timestamps in order", () => {
    const hour = 3_600_000;
    const backlog = [3, 2, 1].map((h, i) => ({ ts: RECEIVED_AT - h * hour, values: { humidity: 70 + i } }));
    const result = parseJson(backlog);
    expect(result.rejections).toEqual([]);
    expect(result.readings).toEqual([
      { deviceId: DEVICE, metric: "humidity", ts: RECEIVED_AT - 3 * hour, value: 70 },
      { deviceId: DEVICE, metric: "humidity", ts: RECEIVED_AT - 2 * hour, value: 71 },
      { deviceId: DEVICE, metric: "humidity", ts: RECEIVED_AT - 1 * hour, value: 72 },
    ]);
  });

  it("stamps a reading without ts with the receive time", () => {
    const result = parseJson({ values: { noise: 55.5 } });
    expect(result.rejections).toEqual([]);
    expect(result.readings).toEqual([{ deviceId: DEVICE, metric: "noise", ts: RECEIVED_AT, value: 55.5 }]);
  });

  it("reads ISO 8601 timestamps with a +07:00 offset and with Z", () => {
    const local = parseJson({ ts: "2026-11-21T14:30:00+07:00", values: { pm10: 40 } });
    expect(local.rejections).toEqual([]);
    expect(local.readings[0]?.ts).toBe(Date.UTC(2026, 10, 21, 7, 30, 0));

    const utc = parseJson({ ts: "2026-11-21T07:30:00.250Z", values: { pm10: 40 } });
    expect(utc.rejections).toEqual([]);
    expect(utc.readings[0]?.ts).toBe(Date.UTC(2026, 10, 21, 7, 30, 0, 250));
  });

  it("accepts exactly 2000-01-01 and a timestamp exactly 5 minutes ahead", () => {
    const earliest = parseJson({ ts: EARLIEST_TIMESTAMP_MS, values: { pm25: 1 } });
    expect(earliest.rejections).toEqual([]);
    expect(earliest.readings[0]?.ts).toBe(Date.UTC(2000, 0, 1));

    const ahead = parseJson({ ts: RECEIVED_AT + 5 * 60_000, values: { pm25: 1 } });
    expect(MAX_FUTURE_SKEW_MS).toBe(5 * 60_000);
    expect(ahead.rejections).toEqual([]);
    expect(ahead.readings[0]?.ts).toBe(RECEIVED_AT + 5 * 60_000);
  });

  it("accepts exactly 1000 entries", () => {
    const entries = Array.from({ length: MAX_ENTRIES_PER_MESSAGE }, (_, i) => ({
      ts: RECEIVED_AT - (i + 1) * 1000,
      values: { pm25: i % 500 },
    }));
    const result = parseJson(entries);
    expect(MAX_ENTRIES_PER_MESSAGE).toBe(1000);
    expect(result.rejections).toEqual([]);
    expect(result.readings).toHaveLength(1000);
    expect(result.readings[999]).toEqual({
      deviceId: DEVICE,
      metric: "pm25",
      ts: RECEIVED_AT - 1_000_000,
      value: 499,
    });
  });

  it("accepts a payload of exactly maxPayloadBytes", () => {
    const text = JSON.stringify({ values: { pm25: 12 } });
    const padded = text.padEnd(100, " ");
    const result = parseText(padded, { maxPayloadBytes: 100 });
    expect(result.rejections).toEqual([]);
    expect(result.readings).toHaveLength(1);
  });
});

describe("parseReadingsMessage: timestamps refused", () => {
  it.each([
    ["no offset", "2026-11-21T14:30:00"],
    ["date only", "2026-11-21"],
    ["not a date", "yesterday"],
    ["empty", ""],
    ["offset out of range", "2026-11-21T14:30:00+25:00"],
  ])("refuses an ISO string with %s", (_label, ts) => {
    const result = parseJson({ ts, values: { pm25: 10 } });
    expect(result.readings).toEqual([]);
    expect(reasonsOf(result)).toEqual(["invalid_timestamp"]);
  });

  it("refuses a calendar date that does not exist instead of rolling it over", () => {
    // 30 February would otherwise be silently stored as 2 March.
    const result = parseJson({ ts: "2026-02-30T08:00:00Z", values: { pm25: 10 } });
    expect(result.readings).toEqual([]);
    expect(reasonsOf(result)).toEqual(["invalid_timestamp"]);
  });

  it("refuses timestamps before 2000 (an unset device clock)", () => {
    for (const ts of [Date.UTC(1999, 11, 31, 23, 59, 59, 999), 0, -1, "1999-12-31T23:59:59Z"]) {
      const result = parseJson({ ts, values: { pm25: 10 } });
      expect(result.readings, String(ts)).toEqual([]);
      expect(reasonsOf(result), String(ts)).toEqual(["invalid_timestamp"]);
    }
  });

  it("refuses a timestamp 5 minutes and 1 ms in the future", () => {
    const result = parseJson({ ts: RECEIVED_AT + 5 * 60_000 + 1, values: { pm25: 10 } });
    expect(result.readings).toEqual([]);
    expect(reasonsOf(result)).toEqual(["future_timestamp"]);
    expect(result.rejections[0]?.message).toMatch(/future/);
  });

  it("refuses a non-finite numeric timestamp", () => {
    const result = parseText('{"ts": 1e400, "values": {"pm25": 10}}');
    expect(result.readings).toEqual([]);
    expect(result.rejections).toHaveLength(1);
    expect(result.rejections[0]?.reason).toBe("invalid_timestamp");
    expect(result.rejections[0]?.message).toMatch(/^ts\b/);
  });

  it.each([
    ["a boolean", true],
    ["null", null],
    ["an object", { at: 1 }],
  ])("refuses %s as ts, naming its type", (_label, ts) => {
    const result = parseJson({ ts, values: { pm25: 1 } });
    expect(result.readings).toEqual([]);
    expect(reasonsOf(result)).toEqual(["invalid_timestamp"]);
    expect(result.rejections[0]?.message).toMatch(/^ts must be a number or a string/);
  });

  it("refuses a __proto__ metric key as unknown and keeps its neighbours", () => {
    const result = parseText('{"values": {"__proto__": 5, "pm25": 3}}');
    expect(result.readings).toEqual([{ deviceId: DEVICE, metric: "pm25", ts: RECEIVED_AT, value: 3 }]);
    expect(reasonsOf(result)).toEqual(["unknown_metric"]);
    expect(result.rejections[0]?.metric).toBe("__proto__");
  });
});

describe("parseReadingsMessage: values refused", () => {
  it("refuses an unknown metric but stores its valid siblings", () => {
    const ts = RECEIVED_AT - 1000;
    const result = parseJson({ ts, values: { pm25: 10, radon: 3, humidity: 70 } });
    expect(result.readings).toEqual([
      { deviceId: DEVICE, metric: "pm25", ts, value: 10 },
      { deviceId: DEVICE, metric: "humidity", ts, value: 70 },
    ]);
    expect(result.rejections).toHaveLength(1);
    const [rejection] = result.rejections;
    expect(rejection?.reason).toBe("unknown_metric");
    expect(rejection?.metric).toBe("radon");
    expect(rejection?.message).toContain("radon");
    expect(rejection?.entryIndex).toBeUndefined();
    // The dead letter keeps only the offending value, with the resolved timestamp.
    expect(JSON.parse(rejection?.payload ?? "")).toEqual({ ts, values: { radon: 3 } });
  });

  it("refuses inherited property names as metrics", () => {
    const result = parseText('{"values": {"constructor": 1, "toString": 2, "hasOwnProperty": 3, "pm25": 4}}');
    expect(result.readings).toEqual([{ deviceId: DEVICE, metric: "pm25", ts: RECEIVED_AT, value: 4 }]);
    expect(reasonsOf(result)).toEqual(["unknown_metric", "unknown_metric", "unknown_metric"]);
  });

  it.each([
    ["the string '35'", "35"],
    ["null", null],
    ["true", true],
    ["an object", { v: 35 }],
    ["an array", [35]],
  ])("refuses %s as a value", (_label, value) => {
    const result = parseJson({ values: { pm25: value, humidity: 50 } });
    expect(result.readings).toEqual([{ deviceId: DEVICE, metric: "humidity", ts: RECEIVED_AT, value: 50 }]);
    expect(reasonsOf(result)).toEqual(["invalid_value"]);
    expect(result.rejections[0]?.metric).toBe("pm25");
  });

  it("refuses numbers that overflow to infinity", () => {
    const result = parseText('{"values": {"pm25": 1e400, "pm10": -1e400, "so2": 12}}');
    expect(result.readings).toEqual([{ deviceId: DEVICE, metric: "so2", ts: RECEIVED_AT, value: 12 }]);
    expect(reasonsOf(result)).toEqual(["non_finite_value", "non_finite_value"]);
  });

  it.each(METRIC_DEFINITIONS.map((d) => [d.key, d.min, d.max] as const))(
    "applies the inclusive catalogue range of %s (%d to %d)",
    (key, min, max) => {
      const inside = parseJson({ values: { [key]: min } });
      expect(inside.rejections).toEqual([]);
      expect(inside.readings.map((r) => r.value)).toEqual([min]);

      const top = parseJson({ values: { [key]: max } });
      expect(top.rejections).toEqual([]);
      expect(top.readings.map((r) => r.value)).toEqual([max]);

      for (const outside of [min - 0.01, max + 0.01]) {
        const result = parseJson({ values: { [key]: outside } });
        expect(result.readings, `${key}=${outside}`).toEqual([]);
        expect(reasonsOf(result), `${key}=${outside}`).toEqual(["out_of_range"]);
        expect(result.rejections[0]?.metric).toBe(key);
      }
    },
  );
});

describe("parseReadingsMessage: shapes refused", () => {
  it("refuses an entry with an extra top-level key", () => {
    const result = parseJson({ ts: RECEIVED_AT, values: { pm25: 1 }, device: "other" });
    expect(result.readings).toEqual([]);
    expect(reasonsOf(result)).toEqual(["invalid_shape"]);
  });

  it.each([
    ["empty values", { values: {} }],
    ["missing values", { ts: RECEIVED_AT }],
    ["values as an array", { values: [1, 2] }],
    ["values as a number", { values: 5 }],
    ["an empty object", {}],
  ])("refuses %s", (_label, body) => {
    const result = parseJson(body);
    expect(result.readings).toEqual([]);
    expect(reasonsOf(result)).toEqual(["invalid_shape"]);
  });

  it.each([
    ["null", "null"],
    ["a number", "42"],
    ["a string", '"pm25"'],
    ["a boolean", "true"],
  ])("refuses %s as the whole message", (_label, text) => {
    const result = parseText(text);
    expect(result.readings).toEqual([]);
    expect(reasonsOf(result)).toEqual(["invalid_shape"]);
  });

  it("refuses an empty array as a whole", () => {
    const result = parseText("[]");
    expect(result.readings).toEqual([]);
    expect(reasonsOf(result)).toEqual(["invalid_shape"]);
    expect(result.rejections[0]?.entryIndex).toBeUndefined();
    expect(result.rejections[0]?.payload).toBe("[]");
  });

  it("refuses 1001 entries as a whole and stores nothing", () => {
    const entries = Array.from({ length: MAX_ENTRIES_PER_MESSAGE + 1 }, (_, i) => ({
      ts: RECEIVED_AT - (i + 1) * 1000,
      values: { pm25: 10 },
    }));
    const text = JSON.stringify(entries);
    const result = parseText(text);
    expect(result.readings).toEqual([]);
    expect(result.rejections).toHaveLength(1);
    const [rejection] = result.rejections;
    expect(rejection?.reason).toBe("too_many_entries");
    expect(rejection?.entryIndex).toBeUndefined();
    // The raw payload is larger than the dead-letter limit, so it is kept truncated.
    expect(text.length).toBeGreaterThan(DEAD_LETTER_PAYLOAD_BYTES);
    expect(rejection?.truncated).toBe(true);
    expect(rejection?.payload).toBe(text.slice(0, DEAD_LETTER_PAYLOAD_BYTES));
  });

  it("refuses a payload over maxPayloadBytes without reading it", () => {
    const text = JSON.stringify({ values: { pm25: 12 } }).padEnd(101, " ");
    const result = parseText(text, { maxPayloadBytes: 100 });
    expect(result.readings).toEqual([]);
    expect(reasonsOf(result)).toEqual(["payload_too_large"]);
    expect(result.rejections[0]?.message).toContain("100");
  });

  it("refuses bytes that are not UTF-8 and keeps them as base64", () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]);
    const result = parseBytes(bytes);
    expect(result.readings).toEqual([]);
    expect(reasonsOf(result)).toEqual(["invalid_json"]);
    const payload = result.rejections[0]?.payload ?? "";
    expect(payload.startsWith("base64:")).toBe(true);
    expect([...Buffer.from(payload.slice("base64:".length), "base64")]).toEqual([...bytes]);
  });

  it("refuses text that is not JSON and keeps the text", () => {
    const result = parseText("pm25=35");
    expect(result.readings).toEqual([]);
    expect(reasonsOf(result)).toEqual(["invalid_json"]);
    expect(result.rejections[0]?.payload).toBe("pm25=35");
  });

  it.each([
    ["empty", ""],
    ["with a slash", "a/b"],
    ["a wildcard", "+"],
    ["a multi-level wildcard", "#"],
    ["starting with a dash", "-abc"],
    ["with a space", "tn air"],
    ["with a Vietnamese letter", "trạm-1"],
    ["65 characters long", "a".repeat(65)],
  ])("refuses a device id %s and stores nothing", (_label, deviceId) => {
    const result = parseJson({ values: { pm25: 10 } }, { deviceId });
    expect(result.readings).toEqual([]);
    expect(reasonsOf(result)).toEqual(["invalid_device_id"]);
  });

  it("stores the good entries of a mixed batch and reports each bad one by index", () => {
    const t = (minutesAgo: number) => RECEIVED_AT - minutesAgo * 60_000;
    const batch = [
      { ts: t(50), values: { pm25: 20 } },
      { ts: "not a time", values: { pm25: 21 } },
      { ts: t(40), values: { pm25: 22, radon: 1 } },
      { ts: t(35), values: {} },
      { ts: RECEIVED_AT + 3_600_000, values: { pm25: 23 } },
      { ts: t(30), values: { pm25: 24, humidity: 150 } },
      { ts: t(25), values: { pm25: 25 }, extra: 1 },
      { ts: t(20), values: { pm25: 26 } },
    ];
    const result = parseJson(batch);
    expect(result.readings).toEqual([
      { deviceId: DEVICE, metric: "pm25", ts: t(50), value: 20 },
      { deviceId: DEVICE, metric: "pm25", ts: t(40), value: 22 },
      { deviceId: DEVICE, metric: "pm25", ts: t(30), value: 24 },
      { deviceId: DEVICE, metric: "pm25", ts: t(20), value: 26 },
    ]);
    expect(result.rejections.map((r) => [r.entryIndex, r.reason, r.metric])).toEqual([
      [1, "invalid_timestamp", undefined],
      [2, "unknown_metric", "radon"],
      [3, "invalid_shape", undefined],
      [4, "future_timestamp", undefined],
      [5, "out_of_range", "humidity"],
      [6, "invalid_shape", undefined],
    ]);
    // An entry-level rejection keeps the whole offending entry.
    expect(JSON.parse(result.rejections[0]?.payload ?? "")).toEqual(batch[1]);
  });
});

describe("parseReadingsMessage: hostile input", () => {
  it("refuses arrays nested 100,000 deep wherever they appear, without throwing", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const hostile = {
      "a bare deep array": deep,
      "a deep array as a backlog entry": `[${deep}]`,
      "a deep array as a value": `{"values": {"pm25": ${deep}}}`,
      "a deep array as ts": `{"ts": ${deep}, "values": {"pm25": 1}}`,
      "a deep array under an extra key": `{"values": {"pm25": 1}, "x": ${deep}}`,
    };
    const outcomes = Object.entries(hostile).map(([label, text]) => {
      try {
        const result = parseText(text, { maxPayloadBytes: 16 * 1024 * 1024 });
        const reasons = reasonsOf(result);
        const known = reasons.every((r) => (REJECTION_REASONS as readonly string[]).includes(r));
        return `${label}: ${reasons.length > 0 && known ? "refused" : `unexpected ${JSON.stringify(reasons)}`}`;
      } catch (error) {
        return `${label}: threw ${String(error)}`;
      }
    });
    expect(outcomes).toEqual(Object.keys(hostile).map((label) => `${label}: refused`));
  });

  it("does not let __proto__ keys pollute Object.prototype", () => {
    const texts = [
      '{"__proto__": {"polluted": 1}, "values": {"pm25": 1}}',
      '{"values": {"__proto__": {"polluted": 1}, "pm25": 1}}',
      '[{"values": {"constructor": {"prototype": {"polluted": 1}}, "pm25": 2}}]',
    ];
    for (const text of texts) {
      const result = parseText(text);
      for (const r of result.readings) expect(isMetricKey(r.metric)).toBe(true);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
  });

  it("never throws on thousands of random inputs and only returns valid readings or known reasons", () => {
    const seeds = [1, 7, 42, 2026, 0xdecaf];
    const before = snapshotPrototypes();
    const failures: string[] = [];
    let readings = 0;
    let rejections = 0;
    for (const seed of seeds) {
      const random = seededRandom(seed);
      for (let i = 0; i < 700; i++) {
        const sample = randomSample(random);
        const description = `seed ${seed} #${i}: ${describeSample(sample.payload)}`;
        let result: ParsedReadingsMessage;
        try {
          result = parseBytes(sample.payload, {
            deviceId: sample.deviceId,
            maxPayloadBytes: sample.maxPayloadBytes,
          });
        } catch (error) {
          failures.push(`${description} threw ${String(error)}`);
          continue;
        }
        const problem = checkResult(result, sample.deviceId);
        if (problem) failures.push(`${description}: ${problem}`);
        readings += result.readings.length;
        rejections += result.rejections.length;
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(snapshotPrototypes()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The generator must exercise both outcomes, or this test proves little.
    expect(readings).toBeGreaterThan(500);
    expect(rejections).toBeGreaterThan(500);
  }, 60_000);
});

function checkResult(result: ParsedReadingsMessage, deviceId: string): string | null {
  if (!Array.isArray(result.readings) || !Array.isArray(result.rejections)) return "result is not two arrays";
  for (const r of result.readings) {
    if (r.deviceId !== deviceId) return `reading for device ${r.deviceId}`;
    if (!isMetricKey(r.metric)) return `reading of unknown metric ${r.metric}`;
    const def = metricDefinition(r.metric);
    if (typeof r.value !== "number" || !Number.isFinite(r.value)) return `non-finite value ${r.value}`;
    if (r.value < def.min || r.value > def.max)
      return `${r.metric}=${r.value} outside ${def.min}..${def.max}`;
    if (!Number.isInteger(r.ts)) return `non-integer ts ${r.ts}`;
    if (r.ts < EARLIEST_TIMESTAMP_MS || r.ts > RECEIVED_AT + MAX_FUTURE_SKEW_MS)
      return `ts ${r.ts} out of bounds`;
  }
  for (const r of result.rejections) {
    if (!(REJECTION_REASONS as readonly string[]).includes(r.reason)) return `unknown reason ${r.reason}`;
    if (typeof r.message !== "string" || r.message.length === 0) return "empty rejection message";
    if (typeof r.payload !== "string") return "payload is not a string";
    if (r.payload.length > DEAD_LETTER_PAYLOAD_BYTES) return `payload of ${r.payload.length} characters kept`;
  }
  return null;
}

function snapshotPrototypes() {
  return {
    object: Object.getOwnPropertyNames(Object.prototype).sort(),
    array: Object.getOwnPropertyNames(Array.prototype).sort(),
    objectPrototypeOfPlain: Object.getPrototypeOf({}) === Object.prototype,
  };
}

function describeSample(payload: Uint8Array): string {
  const text = Buffer.from(payload.subarray(0, 60)).toString("utf8");
  return `${payload.length} bytes ${JSON.stringify(text)}`;
}

/** mulberry32: small, fast, good enough to spread test inputs; deterministic per seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sample {
  readonly payload: Uint8Array;
  readonly deviceId: string;
  readonly maxPayloadBytes: number;
}

const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty"];
const ODD_NUMBERS = [
  "1e400",
  "-1e400",
  "1e308",
  "-1e308",
  "5e-324",
  "-0",
  "0",
  "123456789012345678901234567890",
  "0.1",
  "1000000000000000000000",
  "9007199254740993",
];
const DEVICE_IDS = [DEVICE, DEVICE, DEVICE, "tn_water-07", "", "a/b", "+", "x".repeat(65), "ạ"];

function randomSample(random: () => number): Sample {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (max: number) => Math.floor(random() * max);

  const randomString = (): string => {
    const alphabet = 'abcXYZ019 _-"\\\u0000\u00e9\u1ea1\ud83d\ude00{}[]:,';
    let s = "";
    for (let i = int(12); i > 0; i--) s += pick([...alphabet]);
    return JSON.stringify(s);
  };

  const randomTs = (): string =>
    pick([
      String(RECEIVED_AT - int(10_000_000_000)),
      String(RECEIVED_AT + int(600_000)),
      String(EARLIEST_TIMESTAMP_MS - 1),
      String(EARLIEST_TIMESTAMP_MS + int(1000)),
      String((RECEIVED_AT - int(1_000_000)) / 7),
      JSON.stringify(new Date(RECEIVED_AT - int(100_000_000)).toISOString()),
      '"2026-11-21T15:00:00+07:00"',
      '"2026-11-21T15:00:00"',
      '"2026-13-40T99:99:99Z"',
      pick(ODD_NUMBERS),
      randomString(),
      "null",
      "true",
      "[]",
      "{}",
    ]);

  const randomNumberNearRange = (): string => {
    const def = pick(METRIC_DEFINITIONS);
    const span = def.max - def.min;
    return String(def.min - span * 0.1 + random() * span * 1.2);
  };

  const randomValue = (depth: number): string => {
    const roll = random();
    if (depth <= 0 || roll < 0.35) {
      return pick([
        () => randomNumberNearRange(),
        () => pick(ODD_NUMBERS),
        () => randomString(),
        () => pick(["null", "true", "false"]),
      ])();
    }
    if (roll < 0.65) {
      const items = Array.from({ length: int(4) }, () => randomValue(depth - 1));
      return `[${items.join(",")}]`;
    }
    const keys = Array.from({ length: int(4) }, () =>
      random() < 0.5 ? JSON.stringify(pick(HOSTILE_KEYS)) : randomString(),
    );
    return `{${keys.map((k) => `${k}:${randomValue(depth - 1)}`).join(",")}}`;
  };

  const randomValues = (): string => {
    const entries = Array.from({ length: int(5) }, () => {
      const key = random() < 0.7 ? pick(METRIC_KEYS) : random() < 0.5 ? pick(HOSTILE_KEYS) : "radon";
      const value = random() < 0.7 ? randomNumberNearRange() : randomValue(2);
      return `${JSON.stringify(key)}:${value}`;
    });
    return `{${entries.join(",")}}`;
  };

  const randomEntry = (): string => {
    const parts: string[] = [];
    if (random() < 0.7) parts.push(`"ts":${randomTs()}`);
    if (random() < 0.9) parts.push(`"values":${random() < 0.85 ? randomValues() : randomValue(2)}`);
    if (random() < 0.1) parts.push(`${JSON.stringify(pick(HOSTILE_KEYS))}:${randomValue(2)}`);
    return `{${parts.join(",")}}`;
  };

  const roll = random();
  let text: string | undefined;
  let bytes: Uint8Array | undefined;
  if (roll < 0.12) {
    bytes = Uint8Array.from({ length: int(200) }, () => int(256));
  } else if (roll < 0.3) {
    text = randomValue(int(8));
  } else if (roll < 0.6) {
    text = randomEntry();
  } else if (roll < 0.85) {
    text = `[${Array.from({ length: int(20) }, () => (random() < 0.85 ? randomEntry() : randomValue(3))).join(",")}]`;
  } else if (roll < 0.86) {
    const depth = 100_000;
    text =
      random() < 0.5 ? "[".repeat(depth) + "]".repeat(depth) : `[${"[".repeat(depth)}${"]".repeat(depth)}]`;
  } else if (roll < 0.9) {
    text = pick([...ODD_NUMBERS, "null", "true", "false", '""', '"values"', "{}", "[]", "[{}]", "[null]"]);
  } else if (roll < 0.95) {
    // A valid entry cut short or with a byte flipped.
    const whole = encoder.encode(randomEntry());
    bytes = whole.slice(0, int(whole.length + 1));
    if (bytes.length > 0 && random() < 0.5) bytes[int(bytes.length)] = int(256);
  } else {
    text = `{"values":{${Array.from({ length: 50 + int(200) }, (_, i) => `"m${i}":${i}`).join(",")}}}`;
  }
  return {
    payload: bytes ?? encoder.encode(text ?? ""),
    deviceId: pick(DEVICE_IDS),
    maxPayloadBytes: random() < 0.1 ? 1 + int(300) : 16 * 1024 * 1024,
  };
}
