import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import { InfluxDB } from "@influxdata/influxdb-client";

/**
 * The HTTP side of InfluxDB: line protocol through the client's WriteApi (no retries of its own:
 * the durable writer decides what a failure means), InfluxQL over GET /query, and /ping.
 * One keep-alive agent for everything.
 */
export interface InfluxConnectionOptions {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  /** Socket timeout of one request. */
  readonly timeoutMs: number;
  /** Most lines one write request may carry. */
  readonly maxLinesPerRequest: number;
}

/** One statement's result in InfluxDB's JSON answer to /query. */
export interface InfluxQLSeries {
  readonly name: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  readonly values: ReadonlyArray<ReadonlyArray<unknown>>;
}

export interface InfluxQLResult {
  readonly statement_id?: number;
  readonly series?: readonly InfluxQLSeries[];
  readonly error?: string;
}

/**
 * A query InfluxDB did not answer. `influxStatus` is InfluxDB's HTTP status, not one for the API's
 * client (it is not named statusCode, which an HTTP error handler would read as the answer's
 * status): reaching a request, the failure is a 500 internal_error.
 */
export class InfluxQueryError extends Error {
  constructor(
    message: string,
    readonly influxStatus?: number,
  ) {
    super(message);
    this.name = "InfluxQueryError";
  }
}

export interface InfluxHttp {
  /** Resolves once InfluxDB answered 204; rejects with the client's HttpError or a network error. */
  writeLines(bucket: string, lines: readonly string[]): Promise<void>;
  /** Runs statements (joined with ";") in one request; one result per statement, in order. */
  query(db: string, statements: readonly string[]): Promise<InfluxQLResult[]>;
  /** An empty write: checked like a real one (organization, bucket, token), stores nothing. */
  writeEmpty(bucket: string): Promise<void>;
  ping(): Promise<void>;
  close(): void;
}

/**
 * Keep-alive connections whose socket is destroyed when a request times out: the client only
 * reports the timeout, and a hung server would otherwise hold every pooled socket, leaving later
 * requests queued without any timeout at all.
 */
function keepAliveAgent(secure: boolean): http.Agent {
  const options = { keepAlive: true, maxSockets: 8 };
  const destroyOnTimeout = (socket: Duplex) => {
    socket.on("timeout", () => socket.destroy(new Error("InfluxDB request timed out")));
    return socket;
  };
  if (secure) {
    return new (class extends https.Agent {
      override createConnection(...args: Parameters<https.Agent["createConnection"]>) {
        return destroyOnTimeout(super.createConnection(...args) as Duplex);
      }
    })(options);
  }
  return new (class extends http.Agent {
    override createConnection(...args: Parameters<http.Agent["createConnection"]>) {
      return destroyOnTimeout(super.createConnection(...args) as Duplex);
    }
  })(options);
}

export function createInfluxHttp(options: InfluxConnectionOptions): InfluxHttp {
  const agent = keepAliveAgent(options.url.startsWith("https:"));
  const influx = new InfluxDB({
    url: options.url,
    token: options.token,
    timeout: options.timeoutMs,
    transportOptions: { agent },
  });

  return {
    async writeLines(bucket, lines) {
      if (lines.length === 0) return;
      if (lines.length > options.maxLinesPerRequest) {
        throw new RangeError(`at most ${options.maxLinesPerRequest} lines per request`);
      }
      // A fresh WriteApi per request: nothing is buffered or retried behind our back. Its batch
      // limits are above this request, so it never flushes on its own and swallows an error.
      const writeApi = influx.getWriteApi(options.org, bucket, "ms", {
        batchSize: options.maxLinesPerRequest + 1,
        maxBatchBytes: Number.POSITIVE_INFINITY,
        flushInterval: 0,
        maxRetries: 0,
        maxBufferLines: options.maxLinesPerRequest + 1,
        gzipThreshold: 1000,
        // Returning the rejection skips the client's own retry and its console logging.
        writeFailed: (error: Error) => Promise.reject(error),
      });
      writeApi.writeRecords(lines as string[]);
      await writeApi.flush();
    },

    async query(db, statements) {
      const params = new URLSearchParams({ db, q: statements.join(";\n"), epoch: "ms" });
      let body: unknown;
      try {
        body = await influx.transport.request(`/query?${params.toString()}`, "", {
          method: "GET",
          headers: { accept: "application/json" },
        });
      } catch (error) {
        const status = (error as { statusCode?: unknown }).statusCode;
        const json = (error as { json?: { error?: unknown } }).json;
        const detail = typeof json?.error === "string" ? json.error : (error as Error).message;
        throw new InfluxQueryError(
          `InfluxQL query failed: ${detail}`,
          typeof status === "number" ? status : undefined,
        );
      }
      const results = (body as { results?: InfluxQLResult[]; error?: string } | undefined)?.results;
      if (!Array.isArray(results)) {
        const error = (body as { error?: unknown } | undefined)?.error;
        throw new InfluxQueryError(
          `InfluxQL query failed: ${typeof error === "string" ? error : "no results"}`,
        );
      }
      for (const result of results) {
        if (result.error) throw new InfluxQueryError(`InfluxQL query failed: ${result.error}`);
      }
      return results;
    },

    async writeEmpty(bucket) {
      const params = new URLSearchParams({ org: options.org, bucket, precision: "ms" });
      await influx.transport.request(`/api/v2/write?${params.toString()}`, "", {
        method: "POST",
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    },

    async ping() {
      await influx.transport.request("/ping", "", { method: "GET" });
    },

    close() {
      agent.destroy();
    },
  };
}
