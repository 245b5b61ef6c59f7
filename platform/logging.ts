/**
 * The service's logger: JSON lines for machines (stdout not a terminal: containers, systemd,
 * log shippers), readable coloured lines when a person watches a terminal. Secrets are redacted
 * wherever they appear in a logged object, so a careless `logger.info({ config })` cannot leak them.
 */
import { type Logger, type LoggerOptions, pino } from "pino";
import pinoPretty from "pino-pretty";
import { SECRET_SETTINGS } from "./config.js";

/** Keys whose values are never written, at the top level or one level down (pino's redact paths). */
const SECRET_KEYS = [
  "password",
  "newPassword",
  "secret",
  "token",
  "accessToken",
  "refreshToken",
  "authorization",
  "cookie",
  "jwtSecret",
  "servicePassword",
] as const;

/** The field names above and every secret setting of the configuration (its one list). */
const REDACTED_KEYS = [...SECRET_KEYS, ...SECRET_SETTINGS];

export const REDACTED_PATHS: readonly string[] = [
  ...REDACTED_KEYS,
  ...REDACTED_KEYS.map((key) => `*.${key}`),
  'req.headers["authorization"]',
  'req.headers["cookie"]',
];

export interface LoggerSettings {
  readonly level: string;
  /** Human-readable lines; default: when stdout is a terminal. */
  readonly pretty?: boolean;
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: "envmon" },
    redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
  };
  const pretty = settings.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    return pino(
      options,
      pinoPretty({
        colorize: settings.destination === undefined,
        translateTime: "SYS:HH:MM:ss",
        ignore: "pid,hostname,service,module",
        messageFormat: "{if module}[{module}] {end}{msg}",
        ...(settings.destination ? { destination: settings.destination } : {}),
        sync: true,
      }),
    );
  }
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
