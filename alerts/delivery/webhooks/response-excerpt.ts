/** Characters of a receiver's answer kept with a failed delivery. */
export const EXCERPT_MAX_CHARS = 200;

/**
 * What is kept of a receiver's answer (the body of a failed delivery): a short excerpt for an
 * admin to recognise the error by, not a copy of whatever the receiver sent. Control and format
 * characters (line breaks, escape sequences, bidirectional overrides, zero-width characters) become
 * spaces, runs of white space one space, and the text is cut to `max` characters ("…" marks a cut).
 */
export function responseExcerpt(text: string, max = EXCERPT_MAX_CHARS): string {
  const clean = text
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\uFFFD]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  const chars = Array.from(clean);
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join("")}…`;
}
