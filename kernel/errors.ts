/**
 * The catalogue of coded errors the HTTP API answers: each code with its HTTP status and a
 * default message. An answer is always `{"error": "<code>", "message": "<text>"}` (the shape of
 * errorResponseSchema, kernel/api-contract.ts), sometimes with more fields (invalid_rule's
 * `problems`). Clients (the dashboard, scripts, tests) rely on the codes and statuses: add
 * codes, never change one.
 *
 * Code refuses a request by throwing a ServiceError (or an error class that extends it) with a
 * catalogue code; the server's error handler (platform/http/error-replies.ts) answers it with the
 * code's status. Anything else thrown is a bug or an outage: 500 internal_error, its message kept
 * for the log and never sent. The error handler also answers, with their own statuses, the
 * errors Fastify and its plugins raise for requests they refuse (a body too large is 413
 * bad_request, an unsupported media type 415 bad_request), and the validation of a route's
 * schema (400 bad_request naming the parameter).
 *
 * Refusals that extend ServiceError: DeviceRegistryError (devices/store: not_found, conflict,
 * invalid), DeviceCsvError (devices/model: invalid), UserExistsError (auth/store: conflict).
 * Refusals mapped to the catalogue in one place: TokenRejectedError (auth/access-tokens.ts, also
 * read by the Socket.IO handshake) becomes unauthorized in auth/access-control.ts; an alert
 * transition's refusal (alerts/model/alert-lifecycle.ts) carries a catalogue code as its reason.
 *
 * Errors that are not answers to an HTTP request, and stay outside the catalogue:
 * - ConfigError (platform/config.ts): the configuration is refused at startup, the process exits;
 * - InfluxConnectionError (readings/store/influx): InfluxDB unreachable or misconfigured at startup;
 * - InfluxQueryError, InvalidQueryError, SpoolFullError (readings/store/influx): store failures,
 *   a 500 internal_error if one reaches a request;
 * - CellValueError (devices/model/device-csv.ts): one bad CSV cell or CLI flag, reported per row
 *   in an import's answer (200), never as the answer's error;
 * - TargetRefusedError (platform/http/outbound-guard.ts): a webhook delivery refused by the
 *   outbound guard, recorded on the delivery (registering such a URL is 400 bad_request);
 * - BrokerRefusal (broker/refusal.ts): an MQTT refusal (CONNACK or a dropped packet);
 * - the MQTT rejection reasons (kernel/rejections.ts), the Socket.IO acks (`rate_limited`…) and
 *   the mosquitto-go-auth answers (`{ ok: false, error }`, broker/api): other protocols' answers.
 *
 * Pure: no imports, so the dashboard can read the catalogue too.
 */

export interface ErrorEntry {
  /** The HTTP status of every answer with this code. */
  readonly status: number;
  /** Said when the code is thrown without a message of its own; always said for 5xx. */
  readonly message: string;
}

export const ERROR_CATALOGUE = {
  bad_request: { status: 400, message: "the request is not valid" },
  /** A device the registry or a CSV import refuses as a whole (devices/). */
  invalid: { status: 400, message: "the device data is not valid" },
  /** An alert rule refused, with `problems`: every problem by field (alerts/api). */
  invalid_rule: { status: 400, message: "the alert rule is not valid" },
  unauthorized: { status: 401, message: "log in first" },
  forbidden: { status: 403, message: "this needs another role" },
  not_found: { status: 404, message: "not found" },
  conflict: { status: 409, message: "this conflicts with the current state" },
  /** The change would leave no enabled admin (auth/api). */
  last_admin: { status: 409, message: "the last enabled admin must stay an enabled admin" },
  /** The input cannot support an index (indices/ calculators). */
  insufficient_data: { status: 422, message: "the input cannot support an index" },
  /** Failed logins locked the account for a while; with Retry-After. */
  too_many_attempts: { status: 429, message: "too many failed logins: try again later" },
  /** A rate limit of the client's address; with Retry-After. */
  too_many_requests: { status: 429, message: "too many requests: try again later" },
  internal_error: { status: 500, message: "internal error" },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as readonly ErrorCode[];

/**
 * The code of an answer known only by its status (an error Fastify or a plugin raised): the
 * catalogue's general code for that status; bad_request for other 4xx, internal_error for 5xx.
 */
export const GENERIC_ERROR_CODES: Readonly<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  429: "too_many_requests",
  500: "internal_error",
};

export const genericErrorCode = (status: number): ErrorCode =>
  GENERIC_ERROR_CODES[status] ?? (status >= 500 ? "internal_error" : "bad_request");

export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === "string" && Object.hasOwn(ERROR_CATALOGUE, value);

/** The answer's body: `error` and `message`, then the details. */
export type ErrorBody = { readonly error: ErrorCode; readonly message: string } & Readonly<
  Record<string, unknown>
>;

export interface ServiceErrorOptions {
  /** More fields of the answer beside error and message, e.g. invalid_rule's `problems`. */
  readonly details?: Readonly<Record<string, unknown>> & { readonly error?: never; readonly message?: never };
  /** Response headers the refusal needs: WWW-Authenticate with a 401, Retry-After with a 429. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/**
 * A refusal with a catalogue code; thrown, the error handler answers it with the code's status.
 * `statusCode` is the code's status (what Fastify reads from any error).
 */
export class ServiceError<C extends ErrorCode = ErrorCode> extends Error {
  readonly statusCode: number;
  readonly details: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: C,
    message?: string,
    options: ServiceErrorOptions = {},
  ) {
    super(
      message ?? ERROR_CATALOGUE[code].message,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.name = "ServiceError";
    this.statusCode = ERROR_CATALOGUE[code].status;
    this.details = options.details ?? {};
    this.headers = options.headers ?? {};
  }

  /** What a client is told; for a 5xx only the catalogue's message (the error's own is for the log). */
  get body(): ErrorBody {
    const message = this.statusCode >= 500 ? ERROR_CATALOGUE[this.code].message : this.message;
    return { error: this.code, message, ...this.details };
  }
}

export const isServiceError = (value: unknown): value is ServiceError => value instanceof ServiceError;
