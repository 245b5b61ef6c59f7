/**
 * The only way values reach an InfluxQL statement. Identifiers and string literals are quoted
 * and escaped here; numbers must be safe integers. Callers validate first (catalogue, device id
 * pattern), so escaping is the second line of defence, not the first.
 */

export class InvalidQueryError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "InvalidQueryError";
  }
}

function escapeQuoted(value: string, quote: "'" | '"'): string {
  let out = "";
  for (const ch of value) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r" || ch === "\u0000")
      throw new InvalidQueryError("control character in a query value");
    else out += ch;
  }
  return out;
}

/** A double-quoted identifier: measurement, field or tag key. */
export const identifier = (name: string): string => `"${escapeQuoted(name, '"')}"`;

/** A single-quoted string literal: a tag value. */
export const stringLiteral = (value: string): string => `'${escapeQuoted(value, "'")}'`;

function integer(value: number, what: string): string {
  if (!Number.isSafeInteger(value)) throw new InvalidQueryError(`${what} must be a safe integer`);
  return String(value);
}

/** An absolute time as epoch milliseconds. */
export const timeLiteral = (ms: number): string => `${integer(ms, "time")}ms`;

/** A duration in milliseconds (GROUP BY time(…)). */
export function durationLiteral(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 1) throw new InvalidQueryError("duration must be a positive integer");
  return `${ms}ms`;
}

export function limitClause(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new InvalidQueryError("limit must be a positive integer");
  return `LIMIT ${limit}`;
}

/** `"tag" = 'a' OR "tag" = 'b'`, in parentheses. */
export function anyOf(tag: string, values: readonly string[]): string {
  if (values.length === 0) throw new InvalidQueryError("anyOf needs at least one value");
  return `(${values.map((v) => `${identifier(tag)} = ${stringLiteral(v)}`).join(" OR ")})`;
}

/** `time >= from AND time < to` */
export const timeRange = (from: number, to: number): string =>
  `time >= ${timeLiteral(from)} AND time < ${timeLiteral(to)}`;

/** `OFFSET n`, or nothing for 0. */
export function offsetClause(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new InvalidQueryError("offset must be a non-negative integer");
  return offset === 0 ? "" : ` OFFSET ${offset}`;
}

/** Beyond this magnitude a bound is decided without InfluxDB (no stored value comes close). */
export const MAX_BOUND_MAGNITUDE = 1e15;

/** A finite number within ±MAX_BOUND_MAGNITUDE as a decimal literal without an exponent. */
export function numberLiteral(value: number): string {
  if (!Number.isFinite(value) || Math.abs(value) >= MAX_BOUND_MAGNITUDE)
    throw new InvalidQueryError("a number in a query must be finite and below 1e15 in magnitude");
  const plain = String(value);
  return plain.includes("e") ? value.toFixed(20) : plain;
}
