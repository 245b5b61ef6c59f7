import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * Conditional answers for public data: a strong ETag of the body, Last-Modified when the data has
 * a time, and 304 Not Modified when the client already holds this version.
 */
export interface CachingOptions {
  /** Newest time the answer's data carries, epoch ms. */
  readonly lastModified?: number;
  /** Cache-Control; default: caches may keep it but must revalidate. */
  readonly cacheControl?: string;
}

export const etagOf = (body: string | Buffer) =>
  `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;

const httpDate = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toUTCString();

function notModified(request: FastifyRequest, etag: string, lastModified: number | undefined): boolean {
  const ifNoneMatch = request.headers["if-none-match"];
  if (typeof ifNoneMatch === "string") {
    return ifNoneMatch
      .split(",")
      .map((t) => t.trim().replace(/^W\//, ""))
      .some((t) => t === etag || t === "*");
  }
  const since = request.headers["if-modified-since"];
  if (typeof since === "string" && lastModified !== undefined) {
    const sinceMs = Date.parse(since);
    return Number.isFinite(sinceMs) && Math.floor(lastModified / 1000) * 1000 <= sinceMs;
  }
  return false;
}

/** Sends `body` with validators, or 304 when the request's validators match. */
export function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  body: string | Buffer,
  options: CachingOptions = {},
): FastifyReply {
  const etag = etagOf(body);
  reply.header("ETag", etag);
  reply.header("Cache-Control", options.cacheControl ?? "public, no-cache");
  if (options.lastModified !== undefined) reply.header("Last-Modified", httpDate(options.lastModified));
  if (notModified(request, etag, options.lastModified)) return reply.code(304).send();
  return reply.send(body);
}
