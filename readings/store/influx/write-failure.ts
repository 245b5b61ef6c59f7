/**
 * Why a write to InfluxDB failed, and what to do about it. Only a batch the server refuses for its
 * content (400, 422…) is final; everything else — the server down, overloaded, restarting, or
 * refusing the token or bucket until an operator fixes it — is kept in the spool and retried.
 */
export type WriteFailureKind =
  | "network"
  | "server_error"
  | "throttled"
  | "unauthorized"
  | "not_found"
  | "too_large"
  | "rejected";

export const WRITE_FAILURE_KINDS: readonly WriteFailureKind[] = [
  "network",
  "server_error",
  "throttled",
  "unauthorized",
  "not_found",
  "too_large",
  "rejected",
];

export interface WriteFailure {
  readonly kind: WriteFailureKind;
  /** Keep the lines and try again later (as opposed to splitting or dead-lettering them). */
  readonly retryable: boolean;
  readonly status?: number;
  /** The server's own explanation when it gave one. */
  readonly reason: string;
  /** What the server asked for with Retry-After, in ms. */
  readonly retryAfterMs?: number;
}

interface HttpErrorLike {
  readonly statusCode: number;
  readonly message?: string;
  readonly body?: string;
  readonly json?: unknown;
  readonly headers?: Record<string, unknown>;
}

const isHttpError = (error: unknown): error is HttpErrorLike =>
  typeof error === "object" && error !== null && typeof (error as HttpErrorLike).statusCode === "number";

function serverReason(error: HttpErrorLike): string {
  const json = error.json as { message?: unknown; error?: unknown } | undefined;
  const fromJson = typeof json?.message === "string" ? json.message : json?.error;
  const text = typeof fromJson === "string" && fromJson ? fromJson : (error.body ?? error.message ?? "");
  return `HTTP ${error.statusCode}: ${String(text).slice(0, 2000)}`;
}

function retryAfterMs(error: HttpErrorLike): number | undefined {
  const header = error.headers?.["retry-after"];
  const raw = Array.isArray(header) ? header[0] : header;
  if (typeof raw !== "string" || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim()) * 1000;
}

export function classifyWriteFailure(error: unknown): WriteFailure {
  if (!isHttpError(error)) {
    const code = (error as { code?: unknown } | null)?.code;
    const message = error instanceof Error ? error.message : String(error);
    return {
      kind: "network",
      retryable: true,
      reason: typeof code === "string" ? `${code}: ${message}` : message,
    };
  }
  const status = error.statusCode;
  const reason = serverReason(error);
  const base = { status, reason };
  if (status === 429) {
    const after = retryAfterMs(error);
    return {
      ...base,
      kind: "throttled",
      retryable: true,
      ...(after === undefined ? {} : { retryAfterMs: after }),
    };
  }
  if (status >= 500 || status === 408) return { ...base, kind: "server_error", retryable: true };
  if (status === 401 || status === 403) return { ...base, kind: "unauthorized", retryable: true };
  if (status === 404) return { ...base, kind: "not_found", retryable: true };
  if (status === 413) return { ...base, kind: "too_large", retryable: false };
  if (status >= 400) return { ...base, kind: "rejected", retryable: false };
  // A 2xx other than 204, or a redirect: the write is not known to have landed.
  return { ...base, kind: "server_error", retryable: true };
}
