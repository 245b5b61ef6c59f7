import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { EXCERPT_MAX_CHARS, responseExcerpt } from "./response-excerpt.js";
import { retryAfterMs, retryDelayMs } from "./retry-delay.js";
import { signWebhookBody, verifyWebhookSignature } from "./signature.js";
import { createTokenBucket } from "./token-bucket.js";

describe("webhook signature", () => {
  const secret = "receiver-secret-0123456789abcdef0123";
  const body = '{"id":42,"message":{"vi":"Bụi PM2.5 cao","en":"PM2.5 high"}}';

  it("is sha256= and the hex HMAC-SHA256 of the raw UTF-8 body", () => {
    const expected = createHmac("sha256", secret).update(Buffer.from(body, "utf8")).digest("hex");
    expect(signWebhookBody(secret, body)).toBe(`sha256=${expected}`);
    expect(signWebhookBody(secret, body)).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("verifies only the same body under the same secret", () => {
    const header = signWebhookBody(secret, body);
    expect(verifyWebhookSignature(secret, Buffer.from(body), header)).toBe(true);
    expect(verifyWebhookSignature(secret, body.replace("42", "43"), header)).toBe(false);
    expect(verifyWebhookSignature(`${secret}x`, body, header)).toBe(false);
    expect(verifyWebhookSignature(secret, body, header.slice(0, -1))).toBe(false);
    expect(verifyWebhookSignature(secret, body, undefined)).toBe(false);
  });
});

describe("retry delay", () => {
  const policy = { baseDelayMs: 10_000, maxDelayMs: 30 * 60_000 };

  it("doubles from the base, with half of it jittered, up to the cap", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, () => 0))).toEqual([
      5_000, 10_000, 20_000, 40_000,
    ]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, () => 0.999_999))).toEqual([
      10_000, 20_000, 40_000, 80_000,
    ]);
    expect(retryDelayMs(20, policy, () => 0.5)).toBe(Math.round(0.75 * policy.maxDelayMs));
  });

  it("reads Retry-After in seconds or as an HTTP date", () => {
    const now = Date.UTC(2026, 10, 21, 8, 0, 0);
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("Sat, 21 Nov 2026 08:01:00 GMT", now)).toBe(60_000);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe("token bucket", () => {
  it("allows a burst up to its capacity, then refills at its rate", () => {
    const t0 = 1_000_000;
    const bucket = createTokenBucket({ capacity: 3, refillPerMinute: 6 }, t0);
    expect([1, 2, 3, 4].map(() => bucket.tryTake(t0))).toEqual([true, true, true, false]);
    expect(bucket.msUntilToken(t0)).toBe(10_000);
    expect(bucket.tryTake(t0 + 9_999)).toBe(false);
    expect(bucket.tryTake(t0 + 10_000)).toBe(true);
    // A long quiet spell fills it to capacity, no further.
    const later = t0 + 3_600_000;
    expect([1, 2, 3, 4].map(() => bucket.tryTake(later))).toEqual([true, true, true, false]);
  });

  it("refuses limits that would never let anything through", () => {
    expect(() => createTokenBucket({ capacity: 0, refillPerMinute: 1 }, 0)).toThrow(RangeError);
    expect(() => createTokenBucket({ capacity: 1, refillPerMinute: 0 }, 0)).toThrow(RangeError);
  });
});

describe("response excerpt", () => {
  it("keeps a short answer as it is", () => {
    expect(responseExcerpt("not now")).toBe("not now");
    expect(responseExcerpt('{"error":"quota exceeded"}')).toBe('{"error":"quota exceeded"}');
    expect(responseExcerpt("Lỗi máy chủ")).toBe("Lỗi máy chủ");
    expect(responseExcerpt("")).toBe("");
  });

  it("turns control and format characters into single spaces", () => {
    expect(responseExcerpt("line one\r\nline two\n\n\tend  ")).toBe("line one line two end");
    expect(responseExcerpt("\u001b[31mred\u001b[0m\u0000bell\u0007")).toBe("[31mred [0m bell");
    expect(responseExcerpt("admin\u202Egnp.exe\u200B\u2028x\u0085y")).toBe("admin gnp.exe x y");
    expect(responseExcerpt("cut\uFFFD")).toBe("cut");
  });

  it("cuts a long answer to at most 200 characters, not splitting a character", () => {
    const long = responseExcerpt("ừ".repeat(500));
    expect(Array.from(long)).toHaveLength(EXCERPT_MAX_CHARS);
    expect(long.endsWith("…")).toBe(true);
    const emoji = responseExcerpt("😀".repeat(300));
    expect(Array.from(emoji)).toHaveLength(EXCERPT_MAX_CHARS);
    expect(emoji.slice(0, -1)).toBe("😀".repeat(EXCERPT_MAX_CHARS - 1));
    expect(responseExcerpt("x".repeat(EXCERPT_MAX_CHARS))).toBe("x".repeat(EXCERPT_MAX_CHARS));
  });
});
