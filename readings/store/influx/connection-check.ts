import { createInfluxHttp } from "./influx-http.js";

/**
 * The start-up check: InfluxDB answers, takes the token, and has both buckets. An empty write is
 * the probe, because it goes through the same checks as a real one (organization, bucket, write
 * permission) without storing anything — a query cannot tell a missing bucket from an empty one.
 */
export type InfluxConnectionProblem =
  | "unreachable"
  | "unauthorized"
  | "org_missing"
  | "bucket_missing"
  | "unexpected";

export class InfluxConnectionError extends Error {
  constructor(
    readonly problem: InfluxConnectionProblem,
    message: string,
  ) {
    super(message);
    this.name = "InfluxConnectionError";
  }
}

export interface InfluxConnectionCheck {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly buckets: readonly string[];
  readonly timeoutMs?: number;
}

const detail = (error: unknown) => {
  const json = (error as { json?: { message?: unknown } }).json;
  if (typeof json?.message === "string") return json.message;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === "string" && !message.includes(code) ? `${code} ${message}` : message;
};

export async function checkInfluxConnection(check: InfluxConnectionCheck): Promise<void> {
  const http = createInfluxHttp({
    url: check.url,
    token: check.token,
    org: check.org,
    timeoutMs: check.timeoutMs ?? 5000,
    maxLinesPerRequest: 1,
  });
  try {
    try {
      await http.ping();
    } catch (error) {
      throw new InfluxConnectionError(
        "unreachable",
        `InfluxDB at ${check.url} does not answer (${detail(error)}); check INFLUX_URL and that InfluxDB is running`,
      );
    }
    for (const bucket of check.buckets) {
      try {
        await http.writeEmpty(bucket);
      } catch (error) {
        const status = (error as { statusCode?: unknown }).statusCode;
        const why = detail(error);
        if (status === 401 || status === 403) {
          throw new InfluxConnectionError(
            "unauthorized",
            `InfluxDB at ${check.url} refused the token (HTTP ${status}: ${why}); ` +
              `INFLUX_TOKEN needs write and read access to bucket '${bucket}' in organization '${check.org}'`,
          );
        }
        if (status === 404 && /organization/i.test(why)) {
          throw new InfluxConnectionError(
            "org_missing",
            `InfluxDB at ${check.url} has no organization '${check.org}' (${why}); check INFLUX_ORG`,
          );
        }
        if (status === 404) {
          throw new InfluxConnectionError(
            "bucket_missing",
            `InfluxDB at ${check.url} has no bucket '${bucket}' in organization '${check.org}' (${why}); ` +
              `create it, e.g. influx bucket create --name ${bucket} --retention <duration>`,
          );
        }
        throw new InfluxConnectionError(
          typeof status === "number" ? "unexpected" : "unreachable",
          `InfluxDB at ${check.url} failed the start-up check on bucket '${bucket}': ${why}`,
        );
      }
    }
  } finally {
    http.close();
  }
}
