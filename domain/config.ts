import { z } from "zod";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "./limits.js";

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

export const configSchema = z.object({
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
  DEMO_INTERVAL_MS: positiveInt("DEMO_INTERVAL_MS", 5000, 3_600_000),
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
    .max(60_000)
    .default(250),
  SHUTDOWN_TIMEOUT_MS: positiveInt("SHUTDOWN_TIMEOUT_MS", 15_000, 600_000),
  /** Which AQI the index engine computes and the API serves: Vietnam's VN_AQI or the US EPA AQI. */
  AQI_STANDARD: z.enum(["vn", "us"], { error: "AQI_STANDARD must be vn or us" }).default("vn"),
  /** Wait after an hour closes before its means and indices are computed (late readings still count). */
  INDEX_GRACE_MS: z.coerce
    .number({ error: "INDEX_GRACE_MS must be a number" })
    .int("INDEX_GRACE_MS must be an integer")
    .min(0, "INDEX_GRACE_MS must be 0 or more")
    .max(86_400_000, "INDEX_GRACE_MS must be at most 86400000 (one day)")
    .default(120_000),
  /** How often the index engine looks for closed hours and late readings. */
  INDEX_TICK_MS: positiveInt("INDEX_TICK_MS", 30_000, 3_600_000),
});

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
      return given === undefined ? `${key}: ${issue.message}` : `${key}: ${issue.message} (got '${given}')`;
    }),
  );
}

/** Where the ingest and API reach the broker. */
export const brokerUrlOf = (config: ServiceConfig): string =>
  config.MQTT_URL ?? `mqtt://127.0.0.1:${config.MQTT_PORT}`;
