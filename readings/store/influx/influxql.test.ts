import { describe, expect, it } from "vitest";
import {
  anyOf,
  durationLiteral,
  InvalidQueryError,
  identifier,
  limitClause,
  stringLiteral,
  timeLiteral,
  timeRange,
} from "./influxql.js";

/**
 * Reads one quoted token the way InfluxQL's scanner does and returns its value and what follows:
 * a literal that ends early would let the rest of the text run as InfluxQL.
 */
function scanQuoted(text: string): { value: string; rest: string } {
  const quote = text[0];
  let value = "";
  for (let i = 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") {
      const next = text[++i];
      value += next === "n" ? "\n" : (next ?? "");
    } else if (ch === quote) {
      return { value, rest: text.slice(i + 1) };
    } else {
      value += ch;
    }
  }
  throw new Error("unterminated");
}

const ATTACKS = [
  "x' OR '1'='1",
  "x'; DROP MEASUREMENT readings; SELECT '",
  'pm25" FROM readings; DROP DATABASE envmon; SELECT "x',
  "\\' OR 1=1 --",
  "trailing backslash \\",
  "new\nline",
  "'",
  '"',
  "\\",
];

describe("InfluxQL quoting", () => {
  it("keeps every attack inside its string literal, value unchanged", () => {
    for (const attack of ATTACKS) {
      const { value, rest } = scanQuoted(stringLiteral(attack));
      expect(value, attack).toBe(attack);
      expect(rest, attack).toBe("");
    }
  });

  it("keeps every attack inside its identifier, value unchanged", () => {
    for (const attack of ATTACKS) {
      const { value, rest } = scanQuoted(identifier(attack));
      expect(value, attack).toBe(attack);
      expect(rest, attack).toBe("");
    }
  });

  it("refuses characters a literal cannot carry", () => {
    expect(() => stringLiteral("a\rb")).toThrow(InvalidQueryError);
    expect(() => identifier("a\u0000b")).toThrow(InvalidQueryError);
  });

  it("accepts only safe integers as times, durations and limits", () => {
    expect(timeLiteral(1_763_683_200_000)).toBe("1763683200000ms");
    expect(timeRange(1, 2)).toBe("time >= 1ms AND time < 2ms");
    expect(durationLiteral(420_000)).toBe("420000ms");
    expect(limitClause(10)).toBe("LIMIT 10");
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1.5, 2 ** 60, "1; DROP" as unknown as number]) {
      expect(() => timeLiteral(bad)).toThrow(InvalidQueryError);
      expect(() => durationLiteral(bad)).toThrow(InvalidQueryError);
      expect(() => limitClause(bad)).toThrow(InvalidQueryError);
    }
    expect(() => durationLiteral(0)).toThrow(InvalidQueryError);
    expect(() => limitClause(0)).toThrow(InvalidQueryError);
  });

  it("joins alternatives of one tag", () => {
    expect(anyOf("device", ["a", "b'c"])).toBe(`("device" = 'a' OR "device" = 'b\\'c')`);
    expect(() => anyOf("device", [])).toThrow(InvalidQueryError);
  });
});
