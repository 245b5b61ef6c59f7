import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "../kernel/limits.js";
import { brokerUrlOf, ConfigError, parseConfig } from "./config.js";

/** The problems a ConfigError lists, or a failure when the environment was accepted. */
function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe("parseConfig", () => {
  it("gives the documented defaults for an empty environment", () => {
    const config = parseConfig({});
    expect(config).toEqual({
      HTTP_PORT: 8080,
      MQTT_PORT: 1883,
      BIND_HOST: "0.0.0.0",
      DATA_DIR: "./data",
      LOG_LEVEL: "info",
      DEMO: true,
      DEMO_INTERVAL_MS: 5000,
      PARTS: new Set(["broker", "ingest", "api"]),
      INGEST_CLIENT_ID: "svc-ingest",
      INGEST_BATCH_SIZE: 5000,
      INGEST_BATCH_DELAY_MS: 5,
      INGEST_MAX_PENDING: 20_000,
      MAX_PAYLOAD_BYTES: DEFAULT_MAX_PAYLOAD_BYTES,
      DEAD_LETTER_MAX_ROWS: 100_000,
      LIVE_THROTTLE_MS: 250,
      SHUTDOWN_TIMEOUT_MS: 15_000,
      AQI_STANDARD: "vn",
      INDEX_GRACE_MS: 120_000,
      INDEX_TICK_MS: 30_000,
      MQTT_TLS_PORT: 8883,
      ACCESS_TOKEN_TTL_S: 900,
      REFRESH_TOKEN_TTL_S: 7 * 86_400,
      CORS_ORIGINS: [],
      MQTT_MAX_CONNECTIONS: 10_000,
      MQTT_MAX_CONNECTIONS_PER_IP_PER_S: 20,
      MQTT_MAX_TOPIC_LEVELS: 8,
      MQTT_KEEPALIVE_MIN_S: 5,
      MQTT_KEEPALIVE_MAX_S: 1200,
      MQTT_MAX_INFLIGHT: 100,
      INFLUX_BATCH_LINES: 5000,
      INFLUX_FLUSH_MS: 1000,
      INFLUX_SPOOL_MAX_BYTES: 1024 * 1024 * 1024,
      INDUSTRIAL_SETTLE_MS: 10_000,
      INDUSTRIAL_SCAN_INTERVAL_MS: 2000,
      ALERT_NODATA_GRACE_MS: 600_000,
      ALERT_REMINDER_INTERVAL_MS: 900_000,
      CAP_SENDER: "quantrac@tayninh.local",
      WEBHOOK_ALLOWED_HOSTS: [],
      OPEN_DATA_ARCHIVE_DAYS: 365,
      OPEN_DATA_LICENCE_NAME: "CC BY 4.0",
      OPEN_DATA_LICENCE_URL: "https://creativecommons.org/licenses/by/4.0/",
      OPEN_DATA_PUBLISHER: "Trung tâm điều hành tỉnh Tây Ninh · Tây Ninh Provincial Operations Centre",
      OPEN_DATA_RATE_LIMIT: 600,
      METRICS_HOST: "127.0.0.1",
      DATABASE_POOL_MAX: 10,
      MAIL_FROM: "canhbao@tayninh.local",
      MAIL_MAX_PER_RECIPIENT_PER_HOUR: 20,
    });
    // No secrets, no InfluxDB: every one of these stays unset unless given.
    for (const key of [
      "MQTT_URL",
      "MQTT_SERVICE_PASSWORD",
      "BOOTSTRAP_ADMIN_PASSWORD",
      "JWT_SECRET",
      "DEVICE_SECRET_KEY",
      "BROKER_HTTP_AUTH_TOKEN",
      "INFLUX_URL",
      "INFLUX_TOKEN",
      "METRICS_TOKEN",
      "METRICS_PORT",
      "DATABASE_URL",
      "REDIS_URL",
    ] as const) {
      expect(config[key], key).toBeUndefined();
    }
  });

  it("wants the InfluxDB settings and the TLS files together or not at all", () => {
    expect(() => parseConfig({ INFLUX_URL: "http://influxdb:8086", INFLUX_TOKEN: "t" })).toThrow(
      /INFLUX_ORG: InfluxDB needs INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG, INFLUX_BUCKET together; missing INFLUX_ORG, INFLUX_BUCKET/,
    );
    expect(() => parseConfig({ TLS_CERT_FILE: "/etc/envmon/cert.pem" })).toThrow(/TLS_KEY_FILE: TLS needs/);
    expect(() => parseConfig({ MQTT_KEEPALIVE_MIN_S: "600", MQTT_KEEPALIVE_MAX_S: "60" })).toThrow(
      /must not exceed MQTT_KEEPALIVE_MAX_S/,
    );
    const influx = parseConfig({
      INFLUX_URL: "http://influxdb:8086",
      INFLUX_TOKEN: "t",
      INFLUX_ORG: "o",
      INFLUX_BUCKET: "b",
    });
    expect(influx.INFLUX_BUCKET).toBe("b");
  });

  it("takes an SMTP relay URL for warning e-mail and refuses another scheme without echoing it", () => {
    expect(parseConfig({ SMTP_URL: "smtp://relay.tayninh.local:25" }).SMTP_URL).toBe(
      "smtp://relay.tayninh.local:25",
    );
    let message = "";
    try {
      parseConfig({ SMTP_URL: "http://mailer:hunter2-password@relay" });
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/SMTP_URL/);
    expect(message).not.toMatch(/hunter2/);
    expect(() => parseConfig({ MAIL_FROM: "not an address" })).toThrow(/MAIL_FROM/);
  });

  it("refuses short secrets", () => {
    expect(() => parseConfig({ BOOTSTRAP_ADMIN_PASSWORD: "admin" })).toThrow(/at least 12 characters/);
    expect(() => parseConfig({ JWT_SECRET: "secret" })).toThrow(/at least 32 characters/);
  });

  it("takes a DEVICE_SECRET_KEY of 32+ printable characters and refuses a bad one without echoing it", () => {
    const key = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=";
    expect(parseConfig({ DEVICE_SECRET_KEY: key }).DEVICE_SECRET_KEY).toBe(key);
    for (const [bad, message] of [
      ["too-short-key-0123456789", "DEVICE_SECRET_KEY: DEVICE_SECRET_KEY must be at least 32 characters"],
      [`${key} `, "DEVICE_SECRET_KEY: DEVICE_SECRET_KEY must be printable ASCII without spaces"],
      [`${key}\n${key}`, "DEVICE_SECRET_KEY: DEVICE_SECRET_KEY must be printable ASCII without spaces"],
      ["khóa-bí-mật-của-thiết-bị-0123456789", "must be printable ASCII without spaces"],
      ["k".repeat(1025), "DEVICE_SECRET_KEY must be at most 1024 characters"],
    ] as const) {
      const problems = problemsOf({ DEVICE_SECRET_KEY: bad });
      expect(problems, bad).toHaveLength(1);
      expect(problems[0], bad).toContain(message);
      expect(problems[0], bad).toContain("characters, not shown)");
      expect(problems[0], bad).not.toContain(bad.trim());
    }
  });

  it("never echoes a secret's value in its error, only the setting and the length", () => {
    const secrets = {
      MQTT_SERVICE_PASSWORD: "hunter2-mqtt",
      BOOTSTRAP_ADMIN_PASSWORD: "admin-pw",
      JWT_SECRET: "short-jwt-secret",
      BROKER_HTTP_AUTH_TOKEN: "short-broker-token",
      METRICS_TOKEN: "short-metrics-token",
    };
    const problems = problemsOf(secrets);
    expect(problems).toHaveLength(Object.keys(secrets).length);
    for (const [key, value] of Object.entries(secrets)) {
      expect(problems.find((p) => p.startsWith(`${key}:`))).toContain(
        `got ${value.length} characters, not shown`,
      );
      expect(problems.join("\n")).not.toContain(value);
    }
    const spaced = problemsOf({ METRICS_TOKEN: "a metrics token with spaces in it" });
    expect(spaced).toEqual([
      "METRICS_TOKEN: METRICS_TOKEN may hold only letters, digits and . _ ~ + / = - (got 33 characters, not shown)",
    ]);
    // Other settings still show what was given.
    expect(problemsOf({ HTTP_PORT: "eighty" })).toEqual([
      "HTTP_PORT: HTTP_PORT must be a port number (got 'eighty')",
    ]);
  });

  it("takes a postgres:// DATABASE_URL and a redis:// REDIS_URL, refusing others without echoing a password", () => {
    const url = "postgres://envmon:pa55word@db.internal:5432/envmon";
    expect(parseConfig({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    expect(parseConfig({ DATABASE_URL: "postgresql://db/envmon" }).DATABASE_URL).toBe(
      "postgresql://db/envmon",
    );
    for (const bad of ["mysql://envmon:pa55word@db/envmon", "pa55word", "sqlite:///data/monitoring.sqlite"]) {
      const problems = problemsOf({ DATABASE_URL: bad });
      expect(problems, bad).toEqual([
        `DATABASE_URL: DATABASE_URL must be a URL like postgres://user:password@host:5432/envmon (got ${bad.length} characters, not shown)`,
      ]);
      expect(problems.join(" ")).not.toContain("pa55word");
    }
    expect(parseConfig({ REDIS_URL: "redis://:pa55word@redis:6379" }).REDIS_URL).toBe(
      "redis://:pa55word@redis:6379",
    );
    expect(problemsOf({ REDIS_URL: "http://:pa55word@redis:6379" })).toEqual([
      "REDIS_URL: REDIS_URL must be a URL like redis://redis:6379 (got 27 characters, not shown)",
    ]);
    expect(problemsOf({ DATABASE_POOL_MAX: "0" })).toEqual([
      "DATABASE_POOL_MAX: DATABASE_POOL_MAX must be positive (got '0')",
    ]);
  });

  it("reads the metrics settings: a bearer token, an internal port on this host unless told", () => {
    const token = "0123456789abcdefghijABCDEFGHIJ+/=";
    const config = parseConfig({ METRICS_TOKEN: token, METRICS_PORT: "9464" });
    expect(config).toMatchObject({ METRICS_TOKEN: token, METRICS_PORT: 9464, METRICS_HOST: "127.0.0.1" });
    expect(parseConfig({ METRICS_PORT: "9464", METRICS_HOST: "0.0.0.0" }).METRICS_HOST).toBe("0.0.0.0");
    expect(problemsOf({ METRICS_PORT: "8080" })).toEqual([
      "METRICS_PORT: METRICS_PORT must differ from HTTP_PORT (got '8080')",
    ]);
    expect(problemsOf({ METRICS_PORT: "1883" })).toEqual([
      "METRICS_PORT: METRICS_PORT must differ from MQTT_PORT (got '1883')",
    ]);
    expect(problemsOf({ METRICS_PORT: "0" })).toEqual([
      "METRICS_PORT: METRICS_PORT must be between 1 and 65535 (got '0')",
    ]);
  });

  it("reads valid values and ignores unrelated variables", () => {
    const config = parseConfig({
      HTTP_PORT: "18080",
      MQTT_PORT: "11883",
      DATA_DIR: "/var/lib/monitoring",
      LOG_LEVEL: "warn",
      DEMO: "off",
      PARTS: " ingest , api ",
      MQTT_URL: "mqtt://broker.local:1883",
      PATH: "/usr/bin",
    });
    expect(config.HTTP_PORT).toBe(18080);
    expect(config.MQTT_PORT).toBe(11883);
    expect(config.DATA_DIR).toBe("/var/lib/monitoring");
    expect(config.LOG_LEVEL).toBe("warn");
    expect(config.DEMO).toBe(false);
    expect(config.PARTS).toEqual(new Set(["ingest", "api"]));
    expect(config.MQTT_URL).toBe("mqtt://broker.local:1883");
    expect(config).not.toHaveProperty("PATH");
  });

  it.each([
    ["1", true],
    ["true", true],
    ["yes", true],
    ["on", true],
    ["0", false],
    ["false", false],
    ["no", false],
    ["off", false],
  ])("reads DEMO=%s as %s", (raw, expected) => {
    expect(parseConfig({ DEMO: raw }).DEMO).toBe(expected);
  });

  it.each(["HTTP_PORT", "MQTT_PORT"])("refuses bad %s values, naming the variable and the value", (name) => {
    for (const bad of ["abc", "0", "70000", "1.5", "-1"]) {
      const problems = problemsOf({ [name]: bad });
      expect(problems, bad).toHaveLength(1);
      expect(problems[0], bad).toContain(name);
      expect(problems[0], bad).toContain(`'${bad}'`);
    }
    expect(parseConfig({ [name]: "1" })[name as "HTTP_PORT" | "MQTT_PORT"]).toBe(1);
    expect(parseConfig({ [name]: "65535" })[name as "HTTP_PORT" | "MQTT_PORT"]).toBe(65535);
  });

  it.each([
    ["DEMO", "maybe"],
    ["PARTS", "broker,foo"],
    ["PARTS", " , "],
    ["LOG_LEVEL", "loud"],
    ["MQTT_URL", "http://x"],
    ["MQTT_URL", "not a url"],
    ["DEMO_INTERVAL_MS", "0"],
    ["MAX_PAYLOAD_BYTES", "lots"],
    ["LIVE_THROTTLE_MS", "-5"],
    ["AQI_STANDARD", "eu"],
    ["INDEX_GRACE_MS", "-1"],
    ["INDEX_TICK_MS", "0"],
  ])("refuses %s=%s, naming the variable and echoing the value", (name, bad) => {
    const problems = problemsOf({ [name]: bad });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.startsWith(`${name}:`)).toBe(true);
    expect(problems[0]).toContain(`'${bad}'`);
  });

  it("reads the webhook allow-list: names, addresses and networks", () => {
    expect(
      parseConfig({ WEBHOOK_ALLOWED_HOSTS: "sms-gateway.internal, 10.20.0.0/16 fd00::5" })
        .WEBHOOK_ALLOWED_HOSTS,
    ).toEqual([
      { kind: "name", name: "sms-gateway.internal" },
      { kind: "network", address: "10.20.0.0", prefix: 16, family: "ipv4" },
      { kind: "network", address: "fd00::5", prefix: 128, family: "ipv6" },
    ]);
    const problems = problemsOf({ WEBHOOK_ALLOWED_HOSTS: "10.0.0.0/40,ok.internal" });
    expect(problems).toEqual([
      "WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/40': the prefix length must be a number from 0 to 32 (got '10.0.0.0/40,ok.internal')",
    ]);
  });

  it("treats empty strings as unset", () => {
    const config = parseConfig({
      HTTP_PORT: "",
      MQTT_PORT: "",
      DEMO: "",
      PARTS: "",
      LOG_LEVEL: "",
      MQTT_URL: "",
      DATA_DIR: "",
    });
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.MQTT_PORT).toBe(1883);
    expect(config.DEMO).toBe(true);
    expect(config.PARTS).toEqual(new Set(["broker", "ingest", "api"]));
    expect(config.LOG_LEVEL).toBe("info");
    expect(config.MQTT_URL).toBeUndefined();
    expect(config.DATA_DIR).toBe("./data");
  });

  it("reports every problem at once", () => {
    const error = (() => {
      try {
        parseConfig({ HTTP_PORT: "abc", MQTT_PORT: "0", DEMO: "maybe", LOG_LEVEL: "loud", PARTS: "foo" });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    const named = problems.map((p) => p.split(":")[0]).sort();
    expect(named).toEqual(["DEMO", "HTTP_PORT", "LOG_LEVEL", "MQTT_PORT", "PARTS"]);
    // The message lists them all, one per line, for the operator reading the log.
    for (const p of problems) expect((error as ConfigError).message).toContain(p);
    expect((error as ConfigError).name).toBe("ConfigError");
  });
});

describe("brokerUrlOf", () => {
  it("uses the local broker port when MQTT_URL is unset", () => {
    expect(brokerUrlOf(parseConfig({}))).toBe("mqtt://127.0.0.1:1883");
    expect(brokerUrlOf(parseConfig({ MQTT_PORT: "21883" }))).toBe("mqtt://127.0.0.1:21883");
  });

  it("prefers MQTT_URL when given", () => {
    expect(
      brokerUrlOf(parseConfig({ MQTT_URL: "mqtts://broker.tayninh.example:8883", MQTT_PORT: "21883" })),
    ).toBe("mqtts://broker.tayninh.example:8883");
  });
});
