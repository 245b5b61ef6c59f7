/**
 * SensorThings query options ($top, $skip, $count, $select, $expand, $filter, $orderby), read from
 * the query string with zod and parsed into a typed, bounded request. Pure.
 */
import { z } from "zod";
import {
  type Expression,
  ODataSyntaxError,
  type OrderTerm,
  parseFilter,
  parseOrderBy,
} from "./odata-expression.js";

/** Entities per page when $top is not given, and the most a page may hold (server-side limit). */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** $skip beyond this is refused: deep pages cost the store more than they serve anyone. */
export const MAX_SKIP = 1_000_000;
const MAX_EXPAND_DEPTH = 4;

export interface QueryOptions {
  readonly top: number;
  /** True when $top was given (nextLink then repeats it). */
  readonly topGiven: boolean;
  readonly skip: number;
  readonly count: boolean;
  /** Property names; undefined: all. */
  readonly select?: readonly string[];
  readonly expand: readonly ExpandItem[];
  readonly filter?: Expression;
  /**
   * $filter, $orderby, $select, $expand and $count as given, for the nextLink of an expanded
   * collection (a top-level nextLink repeats the request's own query string).
   */
  readonly given: Readonly<Record<string, string>>;
  readonly orderBy: readonly OrderTerm[];
}

export interface ExpandItem {
  /** Navigation property name, e.g. "Datastreams". */
  readonly name: string;
  readonly options: QueryOptions;
}

/** A query option that is not valid; the message says which and why (shown to the client). */
export class QueryOptionError extends Error {
  override readonly name = "QueryOptionError";
}

const integerOption = (name: string, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `${name} must be a non-negative integer`)
    .transform(Number)
    .refine((n) => n <= max, `${name} must be at most ${max}`);

const rawOptionsSchema = z
  .object({
    $top: integerOption("$top", Number.MAX_SAFE_INTEGER).optional(),
    $skip: integerOption("$skip", MAX_SKIP).optional(),
    $count: z.enum(["true", "false"], { error: "$count must be true or false" }).optional(),
    $select: z.string().max(2000).optional(),
    $expand: z.string().max(2000).optional(),
    $filter: z.string().max(2000).optional(),
    $orderby: z.string().max(2000).optional(),
    $resultFormat: z.string().optional(),
  })
  .catchall(z.unknown());

const NAME = /^(?:@iot\.id|@iot\.selfLink|[A-Za-z][A-Za-z0-9_]*)$/;

function parseSelect(text: string): string[] {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new QueryOptionError("$select names no property");
  for (const name of names) {
    if (!NAME.test(name)) throw new QueryOptionError(`$select: '${name}' is not a property name`);
  }
  return names.map((n) => (n === "@iot.id" ? "id" : n));
}

/** Splits on `separator` outside parentheses and quotes. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (ch === "(") depth += 1;
    else if (ch === ")") {
      depth -= 1;
      if (depth < 0) throw new QueryOptionError("$expand: unbalanced parentheses");
    } else if (ch === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0 || quoted) throw new QueryOptionError("$expand: unbalanced parentheses or quotes");
  parts.push(text.slice(start));
  return parts;
}

function parseExpand(text: string, depth: number): ExpandItem[] {
  if (depth > MAX_EXPAND_DEPTH) throw new QueryOptionError(`$expand nested deeper than ${MAX_EXPAND_DEPTH}`);
  const items: ExpandItem[] = [];
  for (const rawPart of splitTopLevel(text, ",")) {
    const part = rawPart.trim();
    if (part === "") throw new QueryOptionError("$expand: empty item");
    const open = part.indexOf("(");
    const pathText = (open < 0 ? part : part.slice(0, open)).trim();
    let nested: Record<string, string> = {};
    if (open >= 0) {
      if (!part.endsWith(")")) throw new QueryOptionError(`$expand: '${part}' does not end with ')'`);
      nested = {};
      for (const option of splitTopLevel(part.slice(open + 1, -1), ";")) {
        const eq = option.indexOf("=");
        if (eq < 0) throw new QueryOptionError(`$expand: '${option}' is not name=value`);
        nested[option.slice(0, eq).trim()] = option.slice(eq + 1).trim();
      }
    }
    const path = pathText.split("/").map((p) => p.trim());
    if (path.some((p) => !/^[A-Za-z]+$/.test(p)))
      throw new QueryOptionError(`$expand: '${pathText}' is not a navigation path`);
    // A/B(options) is A($expand=B(options)).
    let item: ExpandItem = {
      name: path[path.length - 1] as string,
      options: parseOptions(nested, depth + 1),
    };
    for (let i = path.length - 2; i >= 0; i -= 1) {
      item = {
        name: path[i] as string,
        options: {
          ...parseOptions({}, depth + 1),
          expand: [item],
          given: { $expand: path.slice(i + 1).join("/") },
        },
      };
    }
    items.push(item);
  }
  return items;
}

function parseOptions(raw: Record<string, unknown>, depth: number): QueryOptions {
  const checked = rawOptionsSchema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new QueryOptionError(issue ? issue.message : "invalid query options");
  }
  const o = checked.data;
  const known = new Set([
    "$top",
    "$skip",
    "$count",
    "$select",
    "$expand",
    "$filter",
    "$orderby",
    "$resultFormat",
  ]);
  for (const key of Object.keys(raw)) {
    if (key.startsWith("$") && !known.has(key)) throw new QueryOptionError(`unknown query option ${key}`);
  }
  if (o.$resultFormat !== undefined)
    throw new QueryOptionError("$resultFormat is not offered (dataArray extension)");
  try {
    return {
      top: Math.min(o.$top ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
      topGiven: o.$top !== undefined,
      skip: o.$skip ?? 0,
      count: o.$count === "true",
      ...(o.$select === undefined ? {} : { select: parseSelect(o.$select) }),
      expand: o.$expand === undefined ? [] : parseExpand(o.$expand, depth),
      ...(o.$filter === undefined ? {} : { filter: parseFilter(o.$filter) }),
      given: Object.fromEntries(
        (["$filter", "$orderby", "$select", "$expand", "$count"] as const)
          .filter((k) => o[k] !== undefined)
          .map((k) => [k, o[k] as string]),
      ),
      orderBy: o.$orderby === undefined ? [] : parseOrderBy(o.$orderby),
    };
  } catch (error) {
    if (error instanceof ODataSyntaxError) throw new QueryOptionError(error.message);
    throw error;
  }
}

/** The query options of a request (its parsed query string); throws QueryOptionError. */
export function readQueryOptions(query: Record<string, unknown>): QueryOptions {
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) throw new QueryOptionError(`${key} is given more than once`);
  }
  return parseOptions(query, 0);
}
