/**
 * The catalogue of hostile and valid device input for test/garbage-input.test.ts, each case with
 * what the service must make of it. Expectations are written from the device protocol, not
 * computed with the service's own validation code. Every sender is a registered device that
 * connects with its own secret: garbage comes from devices that got in, not from strangers.
 */
import { METRIC_DEFINITIONS, METRIC_KEYS, type MetricKey } from "../../kernel/catalogue.js";
import type { RejectionReason } from "../../kernel/rejections.js";
import type { SeededRandom } from "./seeded-random.js";

export interface ExpectedRejection {
  readonly reason: RejectionReason;
  readonly entryIndex?: number;
  readonly metric?: string;
  /** Precise checks on the dead letter, for a representative set of cases. */
  readonly messageIncludes?: string;
  readonly payload?: string;
  readonly truncated?: boolean;
  readonly payloadLength?: number;
}

export interface ExpectedReading {
  readonly deviceId: string;
  readonly metric: string;
  readonly ts: number;
  readonly value: number;
}

export type Sender = "mqtt.js" | "mosquitto_pub";

/**
 * Why the broker refuses a publish before the ingest sees it, disconnecting the device:
 * topic_not_allowed (envmon_broker_refused_publishes_total) for a topic other than its own,
 * payload_size (envmon_broker_limit_violations_total) for a payload over the size limit.
 */
export type BrokerRefusalReason = "topic_not_allowed" | "payload_size";

export interface InputCase {
  readonly name: string;
  /** The registered device that sends it (client id = username = this id). */
  readonly senderId: string;
  readonly topic: string;
  readonly payload: Buffer;
  /** Forced for some cases; otherwise drawn at random. */
  readonly sender: Sender;
  readonly qos: 1 | 2;
  /** Dead letters for this topic, in the order the service refuses them. */
  readonly rejections: readonly ExpectedRejection[];
  readonly readings: readonly ExpectedReading[];
  /** Readings without ts: the service stamps the arrival time; checked by value. */
  readonly arrivalTimeReadings: readonly Omit<ExpectedReading, "ts">[];
  /**
   * The broker itself refuses the publish and disconnects the client; nothing reaches the ingest,
   * so there is no dead letter.
   */
  readonly refusedByBroker?: BrokerRefusalReason;
  /** Series that must stay empty because everything sent to them was refused. */
  readonly emptySeries: readonly { readonly deviceId: string; readonly metric: string }[];
}

export const MAX_PAYLOAD_BYTES = 1024 * 1024;
const DEAD_LETTER_PAYLOAD_CHARS = 16 * 1024;

const GOOD_DEVICES = [
  { id: "good-air-01", metrics: ["pm25", "pm10", "o3", "no2", "co"] },
  { id: "good-weather-01", metrics: ["temperature", "humidity", "pressure", "rainfall"] },
  { id: "good-water-01", metrics: ["water_level", "ph", "do", "turbidity", "conductivity"] },
] as const;

const rangeOf = (metric: string) => {
  const definition = METRIC_DEFINITIONS.find((m) => m.key === metric);
  if (!definition) throw new Error(`no metric ${metric} in the catalogue`);
  return definition;
};

/** ISO 8601 in UTC+7 (Asia/Ho_Chi_Minh), the way a local device would stamp it. */
function isoWithOffset(ts: number, compact: boolean): string {
  const local = new Date(ts + 7 * 3_600_000).toISOString().slice(0, -1);
  return `${local}${compact ? "+0700" : "+07:00"}`;
}

export interface CaseCatalogue {
  readonly cases: InputCase[];
  /** Every device a case is sent by, with the metrics to register it for. */
  readonly devices: ReadonlyMap<string, readonly MetricKey[]>;
  /** Every topic a case publishes to on sensors/+/readings (each one message). */
  readonly readingsMessages: number;
  readonly statusMessages: number;
  /** Publishes the broker refuses before the ingest sees them, by reason. */
  readonly refusedByBroker: Readonly<Record<BrokerRefusalReason, number>>;
}

