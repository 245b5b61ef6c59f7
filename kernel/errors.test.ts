import { describe, expect, it } from "vitest";
import {
  ERROR_CATALOGUE,
  ERROR_CODES,
  type ErrorCode,
  GENERIC_ERROR_CODES,
  genericErrorCode,
  isErrorCode,
  isServiceError,
  ServiceError,
} from "./errors.js";

describe("the error catalogue", () => {
  it("gives every code a 4xx or 5xx status and a default message; codes are unique snake_case", () => {
    expect(ERROR_CODES.length).toBeGreaterThan(0);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) {
      const { status, message } = ERROR_CATALOGUE[code];
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(Number.isInteger(status), code).toBe(true);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThanOrEqual(599);
      expect(message.trim(), code).not.toBe("");
    }
  });

  it("keeps the codes and statuses clients rely on (add codes; never change one)", () => {
    const statuses = Object.fromEntries(ERROR_CODES.map((code) => [code, ERROR_CATALOGUE[code].status]));
    expect(statuses).toEqual({
      bad_request: 400,
      invalid: 400,
      invalid_rule: 400,
      unauthorized: 401,
      forbidden: 403,
      not_found: 404,
      conflict: 409,
      last_admin: 409,
      insufficient_data: 422,
      too_many_attempts: 429,
      too_many_requests: 429,
      internal_error: 500,
    });
    expect(ERROR_CATALOGUE.internal_error.message).toBe("internal error");
  });

  it("names a general code for a status: the catalogue's own, else bad_request (4xx) or internal_error (5xx)", () => {
    for (const [status, code] of Object.entries(GENERIC_ERROR_CODES)) {
      expect(ERROR_CATALOGUE[code].status, code).toBe(Number(status));
      expect(genericErrorCode(Number(status))).toBe(code);
    }
    expect(genericErrorCode(413)).toBe("bad_request");
    expect(genericErrorCode(415)).toBe("bad_request");
    expect(genericErrorCode(503)).toBe("internal_error");
  });

  it("tells catalogue codes from other strings", () => {
    for (const code of ERROR_CODES) expect(isErrorCode(code)).toBe(true);
    for (const other of ["", "Not Found", "toString", "constructor", "__proto__", 404, undefined]) {
      expect(isErrorCode(other), String(other)).toBe(false);
    }
  });
});

describe("ServiceError", () => {
  it("carries its code's status, and its message or the code's default", () => {
    const refused = new ServiceError("not_found", "no device 'tn-air-404'");
    expect(refused).toBeInstanceOf(Error);
    expect(isServiceError(refused)).toBe(true);
    expect(refused).toMatchObject({ code: "not_found", statusCode: 404, name: "ServiceError" });
    expect(refused.body).toEqual({ error: "not_found", message: "no device 'tn-air-404'" });
    expect(new ServiceError("forbidden").body).toEqual({
      error: "forbidden",
      message: ERROR_CATALOGUE.forbidden.message,
    });
  });

  it("adds details to the body and keeps the headers the answer needs", () => {
    const refused = new ServiceError("invalid_rule", "rule refused: name is required", {
      details: { problems: ["name is required"] },
    });
    expect(refused.body).toEqual({
      error: "invalid_rule",
      message: "rule refused: name is required",
      problems: ["name is required"],
    });
    const locked = new ServiceError("too_many_attempts", undefined, { headers: { "retry-after": "900" } });
    expect(locked.statusCode).toBe(429);
    expect(locked.headers).toEqual({ "retry-after": "900" });
  });

  it("never tells a client the message of a 5xx: that is for the log", () => {
    const cause = new Error("SQLITE_CORRUPT");
    const failed = new ServiceError(
      "internal_error",
      "database file /var/lib/envmon/metadata.db is corrupt",
      {
        cause,
      },
    );
    expect(failed.statusCode).toBe(500);
    expect(failed.message).toContain("metadata.db");
    expect(failed.cause).toBe(cause);
    expect(failed.body).toEqual({ error: "internal_error", message: "internal error" });
  });

  it("is a base for refusals of their own class", () => {
    class GoneError extends ServiceError<"not_found"> {
      override readonly name = "GoneError";
      constructor(id: string) {
        super("not_found", `'${id}' is gone`);
      }
    }
    const gone = new GoneError("x");
    expect(isServiceError(gone)).toBe(true);
    expect(gone).toMatchObject({ name: "GoneError", code: "not_found", statusCode: 404 });
    const code: ErrorCode = gone.code;
    expect(code).toBe("not_found");
    expect(isServiceError(new Error("x"))).toBe(false);
    expect(isServiceError({ code: "not_found", statusCode: 404 })).toBe(false);
  });
});
