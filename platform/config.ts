import { z } from "zod";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "../kernel/limits.js";
import { DAY_MS, HOUR_MS, MINUTE_MS } from "../kernel/time.js";
import { parseAllowedTargets } from "./http/outbound-policy.js";

/**
 * The one configuration schema of the service, read from environment variables.
 * Later features add their settings here rather than reading process.env themselves.
 */

const port = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a port number` })
    .int(`${name} must be an integer`)
    .min(1, `${name} must be between 1 and 65535`)
    .max(65535, `${name} must be between 1 and 65535`)
    .default(fallback);

const optionalPort = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a port number` })
    .int(`${name} must be an integer`)
    .min(1, `${name} must be between 1 and 65535`)
    .max(65535, `${name} must be between 1 and 65535`)
    .optional();

const positiveInt = (name: string, fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be an integer`)
    .positive(`${name} must be positive`)
    .max(max, `${name} must be at most ${max}`)
    .default(fallback);

const flag = (name: string, fallback: boolean) =>
  z
    .enum(["1", "0", "true", "false", "yes", "no", "on", "off"], {
      error: `${name} must be one of 1, 0, true, false, yes, no, on, off`,
    })
    .transform((v) => v === "1" || v === "true" || v === "yes" || v === "on")
    .prefault(fallback ? "1" : "0");

export const SERVICE_PARTS = ["broker", "ingest", "api"] as const;
export type ServicePart = (typeof SERVICE_PARTS)[number];

export const configSchema = z
  .object({
    HTTP_PORT: port("HTTP_PORT", 8080),
    MQTT_PORT: port("MQTT_PORT", 1883),
    BIND_HOST: z.string().min(1).default("0.0.0.0"),
    DATA_DIR: z.string().min(1, "DATA_DIR must not be empty").default("./data"),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
      })
      .default("info"),
    /** Simulated Tây Ninh fleet: on unless turned off. */
    DEMO: flag("DEMO", true),
    DEMO_INTERVAL_MS: positiveInt("DEMO_INTERVAL_MS", 5000, HOUR_MS),
    /** Which parts this process runs; the same code runs them together or apart. */
    PARTS: z
      .string()
      .prefault(SERVICE_PARTS.join(","))
      .transform((raw, ctx) => {
        const parts = raw
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean);
        const unknown = parts.filter((p) => !(SERVICE_PARTS as readonly string[]).includes(p));
        if (parts.length === 0 || unknown.length > 0) {
          ctx.addIssue({
            code: "custom",
            message: `PARTS must be a comma-separated list of ${SERVICE_PARTS.join(", ")}`,
          });
          return z.NEVER;
        }
        return new Set(parts as ServicePart[]);
      }),
    /** Broker address for ingest and API when the broker runs in another process. */
    MQTT_URL: z
      .url({ protocol: /^(mqtts?|wss?|tcp)$/, error: "MQTT_URL must be a URL like mqtt://host:1883" })
      .optional(),
    INGEST_CLIENT_ID: z.string().min(1).max(64).default("svc-ingest"),
    INGEST_BATCH_SIZE: positiveInt("INGEST_BATCH_SIZE", 5000, 100_000),
    // Short: under load batches grow by themselves while the previous commit is in flight.
    INGEST_BATCH_DELAY_MS: positiveInt("INGEST_BATCH_DELAY_MS", 5, 10_000),
    /** Unacknowledged messages the ingest holds before it stops reading from the broker. */
    INGEST_MAX_PENDING: positiveInt("INGEST_MAX_PENDING", 20_000, 1_000_000),
    MAX_PAYLOAD_BYTES: positiveInt("MAX_PAYLOAD_BYTES", DEFAULT_MAX_PAYLOAD_BYTES, 16 * 1024 * 1024),
    DEAD_LETTER_MAX_ROWS: positiveInt("DEAD_LETTER_MAX_ROWS", 100_000, 10_000_000),
    /** Minimum spacing of live `reading` events per device. */
    LIVE_THROTTLE_MS: z.coerce
      .number({ error: "LIVE_THROTTLE_MS must be a number" })
      .int()
      .min(0)
      .max(MINUTE_MS)
      .default(250),
    SHUTDOWN_TIMEOUT_MS: positiveInt("SHUTDOWN_TIMEOUT_MS", 15_000, 600_000),
    /** Which AQI the index engine computes and the API serves: Vietnam's VN_AQI or the US EPA AQI. */
    AQI_STANDARD: z.enum(["vn", "us"], { error: "AQI_STANDARD must be vn or us" }).default("vn"),
    /** Wait after an hour closes before its means and indices are computed (late readings still count). */
    INDEX_GRACE_MS: z.coerce
      .number({ error: "INDEX_GRACE_MS must be a number" })
      .int("INDEX_GRACE_MS must be an integer")
      .min(0, "INDEX_GRACE_MS must be 0 or more")
      .max(DAY_MS, "INDEX_GRACE_MS must be at most 86400000 (one day)")
      .default(120_000),
    /** How often the index engine looks for closed hours and late readings. */
    INDEX_TICK_MS: positiveInt("INDEX_TICK_MS", 30_000, HOUR_MS),

    // --- Security (issue 4) ---
    /** MQTT over TLS; served only when TLS_CERT_FILE and TLS_KEY_FILE are set (then HTTP is HTTPS too). */
    MQTT_TLS_PORT: port("MQTT_TLS_PORT", 8883),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    /**
     * Password of the service's own MQTT clients (ingest, API feed). Required when the parts run in
     * separate processes; generated per start when they share one process.
     */
    MQTT_SERVICE_PASSWORD: z
      .string()
      .min(16, "MQTT_SERVICE_PASSWORD must be at least 16 characters")
      .optional(),
    /** Creates user `admin` with this password when no user exists. Never a default. */
    BOOTSTRAP_ADMIN_PASSWORD: z
      .string()
      .min(12, "BOOTSTRAP_ADMIN_PASSWORD must be at least 12 characters")
      .optional(),
    /** Signs access tokens; generated once and kept in DATA_DIR when unset. Share it between API processes. */
    JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 characters").optional(),
    /**
     * Key of the HMAC-SHA-256 under which device secrets are stored; generated once and kept in
     * DATA_DIR/device-secret-key when unset. Every process that issues or checks device secrets
     * (API, broker, the devices CLI) needs the same one; changing it invalidates every device secret.
     */
    DEVICE_SECRET_KEY: z
      .string()
      .min(32, "DEVICE_SECRET_KEY must be at least 32 characters (e.g. openssl rand -base64 32)")
      .max(1024, "DEVICE_SECRET_KEY must be at most 1024 characters")
      .regex(
        /^[\x21-\x7e]+$/,
        "DEVICE_SECRET_KEY must be printable ASCII without spaces or line breaks (e.g. openssl rand -base64 32)",
      )
      .optional(),
    ACCESS_TOKEN_TTL_S: positiveInt("ACCESS_TOKEN_TTL_S", 900, 86_400),
    REFRESH_TOKEN_TTL_S: positiveInt("REFRESH_TOKEN_TTL_S", 7 * 86_400, 90 * 86_400),
    /** Origins allowed by CORS, comma-separated; none by default (the dashboard is same-origin). */
    CORS_ORIGINS: z
      .string()
      .prefault("")
      .transform((raw) =>
        raw
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean),
      ),
    /** Bearer token expected by the EMQX / mosquitto-go-auth HTTP auth endpoints; they are off when unset. */
    BROKER_HTTP_AUTH_TOKEN: z
      .string()
      .min(24, "BROKER_HTTP_AUTH_TOKEN must be at least 24 characters")
      .optional(),
    MQTT_MAX_CONNECTIONS: positiveInt("MQTT_MAX_CONNECTIONS", 10_000, 1_000_000),
    MQTT_MAX_CONNECTIONS_PER_IP_PER_S: positiveInt("MQTT_MAX_CONNECTIONS_PER_IP_PER_S", 20, 100_000),
    MQTT_MAX_TOPIC_LEVELS: positiveInt("MQTT_MAX_TOPIC_LEVELS", 8, 128),
    MQTT_KEEPALIVE_MIN_S: positiveInt("MQTT_KEEPALIVE_MIN_S", 5, 3600),
    MQTT_KEEPALIVE_MAX_S: positiveInt("MQTT_KEEPALIVE_MAX_S", 1200, 65_535),
    MQTT_MAX_INFLIGHT: positiveInt("MQTT_MAX_INFLIGHT", 100, 65_535),

    // --- InfluxDB (issue 3): all four set → InfluxDB is the time-series store; none → embedded SQLite ---
    INFLUX_URL: z
      .url({ protocol: /^https?$/, error: "INFLUX_URL must be a URL like http://influxdb:8086" })
      .optional(),
    INFLUX_TOKEN: z.string().min(1).optional(),
    INFLUX_ORG: z.string().min(1).optional(),
    INFLUX_BUCKET: z.string().min(1).optional(),
    /** Bucket of the hourly rollups; `<INFLUX_BUCKET>_hourly` when unset. */
    INFLUX_ROLLUP_BUCKET: z.string().min(1).optional(),
    INFLUX_BATCH_LINES: positiveInt("INFLUX_BATCH_LINES", 5000, 100_000),
    INFLUX_FLUSH_MS: positiveInt("INFLUX_FLUSH_MS", 1000, MINUTE_MS),
    /** Disk the local spool may use while InfluxDB is unreachable; an alarm is raised at 80 %. */
    INFLUX_SPOOL_MAX_BYTES: positiveInt(
      "INFLUX_SPOOL_MAX_BYTES",
      1024 * 1024 * 1024,
      Number.MAX_SAFE_INTEGER,
    ),

    // --- Several nodes (issue 16) ---
    /**
     * PostgreSQL for the metadata (devices, users, rules, alerts, audit, webhooks…) instead of the
     * embedded SQLite file; every node of a cluster points at the same one. May hold a password.
     */
    DATABASE_URL: z
      .url({
        protocol: /^postgres(ql)?$/,
        error: "DATABASE_URL must be a URL like postgres://user:password@host:5432/envmon",
      })
      .optional(),
    /**
     * Redis joining the nodes of a cluster: live readings and alerts reach screens on every node
     * (Socket.IO's Redis Streams adapter), rule and device changes reach every node at once.
     * May hold a password.
     */
    REDIS_URL: z
      .url({ protocol: /^rediss?$/, error: "REDIS_URL must be a URL like redis://redis:6379" })
      .optional(),
    /** Connections this process keeps to DATABASE_URL. */
    DATABASE_POOL_MAX: positiveInt("DATABASE_POOL_MAX", 10, 1000),
    // --- Industrial stations reporting by file (issue 15) ---
    /**
     * JSON file of the facilities that report by file (industrial/model/facilities.ts). Without it
     * the station-file intake runs only with DEMO, for the simulated facility.
     */
    INDUSTRIAL_FACILITIES_FILE: z.string().min(1).optional(),
    /** Where the FTP server (vsftpd…) writes station files; DATA_DIR/industrial/inbox when unset. */
    INDUSTRIAL_INBOX_DIR: z.string().min(1).optional(),
    /** A file is read once its size and time have not changed for this long (an upload in progress grows). */
    INDUSTRIAL_SETTLE_MS: positiveInt("INDUSTRIAL_SETTLE_MS", 10_000, HOUR_MS),
    INDUSTRIAL_SCAN_INTERVAL_MS: positiveInt("INDUSTRIAL_SCAN_INTERVAL_MS", 2000, HOUR_MS),
    /**
     * The FTP server's transfer log in xferlog format (vsftpd: xferlog_enable=YES,
     * xferlog_std_format=YES): a file is read only after its upload is logged as complete.
     */
    INDUSTRIAL_FTP_XFERLOG: z.string().min(1).optional(),

    // --- Alerts (issue 5) ---
    /** After a start, "no data" rules wait this long before they may fire. */
    ALERT_NODATA_GRACE_MS: positiveInt("ALERT_NODATA_GRACE_MS", 600_000, DAY_MS),
    /** Reminder interval for unacknowledged critical alerts. */
    ALERT_REMINDER_INTERVAL_MS: positiveInt("ALERT_REMINDER_INTERVAL_MS", 900_000, DAY_MS),
    /** CAP <sender>: the originator of public alerts. */
    CAP_SENDER: z.string().min(1).default("quantrac@tayninh.local"),
    /** Public base URL used in CAP and Atom links; the request's host when unset. */
    PUBLIC_BASE_URL: z
      .url({ protocol: /^https?$/, error: "PUBLIC_BASE_URL must be an http(s) URL" })
      .optional(),
    /**
     * Internal webhook targets admins may register although their addresses are loopback, private,
     * link-local…: host names, addresses and networks (CIDR), comma-separated. None by default.
     */
    WEBHOOK_ALLOWED_HOSTS: z
      .string()
      .prefault("")
      .transform((raw, ctx) => {
        const parsed = parseAllowedTargets(raw);
        if (parsed.ok) return parsed.targets;
        for (const problem of parsed.problems) ctx.addIssue({ code: "custom", message: problem });
        return z.NEVER;
      }),

    // --- Open data (issue 14) ---
    /** Days of daily open-data archives kept (one gzip CSV per local day). */
    OPEN_DATA_ARCHIVE_DAYS: positiveInt("OPEN_DATA_ARCHIVE_DAYS", 365, 3650),
    /** The open data's licence, named and linked on every catalogue page and in the DCAT catalogue. */
    OPEN_DATA_LICENCE_NAME: z.string().min(1).max(200).default("CC BY 4.0"),
    OPEN_DATA_LICENCE_URL: z
      .url({ protocol: /^https?$/, error: "OPEN_DATA_LICENCE_URL must be an http(s) URL" })
      .default("https://creativecommons.org/licenses/by/4.0/"),
    /**
     * Requests per minute per client address on the open-data routes (SensorThings, CSV, catalogue):
     * a SensorThings client (QGIS, Grafana) makes many small requests.
     */
    OPEN_DATA_RATE_LIMIT: positiveInt("OPEN_DATA_RATE_LIMIT", 600, 1_000_000),
    /** Who publishes the open data (the attribution the licence asks for). */
    OPEN_DATA_PUBLISHER: z
      .string()
      .min(1)
      .max(200)
      .default("Trung tâm điều hành tỉnh Tây Ninh · Tây Ninh Provincial Operations Centre"),
    // --- Warning network (issue 13): e-mail to residents who subscribed ---
    /**
     * Outbound mail relay of warning e-mails: smtp://[user:password@]host[:port] (STARTTLS when the
     * relay offers it) or smtps://…; without it no e-mail is sent and subscriptions are refused. A
     * secret: it may hold a password.
     */
    SMTP_URL: z
      .url({ protocol: /^smtps?$/, error: "SMTP_URL must be an smtp:// or smtps:// URL" })
      .optional(),
    /** From: of warning e-mails. */
    MAIL_FROM: z.email({ error: "MAIL_FROM must be an e-mail address" }).default("canhbao@tayninh.local"),
    /** At most this many e-mails to one address per hour; more wait (warnings are never dropped). */
    MAIL_MAX_PER_RECIPIENT_PER_HOUR: positiveInt("MAIL_MAX_PER_RECIPIENT_PER_HOUR", 20, 10_000),

    // --- Monitoring (issue 11): /metrics is not for the public port's visitors ---
    /**
     * Bearer token Prometheus sends for /metrics on HTTP_PORT (`Authorization: Bearer …`); without
     * it /metrics is not served there (404). A secret: never logged, never echoed in errors.
     */
    METRICS_TOKEN: z
      .string()
      .min(24, "METRICS_TOKEN must be at least 24 characters")
      .max(512, "METRICS_TOKEN must be at most 512 characters")
      .regex(/^[A-Za-z0-9._~+/=-]+$/, "METRICS_TOKEN may hold only letters, digits and . _ ~ + / = -")
      .optional(),
    /** A second listener serving only /metrics, without a token (for a Prometheus beside the service). */
    METRICS_PORT: optionalPort("METRICS_PORT"),
    /** Interface of the METRICS_PORT listener: this host only unless told. */
    METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  })
  .superRefine((config, ctx) => {
    const allOrNone = (keys: readonly (keyof typeof config)[], what: string) => {
      const missing = keys.filter((k) => config[k] === undefined);
      if (missing.length > 0 && missing.length < keys.length) {
        ctx.addIssue({
          code: "custom",
          path: [missing[0] as string],
          message: `${what} needs ${keys.join(", ")} together; missing ${missing.join(", ")}`,
        });
      }
    };
    allOrNone(INFLUX_SETTINGS, "InfluxDB");
    allOrNone(["TLS_CERT_FILE", "TLS_KEY_FILE"], "TLS");
    if (config.METRICS_PORT !== undefined) {
      const taken = (["HTTP_PORT", "MQTT_PORT"] as const).find((k) => config[k] === config.METRICS_PORT);
      if (taken) {
        ctx.addIssue({
          code: "custom",
          path: ["METRICS_PORT"],
          message: `METRICS_PORT must differ from ${taken}`,
        });
      }
    }
    if (config.MQTT_KEEPALIVE_MIN_S > config.MQTT_KEEPALIVE_MAX_S) {
      ctx.addIssue({
        code: "custom",
        path: ["MQTT_KEEPALIVE_MIN_S"],
        message: "MQTT_KEEPALIVE_MIN_S must not exceed MQTT_KEEPALIVE_MAX_S",
      });
    }
  });

/** Settings whose values are secrets: an error about one names it, and its length, never its value. */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set([
  "MQTT_SERVICE_PASSWORD",
  "BOOTSTRAP_ADMIN_PASSWORD",
  "JWT_SECRET",
  "DEVICE_SECRET_KEY",
  "BROKER_HTTP_AUTH_TOKEN",
  "INFLUX_TOKEN",
  "METRICS_TOKEN",
  "DATABASE_URL",
  "REDIS_URL",
  "SMTP_URL",
]);

/** Settings that select InfluxDB as the time-series store (all four, or none). */
const INFLUX_SETTINGS = ["INFLUX_URL", "INFLUX_TOKEN", "INFLUX_ORG", "INFLUX_BUCKET"] as const;

export type ServiceConfig = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads the configuration from an environment; empty strings count as unset. */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): ServiceConfig {
  const known = Object.keys(configSchema.shape);
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "config");
      const given = input[key];
      if (given === undefined) return `${key}: ${issue.message}`;
      if (SECRET_SETTINGS.has(key))
        return `${key}: ${issue.message} (got ${given.length} characters, not shown)`;
      return `${key}: ${issue.message} (got '${given}')`;
    }),
  );
}

/** Where the ingest and API reach the broker. */
export const brokerUrlOf = (config: ServiceConfig): string =>
  config.MQTT_URL ?? `mqtt://127.0.0.1:${config.MQTT_PORT}`;
