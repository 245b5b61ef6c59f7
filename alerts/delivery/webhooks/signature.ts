import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Webhook signatures: `X-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw request body
 * keyed with the webhook's secret. Receivers recompute it over the bytes they received (before
 * any JSON parsing) and compare in constant time.
 */
export const SIGNATURE_HEADER = "x-signature-256";
/** The transition id: the same for every retry of one event, so receivers can drop repeats. */
export const EVENT_ID_HEADER = "x-event-id";

export function signWebhookBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export function verifyWebhookSignature(
  secret: string,
  body: string | Uint8Array,
  header: string | undefined,
): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signWebhookBody(secret, body));
  const received = Buffer.from(header);
  return expected.length === received.length && timingSafeEqual(expected, received);
}
