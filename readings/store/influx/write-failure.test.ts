import { HttpError, RequestTimedOutError } from "@influxdata/influxdb-client";
import { describe, expect, it } from "vitest";
import { classifyWriteFailure } from "./write-failure.js";

const http = (status: number, body = "", headers: Record<string, string> = {}) =>
  new HttpError(status, "status", body, headers["retry-after"], "application/json", undefined, headers);

describe("what a failed write means", () => {
  it("keeps and retries everything but a batch refused for its content", () => {
    const connectionRefused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8086"), {
      code: "ECONNREFUSED",
    });
    expect(classifyWriteFailure(connectionRefused)).toMatchObject({ kind: "network", retryable: true });
    expect(classifyWriteFailure(new RequestTimedOutError())).toMatchObject({
      kind: "network",
      retryable: true,
    });
    expect(classifyWriteFailure(http(500))).toMatchObject({ kind: "server_error", retryable: true });
    expect(classifyWriteFailure(http(503))).toMatchObject({ kind: "server_error", retryable: true });
    expect(
      classifyWriteFailure(http(401, '{"code":"unauthorized","message":"unauthorized access"}')),
    ).toMatchObject({
      kind: "unauthorized",
      retryable: true,
      reason: "HTTP 401: unauthorized access",
    });
    expect(classifyWriteFailure(http(403))).toMatchObject({ kind: "unauthorized", retryable: true });
    expect(classifyWriteFailure(http(404, '{"message":"bucket \\"x\\" not found"}'))).toMatchObject({
      kind: "not_found",
      retryable: true,
    });
    expect(classifyWriteFailure(http(413))).toMatchObject({ kind: "too_large", retryable: false });
  });

  it("honours Retry-After on 429", () => {
    expect(classifyWriteFailure(http(429, "", { "retry-after": "7" }))).toMatchObject({
      kind: "throttled",
      retryable: true,
      retryAfterMs: 7000,
    });
    expect(classifyWriteFailure(http(429))).not.toHaveProperty("retryAfterMs");
  });

  it("keeps the server's reason for a refused batch", () => {
    const body = JSON.stringify({
      code: "unprocessable entity",
      message:
        'partial write: field type conflict: input field "pm25" on measurement "readings" is type float',
    });
    expect(classifyWriteFailure(http(422, body))).toEqual({
      kind: "rejected",
      retryable: false,
      status: 422,
      reason: `HTTP 422: partial write: field type conflict: input field "pm25" on measurement "readings" is type float`,
    });
    expect(classifyWriteFailure(http(400, '{"code":"invalid","message":"unable to parse"}'))).toMatchObject({
      kind: "rejected",
      reason: "HTTP 400: unable to parse",
    });
  });
});