/** Test devices may send every metric of the catalogue, unless a case says otherwise. */
const ALL_METRICS: readonly MetricKey[] = METRIC_KEYS;

/**
 * Builds the mix: valid readings of known values interleaved (by the caller's shuffle) with
 * every kind of garbage. `now` is the time the test starts; timestamps are relative to it.
 */
export function buildInputCases(random: SeededRandom, now: number): CaseCatalogue {
  const cases: InputCase[] = [];
  const devices = new Map<string, readonly MetricKey[]>();
  let deviceCounter = 0;
  let tsCounter = 0;
  const newDevice = (prefix: string) => `${prefix}-${String(++deviceCounter).padStart(3, "0")}`;
  // Times one second apart in the last hour, so no valid reading overwrites another.
  const nextTs = () => now - 45 * 60_000 + ++tsCounter * 1000;
  const plausibleValue = (metric: string) => {
    const { min, max, decimals } = rangeOf(metric);
    const scale = 10 ** decimals;
    return Math.round((min + random.next() * (max - min)) * scale) / scale;
  };
  const drawSender = (): Sender => (random.next() < 0.2 ? "mosquitto_pub" : "mqtt.js");
  const text = (value: string) => Buffer.from(value, "utf8");

  /** The sender defaults to the device of the topic, registered for every metric. */
  const add = (
    c: Partial<InputCase> & Pick<InputCase, "name" | "topic" | "payload">,
    metrics: readonly MetricKey[] = ALL_METRICS,
  ): void => {
    const senderId = c.senderId ?? (c.topic.split("/")[1] as string);
    const known = devices.get(senderId);
    if (known && known !== metrics) throw new Error(`${senderId} is registered with other metrics already`);
    devices.set(senderId, metrics);
    cases.push({
      sender: drawSender(),
      qos: 1,
      rejections: [],
      readings: [],
      arrivalTimeReadings: [],
      emptySeries: [],
      ...c,
      senderId,
    });
  };
  const readingsTopic = (deviceId: string) => `sensors/${deviceId}/readings`;

  /** A case for one fresh device whose whole message is refused; `emptyMetric` must then stay empty. */
  const refused = (name: string, payload: Buffer, rejection: ExpectedRejection, emptyMetric?: string) => {
    const deviceId = newDevice("bad");
    const emptySeries = emptyMetric === undefined ? [] : [{ deviceId, metric: emptyMetric }];
    add({ name, topic: readingsTopic(deviceId), payload, rejections: [rejection], emptySeries });
  };
  /** A one-entry message of a fresh device whose entry is refused; pm25 must stay empty. */
  const refusedEntry = (name: string, body: string, rejection: ExpectedRejection) => {
    const deviceId = newDevice("bad");
    add({
      name,
      topic: readingsTopic(deviceId),
      payload: text(body),
      rejections: [rejection],
      emptySeries: [{ deviceId, metric: "pm25" }],
    });
  };

  // --- Valid readings of known values, on three shared stations -------------------------------
  const tsFormats = ["epoch", "epoch-fraction", "iso-utc", "iso-offset", "iso-compact-offset"] as const;
  const encodeTs = (ts: number, format: (typeof tsFormats)[number]): number | string => {
    switch (format) {
      case "epoch":
        return ts;
      case "epoch-fraction":
        return ts + 0.4; // rounds to ts
      case "iso-utc":
        return new Date(ts).toISOString();
      case "iso-offset":
        return isoWithOffset(ts, false);
      case "iso-compact-offset":
        return isoWithOffset(ts, true);
    }
  };
  const validEntry = (deviceId: string, metrics: readonly string[]) => {
    const ts = nextTs();
    const format = random.pick(tsFormats);
    const chosen = random.shuffle([...metrics]).slice(0, random.integer(1, Math.min(3, metrics.length)));
    const values: Record<string, number> = {};
    const readings: ExpectedReading[] = [];
    for (const metric of chosen) {
      const value = plausibleValue(metric);
      values[metric] = value;
      readings.push({ deviceId, metric, ts, value });
    }
    return { entry: { ts: encodeTs(ts, format), values }, readings };
  };
  for (let i = 0; i < 40; i++) {
    const device = random.pick(GOOD_DEVICES);
    if (random.next() < 0.3) {
      const entries = Array.from({ length: random.integer(2, 12) }, () =>
        validEntry(device.id, device.metrics),
      );
      add({
        name: `valid batch of ${entries.length} (${device.id})`,
        topic: readingsTopic(device.id),
        payload: text(JSON.stringify(entries.map((e) => e.entry))),
        readings: entries.flatMap((e) => e.readings),
      });
    } else {
      const { entry, readings } = validEntry(device.id, device.metrics);
      add({
        name: `valid reading (${device.id})`,
        topic: readingsTopic(device.id),
        payload: text(JSON.stringify(entry)),
        readings,
      });
    }
  }
  for (const [i, qos] of [1, 2].entries()) {
    const { entry, readings } = validEntry(GOOD_DEVICES[0].id, GOOD_DEVICES[0].metrics);
    add({
      name: `valid reading at QoS ${qos} from mosquitto_pub #${i}`,
      topic: readingsTopic(GOOD_DEVICES[0].id),
      payload: text(JSON.stringify(entry)),
      readings,
      sender: "mosquitto_pub",
      qos: qos as 1 | 2,
    });
  }
  {
    const ts = nextTs();
    add({
      name: "valid reading at the edges of the ranges",
      topic: readingsTopic(GOOD_DEVICES[0].id),
      payload: text(JSON.stringify({ ts, values: { pm25: 0, pm10: 2000, co: 1e-7 } })),
      readings: [
        { deviceId: GOOD_DEVICES[0].id, metric: "pm25", ts, value: 0 },
        { deviceId: GOOD_DEVICES[0].id, metric: "pm10", ts, value: 2000 },
        { deviceId: GOOD_DEVICES[0].id, metric: "co", ts, value: 1e-7 },
      ],
    });
  }
  {
    // 60 s ahead is within the tolerated device clock skew.
    const deviceId = newDevice("skew");
    const ts = now + 60_000;
    add({
      name: "valid reading 60 s in the future",
      topic: readingsTopic(deviceId),
      payload: text(JSON.stringify({ ts, values: { noise: 61.5 } })),
      readings: [{ deviceId, metric: "noise", ts, value: 61.5 }],
    });
  }
  for (let i = 0; i < 2; i++) {
    const deviceId = newDevice("arrival");
    const value = plausibleValue("temperature");
    add({
      name: "valid reading without ts",
      topic: readingsTopic(deviceId),
      payload: text(JSON.stringify({ values: { temperature: value } })),
      arrivalTimeReadings: [{ deviceId, metric: "temperature", value }],
    });
  }
  {
    const deviceId = newDevice("backlog");
    const base = now - 55 * 60_000;
    const entries = Array.from({ length: 1000 }, (_, i) => ({ ts: base + i, values: { pm25: i / 10 } }));
    add({
      name: "backlog of exactly 1000 entries",
      topic: readingsTopic(deviceId),
      payload: text(JSON.stringify(entries)),
      readings: entries.map((e) => ({ deviceId, metric: "pm25", ts: e.ts, value: e.values.pm25 })),
    });
  }
  {
    const deviceId = newDevice("padded");
    const ts = nextTs();
    const body = JSON.stringify({ ts, values: { pm25: 77.7 } });
    add({
      name: "valid reading padded with whitespace to exactly the size limit",
      topic: readingsTopic(deviceId),
      payload: text(body + " ".repeat(MAX_PAYLOAD_BYTES - body.length)),
      readings: [{ deviceId, metric: "pm25", ts, value: 77.7 }],
    });
  }

  // --- Not JSON ----------------------------------------------------------------------------
  for (let i = 0; i < 10; i++) {
    const bytes = random.bytes(random.integer(1, 4096));
    // A first byte at or above 0x80 can start no JSON text (0xEF could be a byte-order mark).
    bytes[0] = random.pick(Array.from({ length: 0x80 }, (_, b) => 0x80 + b).filter((b) => b !== 0xef));
    refused(`random bytes (${bytes.length})`, bytes, { reason: "invalid_json" });
  }
  for (let i = 0; i < 4; i++) {
    const printable = Array.from({ length: random.integer(1, 200) }, () =>
      String.fromCharCode(random.integer(32, 126)),
    );
    refused(`random text`, text(`Z${printable.join("")}`), { reason: "invalid_json" });
  }
  for (const [label, bytes] of [
    ["stray continuation byte", [0x80]],
    ["overlong slash", [0xc0, 0xaf]],
    ["UTF-16 surrogate", [0xed, 0xa0, 0x80]],
    ["cut 4-byte sequence", [0xf0, 0x9f, 0x98]],
  ] as const) {
    const payload = Buffer.concat([text('{"values":{"pm25":1,"'), Buffer.from(bytes), text('":2}}')]);
    refused(`invalid UTF-8: ${label}`, payload, {
      reason: "invalid_json",
      payload: `base64:${payload.toString("base64")}`,
      truncated: false,
    });
  }
  refused("empty payload", Buffer.alloc(0), { reason: "invalid_json" });
  refused("NaN literal", text('{"values":{"pm25":NaN}}'), { reason: "invalid_json" });
  refused("trailing garbage", text(`{"ts":${nextTs()},"values":{"pm25":1}} x`), { reason: "invalid_json" });
  refused("single quotes", text("{'values':{'pm25':1}}"), { reason: "invalid_json" });
  // Kept as a dead letter cut to its first 16 KiB.
  refused("unterminated deep array", text("[".repeat(100_000)), {
    reason: "invalid_json",
    truncated: true,
    payloadLength: DEAD_LETTER_PAYLOAD_CHARS,
  });

  // --- Deep nesting that does parse --------------------------------------------------------
  refused("balanced deep array", text(`${"[".repeat(100_000)}${"]".repeat(100_000)}`), {
    reason: "invalid_shape",
    entryIndex: 0,
  });
  {
    const deviceId = newDevice("bad");
    add({
      name: "deeply nested value",
      topic: readingsTopic(deviceId),
      payload: text(`{"ts":${nextTs()},"values":{"pm25":${"[".repeat(50_000)}${"]".repeat(50_000)}}}`),
      rejections: [{ reason: "invalid_value", metric: "pm25" }],
      emptySeries: [{ deviceId, metric: "pm25" }],
    });
  }
  refusedEntry(
    "deeply nested extra key",
    `{"ts":${nextTs()},"values":{"pm25":1},"extra":${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}}`,
    { reason: "invalid_shape" },
  );
  {
    const deviceId = newDevice("bad");
    const ts = nextTs();
    add({
      name: "moderately nested value beside a good one",
      topic: readingsTopic(deviceId),
      payload: text(`{"ts":${ts},"values":{"pm25":${"[".repeat(500)}1${"]".repeat(500)},"pm10":20}}`),
      rejections: [{ reason: "invalid_value", metric: "pm25", messageIncludes: "expected a number" }],
      readings: [{ deviceId, metric: "pm10", ts, value: 20 }],
      emptySeries: [{ deviceId, metric: "pm25" }],
    });
  }

  // --- Limits ---------------------------------------------------------------------------------
  {
    const entries = Array.from({ length: 1001 }, (_, i) => ({
      ts: now - 50 * 60_000 + i,
      values: { pm25: 1 },
    }));
    refused(
      "backlog of 1001 entries",
      text(JSON.stringify(entries)),
      { reason: "too_many_entries", messageIncludes: "1001" },
      "pm25",
    );
  }
  // The broker enforces the payload limit itself (cut while reading a packet that announces far
  // more, refused at authorisation just over it) and disconnects the device: nothing reaches the
  // ingest, so no dead letter with a truncated payload is kept.
  for (const [name, body] of [
    ["a 2 MB message", `{"ts":${nextTs()},"values":{"pm25":5},"pad":"${"x".repeat(2 * 1024 * 1024)}"}`],
    ["one byte over the size limit", JSON.stringify({ ts: nextTs(), values: { pm25: 6 } })],
  ] as const) {
    const deviceId = newDevice("big");
    const payload =
      body.length > MAX_PAYLOAD_BYTES ? body : body + " ".repeat(MAX_PAYLOAD_BYTES + 1 - body.length);
    add({
      name,
      topic: readingsTopic(deviceId),
      payload: text(payload),
      sender: "mosquitto_pub",
      refusedByBroker: "payload_size",
      emptySeries: [{ deviceId, metric: "pm25" }],
    });
  }

  // --- JSON of the wrong shape ---------------------------------------------------------------
  for (const body of ["42", '"text"', "null", "true", "{}"])
    refusedEntry(`body ${body}`, body, { reason: "invalid_shape" });
  refused("empty array", text("[]"), { reason: "invalid_shape" });
  {
    const deviceId = newDevice("bad");
    add({
      name: "array of non-objects",
      topic: readingsTopic(deviceId),
      payload: text('[1,"x",null]'),
      rejections: [0, 1, 2].map((entryIndex) => ({ reason: "invalid_shape" as const, entryIndex })),
    });
  }
  for (const values of ['"abc"', "[1,2]", "null", "{}", "17"]) {
    refusedEntry(`values ${values}`, `{"ts":${nextTs()},"values":${values}}`, { reason: "invalid_shape" });
  }
  refusedEntry("no values", `{"ts":${nextTs()}}`, { reason: "invalid_shape" });
  refusedEntry("extra key unit", `{"ts":${nextTs()},"values":{"pm25":1},"unit":"ug/m3"}`, {
    reason: "invalid_shape",
    messageIncludes: "unit",
  });
  refusedEntry("extra key deviceId", `{"ts":${nextTs()},"values":{"pm25":1},"deviceId":"good-air-01"}`, {
    reason: "invalid_shape",
  });
  refusedEntry("__proto__ beside values", `{"__proto__":{"pm25":1},"ts":${nextTs()},"values":{"pm25":2}}`, {
    reason: "invalid_shape",
  });
  refusedEntry(
    "constructor.prototype beside values",
    `{"constructor":{"prototype":{"polluted":true}},"values":{"pm25":2}}`,
    { reason: "invalid_shape" },
  );
  for (const ts of ["true", "null", "{}", "[]"]) {
    refusedEntry(`ts ${ts}`, `{"ts":${ts},"values":{"pm25":1}}`, {
      reason: "invalid_timestamp",
      messageIncludes: "number or a string",
    });
  }

  // --- Timestamps -----------------------------------------------------------------------------
  refusedEntry("ts 1e400", '{"ts":1e400,"values":{"pm25":1}}', { reason: "invalid_timestamp" });
  for (const [label, ts] of [
    ["a day ahead", now + 86_400_000],
    ["10 minutes ahead", now + 10 * 60_000],
    ["in 2099", '"2099-01-01T00:00:00Z"'],
  ] as const) {
    refusedEntry(`ts ${label}`, `{"ts":${ts},"values":{"pm25":1}}`, {
      reason: "future_timestamp",
      messageIncludes: "future",
    });
  }
  for (const [label, ts] of [
    ["just before 2000", Date.UTC(2000, 0, 1) - 1],
    ["0", 0],
    ["-1", -1],
    ["in seconds", Math.floor(now / 1000)],
    ["1999 ISO", '"1999-12-31T23:59:59Z"'],
    ["dd/mm/yyyy", '"21/11/2026 10:00"'],
    ["space instead of T", '"2026-11-21 10:00:00+07:00"'],
    ["ISO without offset", '"2026-11-21T10:00:00"'],
    ["word", '"yesterday"'],
    ["empty string", '""'],
    ["month 13", '"2026-13-01T00:00:00Z"'],
  ] as const) {
    refusedEntry(`ts ${label}`, `{"ts":${ts},"values":{"pm25":1}}`, { reason: "invalid_timestamp" });
  }

  // --- Values ---------------------------------------------------------------------------------
  for (const value of ['"42"', "[1]", "null", '{"v":1}', "true"]) {
    refusedEntry(`pm25 ${value}`, `{"ts":${nextTs()},"values":{"pm25":${value}}}`, {
      reason: "invalid_value",
      metric: "pm25",
    });
  }
  for (const value of ["1e400", "-1e400"]) {
    refusedEntry(`pm25 ${value}`, `{"ts":${nextTs()},"values":{"pm25":${value}}}`, {
      reason: "non_finite_value",
      metric: "pm25",
    });
  }
  for (const [metric, value] of [
    ["pm25", -0.1],
    ["humidity", 100.5],
    ["temperature", 60.1],
    ["ph", 14.01],
  ] as const) {
    const deviceId = newDevice("bad");
    add({
      name: `${metric} ${value} out of range`,
      topic: readingsTopic(deviceId),
      payload: text(`{"ts":${nextTs()},"values":{"${metric}":${value}}}`),
      rejections: [{ reason: "out_of_range", metric, messageIncludes: String(value) }],
      emptySeries: [{ deviceId, metric }],
    });
  }
  const longName = "x".repeat(500);
  for (const metric of ["PM25", "radon", "", "constructor", "toString", "hasOwnProperty", longName]) {
    refusedEntry(`unknown metric '${metric.slice(0, 20)}'`, `{"ts":${nextTs()},"values":{"${metric}":1}}`, {
      reason: "unknown_metric",
      metric: metric.slice(0, 64),
    });
  }
  {
    const deviceId = newDevice("bad");
    const ts = nextTs();
    add({
      name: "__proto__ as a metric beside a good one",
      topic: readingsTopic(deviceId),
      payload: text(`{"ts":${ts},"values":{"__proto__":5,"pm25":3}}`),
      rejections: [{ reason: "unknown_metric", metric: "__proto__" }],
      readings: [{ deviceId, metric: "pm25", ts, value: 3 }],
    });
  }
  refusedEntry("__proto__ as the only metric", `{"ts":${nextTs()},"values":{"__proto__":{"pm25":5}}}`, {
    reason: "unknown_metric",
    metric: "__proto__",
  });
  {
    const deviceId = newDevice("mixed");
    const ts = nextTs();
    add({
      name: "good and bad values in one entry",
      topic: readingsTopic(deviceId),
      payload: text(`{"ts":${ts},"values":{"pm25":12.5,"radon":3,"humidity":"wet","temperature":1e400}}`),
      rejections: [
        { reason: "unknown_metric", metric: "radon" },
        { reason: "invalid_value", metric: "humidity" },
        { reason: "non_finite_value", metric: "temperature" },
      ],
      readings: [{ deviceId, metric: "pm25", ts, value: 12.5 }],
      emptySeries: [
        { deviceId, metric: "humidity" },
        { deviceId, metric: "temperature" },
      ],
    });
  }
  {
    const deviceId = newDevice("mixed");
    const [t0, t2, t4, t7] = [nextTs(), nextTs(), nextTs(), nextTs()];
    const entries = [
      `{"ts":${t0},"values":{"pm25":21.5}}`,
      `{"ts":"not a time","values":{"pm25":99}}`,
      `{"ts":"${new Date(t2).toISOString()}","values":{"pm25":22.5,"bogus":1}}`,
      `{"values":"x"}`,
      `{"ts":${t4},"values":{"temperature":30.5,"humidity":1e400}}`,
      `{"ts":${now + 86_400_000},"values":{"pm25":98}}`,
      `{"ts":${nextTs()},"values":{"pm25":97},"note":"extra"}`,
      `{"ts":"${isoWithOffset(t7, false)}","values":{"pm25":23.5,"temperature":31.5}}`,
    ];
    add({
      name: "batch mixing valid and invalid entries",
      topic: readingsTopic(deviceId),
      payload: text(`[${entries.join(",")}]`),
      rejections: [
        { reason: "invalid_timestamp", entryIndex: 1 },
        { reason: "unknown_metric", entryIndex: 2, metric: "bogus", messageIncludes: "bogus" },
        { reason: "invalid_shape", entryIndex: 3 },
        { reason: "non_finite_value", entryIndex: 4, metric: "humidity" },
        { reason: "future_timestamp", entryIndex: 5 },
        { reason: "invalid_shape", entryIndex: 6, messageIncludes: "note" },
      ],
      readings: [
        { deviceId, metric: "pm25", ts: t0, value: 21.5 },
        { deviceId, metric: "pm25", ts: t2, value: 22.5 },
        { deviceId, metric: "temperature", ts: t4, value: 30.5 },
        { deviceId, metric: "pm25", ts: t7, value: 23.5 },
        { deviceId, metric: "temperature", ts: t7, value: 31.5 },
      ],
      emptySeries: [{ deviceId, metric: "humidity" }],
    });
  }

  // --- A metric the device is not registered for ---------------------------------------------
  {
    const deviceId = newDevice("narrow");
    const ts = nextTs();
    add(
      {
        name: "a metric the device is not registered for, beside one it is",
        topic: readingsTopic(deviceId),
        payload: text(`{"ts":${ts},"values":{"pm25":14.5,"noise":61}}`),
        rejections: [{ reason: "metric_not_allowed", metric: "noise", messageIncludes: "not registered" }],
        readings: [{ deviceId, metric: "pm25", ts, value: 14.5 }],
        emptySeries: [{ deviceId, metric: "noise" }],
      },
      ["pm25", "pm10"],
    );
  }

  // --- Topics with device ids the protocol does not allow -------------------------------------
  // No such id can be registered, so a registered device tries to publish there: the broker allows
  // a device its own topics only, refuses the publish and disconnects it. Each from its own
  // mosquitto_pub connection, as a refused publish ends the connection.
  for (const deviceId of [
    "..",
    "a b",
    "",
    "x".repeat(65),
    "trạm-1",
    "-dash-first",
    "_under",
    "a.b",
    "%2e%2e",
  ]) {
    add({
      name: `device id '${deviceId.slice(0, 20)}'`,
      senderId: newDevice("intruder"),
      topic: readingsTopic(deviceId),
      payload: text(JSON.stringify({ ts: nextTs(), values: { pm25: 10 } })),
      sender: "mosquitto_pub",
      refusedByBroker: "topic_not_allowed",
    });
  }
  {
    // A valid id, but another device's.
    const victim = GOOD_DEVICES[1].id;
    add({
      name: "another device's topic",
      senderId: newDevice("intruder"),
      topic: readingsTopic(victim),
      payload: text(JSON.stringify({ ts: nextTs(), values: { temperature: 99 } })),
      sender: "mosquitto_pub",
      refusedByBroker: "topic_not_allowed",
    });
  }

  // --- Status topic garbage -------------------------------------------------------------------
  for (const [label, payload, expectedPayload] of [
    ["maybe", text("maybe"), "maybe"],
    ["ONLINE!", text("ONLINE!"), "ONLINE!"],
    ["JSON", text('{"status":"online"}'), '{"status":"online"}'],
    ["random bytes", random.bytes(64), undefined],
  ] as const) {
    const deviceId = newDevice("status");
    add({
      name: `status ${label}`,
      topic: `sensors/${deviceId}/status`,
      payload,
      rejections: [
        {
          reason: "invalid_shape",
          messageIncludes: "online",
          ...(expectedPayload === undefined ? {} : { payload: expectedPayload }),
        },
      ],
    });
  }

  const reachingIngest = cases.filter((c) => !c.refusedByBroker);
  const statusMessages = reachingIngest.filter((c) => c.topic.endsWith("/status")).length;
  const refusedFor = (reason: BrokerRefusalReason) =>
    cases.filter((c) => c.refusedByBroker === reason).length;
  return {
    cases,
    devices,
    readingsMessages: reachingIngest.length - statusMessages,
    statusMessages,
    refusedByBroker: {
      topic_not_allowed: refusedFor("topic_not_allowed"),
      payload_size: refusedFor("payload_size"),
    },
  };
}
