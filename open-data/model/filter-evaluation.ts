/**
 * Evaluates $filter and $orderby expressions on entities held in memory (the stations' metadata,
 * and observations already read through the store's index). Pure.
 */
import type { Expression, OrderTerm } from "./odata-expression.js";

/** A point in time inside an evaluation (date-time literals, time properties). */
export class Instant {
  constructor(readonly ms: number) {}
}

/** A time interval (phenomenonTime of an hourly or daily value); compared by its start. */
export class Interval extends Instant {
  constructor(
    ms: number,
    readonly endMs: number,
  ) {
    super(ms);
  }
}

export type Value = number | string | boolean | null | Instant | Record<string, unknown> | undefined;

/** Reads a property path of the entity being tested (undefined when it has none). */
export type PathReader = (path: readonly string[]) => Value;

export interface EvaluationContext {
  readonly read: PathReader;
  /** now() */
  readonly now: number;
}

/** An expression that cannot be evaluated on these values; a client error. */
export class FilterEvaluationError extends Error {
  override readonly name = "FilterEvaluationError";
}

const isInstant = (v: Value): v is Instant => v instanceof Instant;

function asTime(v: Value): number | undefined {
  if (isInstant(v)) return v.ms;
  if (typeof v === "string") {
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** -1, 0, 1, or undefined when the two cannot be ordered. */
export function compareValues(a: Value, b: Value): number | undefined {
  if (a === null || a === undefined || b === null || b === undefined) return undefined;
  if (isInstant(a) || isInstant(b)) {
    const x = asTime(a);
    const y = asTime(b);
    if (x === undefined || y === undefined) return undefined;
    return Math.sign(x - y);
  }
  if (typeof a === "number" && typeof b === "number") return Math.sign(a - b);
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return undefined;
}

function equal(a: Value, b: Value): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  const order = compareValues(a, b);
  return order === 0;
}

function str(v: Value, fn: string): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "";
  throw new FilterEvaluationError(`${fn}() needs text`);
}

function num(v: Value, what: string): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  throw new FilterEvaluationError(`${what} needs numbers`);
}

function timeParts(v: Value, fn: string): Date | null {
  const ms = asTime(v);
  if (v === null || v === undefined) return null;
  if (ms === undefined) throw new FilterEvaluationError(`${fn}() needs a date-time`);
  return new Date(ms);
}

function call(name: string, args: Value[], now: number): Value {
  const [a, b, c] = args;
  switch (name) {
    case "substringof":
      return str(b, name).includes(str(a, name));
    case "contains":
      return str(a, name).includes(str(b, name));
    case "endswith":
      return str(a, name).endsWith(str(b, name));
    case "startswith":
      return str(a, name).startsWith(str(b, name));
    case "length":
      return str(a, name).length;
    case "indexof":
      return str(a, name).indexOf(str(b, name));
    case "substring": {
      const s = str(a, name);
      const from = num(b, name) ?? 0;
      return c === undefined ? s.substring(from) : s.substr(from, num(c, name) ?? 0);
    }
    case "tolower":
      return str(a, name).toLowerCase();
    case "toupper":
      return str(a, name).toUpperCase();
    case "trim":
      return str(a, name).trim();
    case "concat":
      return str(a, name) + str(b, name);
    case "year":
      return timeParts(a, name)?.getUTCFullYear() ?? null;
    case "month":
      return (timeParts(a, name)?.getUTCMonth() ?? -2) + 1 || null;
    case "day":
      return timeParts(a, name)?.getUTCDate() ?? null;
    case "hour":
      return timeParts(a, name)?.getUTCHours() ?? null;
    case "minute":
      return timeParts(a, name)?.getUTCMinutes() ?? null;
    case "second":
      return timeParts(a, name)?.getUTCSeconds() ?? null;
    case "fractionalseconds": {
      const d = timeParts(a, name);
      return d ? d.getUTCMilliseconds() / 1000 : null;
    }
    case "date": {
      const d = timeParts(a, name);
      return d ? new Instant(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())) : null;
    }
    case "time": {
      const d = timeParts(a, name);
      return d ? d.toISOString().slice(11, 23) : null;
    }
    case "totaloffsetminutes":
      return timeParts(a, name) ? 0 : null;
    case "now":
      return new Instant(now);
    case "mindatetime":
      return new Instant(-8_640_000_000_000_000);
    case "maxdatetime":
      return new Instant(8_640_000_000_000_000);
    case "round":
    case "floor":
    case "ceiling": {
      const x = num(a, name);
      if (x === null) return null;
      return name === "round" ? Math.round(x) : name === "floor" ? Math.floor(x) : Math.ceil(x);
    }
    default:
      throw new FilterEvaluationError(`unsupported function ${name}`);
  }
}

export function evaluate(expression: Expression, context: EvaluationContext): Value {
  switch (expression.kind) {
    case "literal": {
      const l = expression.literal;
      if (l.kind === "null") return null;
      if (l.kind === "time") return new Instant(l.value);
      return l.value;
    }
    case "path":
      return context.read(expression.path);
    case "not":
      return evaluate(expression.operand, context) !== true;
    case "negate": {
      const v = num(evaluate(expression.operand, context), "-");
      return v === null ? null : -v;
    }
    case "logical": {
      const left = evaluate(expression.left, context) === true;
      if (expression.op === "and") return left && evaluate(expression.right, context) === true;
      return left || evaluate(expression.right, context) === true;
    }
    case "compare": {
      const left = evaluate(expression.left, context);
      const right = evaluate(expression.right, context);
      if (expression.op === "eq") return equal(left, right);
      if (expression.op === "ne") return !equal(left, right);
      const order = compareValues(left, right);
      if (order === undefined) return false;
      switch (expression.op) {
        case "gt":
          return order > 0;
        case "ge":
          return order >= 0;
        case "lt":
          return order < 0;
        default:
          return order <= 0;
      }
    }
    case "arithmetic": {
      const left = evaluate(expression.left, context);
      const right = evaluate(expression.right, context);
      // Time ± duration (durations are ms numbers after parsing).
      if (
        isInstant(left) &&
        typeof right === "number" &&
        (expression.op === "add" || expression.op === "sub")
      )
        return new Instant(expression.op === "add" ? left.ms + right : left.ms - right);
      if (isInstant(left) && isInstant(right) && expression.op === "sub") return left.ms - right.ms;
      const x = num(left, expression.op);
      const y = num(right, expression.op);
      if (x === null || y === null) return null;
      switch (expression.op) {
        case "add":
          return x + y;
        case "sub":
          return x - y;
        case "mul":
          return x * y;
        case "div":
          return y === 0 ? null : x / y;
        default:
          return y === 0 ? null : x % y;
      }
    }
    case "call":
      return call(
        expression.name,
        expression.args.map((arg) => evaluate(arg, context)),
        context.now,
      );
  }
}

export const matches = (filter: Expression | undefined, context: EvaluationContext): boolean =>
  filter === undefined || evaluate(filter, context) === true;

/** Compares two entities by $orderby terms; nulls sort first ascending. */
export function compareByTerms(
  terms: readonly OrderTerm[],
  a: EvaluationContext,
  b: EvaluationContext,
): number {
  for (const term of terms) {
    const x = evaluate(term.expression, a);
    const y = evaluate(term.expression, b);
    let order: number;
    if ((x === null || x === undefined) && (y === null || y === undefined)) order = 0;
    else if (x === null || x === undefined) order = -1;
    else if (y === null || y === undefined) order = 1;
    else order = compareValues(x, y) ?? 0;
    if (order !== 0) return term.direction === "desc" ? -order : order;
  }
  return 0;
}
