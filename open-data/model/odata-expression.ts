/**
 * The OData expression language of SensorThings' query options ($filter, $orderby), as a small
 * recursive-descent parser into a typed tree. Pure; nothing here touches a database: stores get
 * bounds extracted from the tree (observation-bounds.ts) and every value travels as a parameter.
 */

export type Literal =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "null" }
  /** An ISO 8601 date-time (or date) literal, as epoch ms. */
  | { readonly kind: "time"; readonly value: number }
  /** An ISO 8601 duration literal (duration'P1D'), as ms. */
  | { readonly kind: "duration"; readonly value: number };

export const COMPARISONS = ["eq", "ne", "gt", "ge", "lt", "le"] as const;
export type Comparison = (typeof COMPARISONS)[number];
export const ARITHMETIC = ["add", "sub", "mul", "div", "mod"] as const;
export type Arithmetic = (typeof ARITHMETIC)[number];

export type Expression =
  | { readonly kind: "literal"; readonly literal: Literal }
  /** A property path, e.g. ["Datastream", "Thing", "name"] or ["properties", "area"]. */
  | { readonly kind: "path"; readonly path: readonly string[] }
  | {
      readonly kind: "compare";
      readonly op: Comparison;
      readonly left: Expression;
      readonly right: Expression;
    }
  | {
      readonly kind: "logical";
      readonly op: "and" | "or";
      readonly left: Expression;
      readonly right: Expression;
    }
  | { readonly kind: "not"; readonly operand: Expression }
  | { readonly kind: "negate"; readonly operand: Expression }
  | {
      readonly kind: "arithmetic";
      readonly op: Arithmetic;
      readonly left: Expression;
      readonly right: Expression;
    }
  | { readonly kind: "call"; readonly name: string; readonly args: readonly Expression[] };

/** The functions of the filtering extension that this service evaluates, with their arity. */
export const FUNCTIONS: Readonly<Record<string, readonly [number, number]>> = {
  substringof: [2, 2],
  contains: [2, 2],
  endswith: [2, 2],
  startswith: [2, 2],
  length: [1, 1],
  indexof: [2, 2],
  substring: [2, 3],
  tolower: [1, 1],
  toupper: [1, 1],
  trim: [1, 1],
  concat: [2, 2],
  year: [1, 1],
  month: [1, 1],
  day: [1, 1],
  hour: [1, 1],
  minute: [1, 1],
  second: [1, 1],
  fractionalseconds: [1, 1],
  date: [1, 1],
  time: [1, 1],
  totaloffsetminutes: [1, 1],
  now: [0, 0],
  mindatetime: [0, 0],
  maxdatetime: [0, 0],
  round: [1, 1],
  floor: [1, 1],
  ceiling: [1, 1],
};

/** A query option the service cannot read; the message names the option and the place. */
export class ODataSyntaxError extends Error {
  override readonly name = "ODataSyntaxError";
}

type Token =
  | { readonly type: "number"; readonly value: number; readonly at: number }
  | { readonly type: "string"; readonly value: string; readonly at: number }
  | { readonly type: "time"; readonly value: number; readonly at: number }
  | { readonly type: "duration"; readonly value: number; readonly at: number }
  | { readonly type: "word"; readonly value: string; readonly at: number }
  | { readonly type: "punct"; readonly value: "(" | ")" | "," | "/" | "-"; readonly at: number }
  | { readonly type: "end"; readonly at: number };

const DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?(?![\w:.])/;
const NUMBER = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:[dDfFmMlL])?(?![\w])/;
const WORD = /^[A-Za-z_@][A-Za-z0-9_.@]*/;
const DURATION =
  /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Longest expression text and nesting accepted: a bound on the work one request can ask for. */
export const MAX_EXPRESSION_LENGTH = 2000;
const MAX_DEPTH = 40;

function parseTime(text: string, at: number): number {
  // A date alone is midnight UTC; anything with a time must say its offset (checked by the pattern).
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms)) throw new ODataSyntaxError(`invalid date-time ${text} at position ${at + 1}`);
  return ms;
}

function parseDuration(text: string, at: number): number {
  const match = DURATION.exec(text);
  if (!match || text === "P" || text.endsWith("T"))
    throw new ODataSyntaxError(`invalid duration '${text}' at position ${at + 1}`);
  const [, d, h, m, s] = match;
  return (Number(d ?? 0) * 24 * 3600 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000;
}

function tokenize(text: string): Token[] {
  if (text.length > MAX_EXPRESSION_LENGTH)
    throw new ODataSyntaxError(`expression longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === " " || ch === "\t") {
      i += 1;
      continue;
    }
    const rest = text.slice(i);
    if (ch === "'") {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new ODataSyntaxError(`unterminated string starting at position ${i + 1}`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j += 1;
      }
      tokens.push({ type: "string", value, at: i });
      i = j + 1;
      continue;
    }
    const time = DATE_TIME.exec(rest);
    if (time) {
      tokens.push({ type: "time", value: parseTime(time[0], i), at: i });
      i += time[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      const value = Number(number[0].replace(/[dDfFmMlL]$/, ""));
      if (!Number.isFinite(value)) throw new ODataSyntaxError(`number out of range at position ${i + 1}`);
      tokens.push({ type: "number", value, at: i });
      i += number[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (word) {
      const quoted = text[i + word[0].length] === "'";
      if (quoted && word[0] === "duration") {
        const end = text.indexOf("'", i + word[0].length + 1);
        if (end < 0) throw new ODataSyntaxError(`unterminated duration at position ${i + 1}`);
        tokens.push({ type: "duration", value: parseDuration(text.slice(i + 9, end), i), at: i });
        i = end + 1;
        continue;
      }
      if (quoted) {
        throw new ODataSyntaxError(
          `typed literal ${word[0]}'…' at position ${i + 1} is not supported (geography functions are not offered)`,
        );
      }
      tokens.push({ type: "word", value: word[0], at: i });
      i += word[0].length;
      continue;
    }
    if (ch === "(" || ch === ")" || ch === "," || ch === "/" || ch === "-") {
      tokens.push({ type: "punct", value: ch, at: i });
      i += 1;
      continue;
    }
    throw new ODataSyntaxError(`unexpected character '${ch}' at position ${i + 1}`);
  }
  tokens.push({ type: "end", at: text.length });
  return tokens;
}

const describe = (token: Token) =>
  token.type === "end"
    ? "the end"
    : `'${"value" in token ? String(token.value) : ""}' at position ${token.at + 1}`;

class Parser {
  private index = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }
  private next(): Token {
    const token = this.peek();
    if (token.type !== "end") this.index += 1;
    return token;
  }
  private isWord(value: string): boolean {
    const token = this.peek();
    return token.type === "word" && token.value.toLowerCase() === value;
  }
  private isPunct(value: string): boolean {
    const token = this.peek();
    return token.type === "punct" && token.value === value;
  }
  private expectPunct(value: string): void {
    if (!this.isPunct(value))
      throw new ODataSyntaxError(`expected '${value}', found ${describe(this.peek())}`);
    this.next();
  }

  atEnd(): boolean {
    return this.peek().type === "end";
  }

  expectEnd(): void {
    if (!this.atEnd()) throw new ODataSyntaxError(`unexpected ${describe(this.peek())}`);
  }

  /** Consumes `asc`/`desc` if present. */
  direction(): "asc" | "desc" | undefined {
    if (this.isWord("asc") || this.isWord("desc"))
      return (this.next() as { value: string }).value.toLowerCase() as "asc" | "desc";
    return undefined;
  }

  comma(): boolean {
    if (!this.isPunct(",")) return false;
    this.next();
    return true;
  }

  expression(): Expression {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) throw new ODataSyntaxError(`expression nested deeper than ${MAX_DEPTH}`);
    try {
      return this.or();
    } finally {
      this.depth -= 1;
    }
  }

  private or(): Expression {
    let left = this.and();
    while (this.isWord("or")) {
      this.next();
      left = { kind: "logical", op: "or", left, right: this.and() };
    }
    return left;
  }

  private and(): Expression {
    let left = this.not();
    while (this.isWord("and")) {
      this.next();
      left = { kind: "logical", op: "and", left, right: this.not() };
    }
    return left;
  }

  private not(): Expression {
    if (this.isWord("not")) {
      this.next();
      return { kind: "not", operand: this.not() };
    }
    return this.comparison();
  }

  private comparison(): Expression {
    const left = this.additive();
    const token = this.peek();
    if (token.type === "word" && (COMPARISONS as readonly string[]).includes(token.value.toLowerCase())) {
      this.next();
      return { kind: "compare", op: token.value.toLowerCase() as Comparison, left, right: this.additive() };
    }
    return left;
  }

  private additive(): Expression {
    let left = this.multiplicative();
    while (this.isWord("add") || this.isWord("sub")) {
      const op = (this.next() as { value: string }).value.toLowerCase() as Arithmetic;
      left = { kind: "arithmetic", op, left, right: this.multiplicative() };
    }
    return left;
  }

  private multiplicative(): Expression {
    let left = this.unary();
    while (this.isWord("mul") || this.isWord("div") || this.isWord("mod")) {
      const op = (this.next() as { value: string }).value.toLowerCase() as Arithmetic;
      left = { kind: "arithmetic", op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Expression {
    if (this.isPunct("-")) {
      this.next();
      const operand = this.unary();
      if (operand.kind === "literal" && operand.literal.kind === "number")
        return { kind: "literal", literal: { kind: "number", value: -operand.literal.value } };
      return { kind: "negate", operand };
    }
    return this.primary();
  }

  private primary(): Expression {
    const token = this.next();
    switch (token.type) {
      case "number":
        return { kind: "literal", literal: { kind: "number", value: token.value } };
      case "string":
        return { kind: "literal", literal: { kind: "string", value: token.value } };
      case "time":
        return { kind: "literal", literal: { kind: "time", value: token.value } };
      case "duration":
        return { kind: "literal", literal: { kind: "duration", value: token.value } };
      case "punct":
        if (token.value === "(") {
          const inner = this.expression();
          this.expectPunct(")");
          return inner;
        }
        throw new ODataSyntaxError(`unexpected ${describe(token)}`);
      case "end":
        throw new ODataSyntaxError("the expression ends too early");
      case "word":
        return this.wordExpression(token.value, token.at);
    }
  }

  private wordExpression(word: string, at: number): Expression {
    const lower = word.toLowerCase();
    if (lower === "true" || lower === "false")
      return { kind: "literal", literal: { kind: "boolean", value: lower === "true" } };
    if (lower === "null") return { kind: "literal", literal: { kind: "null" } };
    if (this.isPunct("(")) {
      const arity = FUNCTIONS[lower];
      if (!arity) throw new ODataSyntaxError(`unknown or unsupported function ${word} at position ${at + 1}`);
      this.next();
      const args: Expression[] = [];
      if (!this.isPunct(")")) {
        do args.push(this.expression());
        while (this.comma());
      }
      this.expectPunct(")");
      if (args.length < arity[0] || args.length > arity[1])
        throw new ODataSyntaxError(
          `${lower} takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]}–${arity[1]}`} arguments`,
        );
      return { kind: "call", name: lower, args };
    }
    const path = [word];
    while (this.isPunct("/")) {
      this.next();
      const part = this.next();
      if (part.type !== "word")
        throw new ODataSyntaxError(`expected a property name after '/', found ${describe(part)}`);
      path.push(part.value);
    }
    return { kind: "path", path };
  }

  /** A navigation path `A/B/C` for $expand. */
  navigationPath(): string[] {
    const path: string[] = [];
    do {
      const part = this.next();
      if (part.type !== "word")
        throw new ODataSyntaxError(`expected an entity name, found ${describe(part)}`);
      path.push(part.value);
    } while (this.isPunct("/") && this.next());
    return path;
  }
}

/** $filter text → expression tree. */
export function parseFilter(text: string): Expression {
  const parser = new Parser(tokenize(text));
  const expression = parser.expression();
  parser.expectEnd();
  return expression;
}

export interface OrderTerm {
  readonly expression: Expression;
  readonly direction: "asc" | "desc";
}

/** $orderby text → terms, each `asc` unless it says `desc`. */
export function parseOrderBy(text: string): OrderTerm[] {
  const parser = new Parser(tokenize(text));
  const terms: OrderTerm[] = [];
  do terms.push({ expression: parser.expression(), direction: parser.direction() ?? "asc" });
  while (parser.comma());
  parser.expectEnd();
  return terms;
}
