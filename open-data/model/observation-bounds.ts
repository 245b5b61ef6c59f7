/**
 * What of an Observations $filter the store can answer from its index: a phenomenonTime (or
 * resultTime) range, bounds on the result, and the Datastreams named by id. Only conjuncts of the
 * top-level `and` are taken; whatever else the filter says stays `residual` and is checked in
 * memory on the rows the bounds let through. Pure.
 */
import type { Comparison, Expression } from "./odata-expression.js";

/** A bound on observation results (the same shape as the store's ValueBound). */
export interface ValueBound {
  readonly value: number;
  readonly inclusive: boolean;
}

export interface ObservationBounds {
  /** Inclusive, epoch ms. */
  readonly from: number;
  /** Exclusive, epoch ms. */
  readonly to: number;
  readonly min?: ValueBound;
  readonly max?: ValueBound;
  /** Datastream ids the filter restricts to (intersection of `Datastream/id eq n`). */
  readonly datastreamIds?: ReadonlySet<number>;
  /** True when part of the filter is not expressed by the bounds. */
  readonly residual: boolean;
}

export const EARLIEST_MS = Date.UTC(2000, 0, 1);
export const LATEST_MS = Date.UTC(2139, 0, 1);

const TIME_PATHS = new Set(["phenomenonTime", "resultTime"]);
const FLIP: Record<Comparison, Comparison> = { eq: "eq", ne: "ne", gt: "lt", ge: "le", lt: "gt", le: "ge" };

function conjuncts(expression: Expression): Expression[] {
  if (expression.kind === "logical" && expression.op === "and")
    return [...conjuncts(expression.left), ...conjuncts(expression.right)];
  return [expression];
}

type Side = { path: readonly string[]; op: Comparison; literal: Expression & { kind: "literal" } };

function normalise(expression: Expression): Side | undefined {
  if (expression.kind !== "compare") return undefined;
  const { left, right, op } = expression;
  if (left.kind === "path" && right.kind === "literal") return { path: left.path, op, literal: right };
  if (right.kind === "path" && left.kind === "literal")
    return { path: right.path, op: FLIP[op], literal: left };
  return undefined;
}

export function observationBounds(filter: Expression | undefined): ObservationBounds {
  let from = EARLIEST_MS;
  let to = LATEST_MS;
  let min: ValueBound | undefined;
  let max: ValueBound | undefined;
  let datastreamIds: Set<number> | undefined;
  let residual = false;
  const tighterMin = (b: ValueBound) => {
    if (!min || b.value > min.value || (b.value === min.value && !b.inclusive)) min = b;
  };
  const tighterMax = (b: ValueBound) => {
    if (!max || b.value < max.value || (b.value === max.value && !b.inclusive)) max = b;
  };
  for (const part of filter ? conjuncts(filter) : []) {
    const side = normalise(part);
    const literal = side?.literal.literal;
    const path = side?.path ?? [];
    if (side && literal?.kind === "time" && path.length === 1 && TIME_PATHS.has(path[0] as string)) {
      const t = literal.value;
      // Milliseconds are the store's resolution: > t is >= t + 1.
      if (side.op === "eq") {
        from = Math.max(from, t);
        to = Math.min(to, t + 1);
      } else if (side.op === "gt") from = Math.max(from, Math.floor(t) + 1);
      else if (side.op === "ge") from = Math.max(from, Math.ceil(t));
      else if (side.op === "lt") to = Math.min(to, Math.ceil(t));
      else if (side.op === "le") to = Math.min(to, Math.floor(t) + 1);
      else residual = true;
      continue;
    }
    if (side && literal?.kind === "number" && path.length === 1 && path[0] === "result") {
      const value = literal.value;
      if (side.op === "eq") {
        tighterMin({ value, inclusive: true });
        tighterMax({ value, inclusive: true });
      } else if (side.op === "gt" || side.op === "ge") tighterMin({ value, inclusive: side.op === "ge" });
      else if (side.op === "lt" || side.op === "le") tighterMax({ value, inclusive: side.op === "le" });
      else residual = true;
      continue;
    }
    if (
      side &&
      side.op === "eq" &&
      literal?.kind === "number" &&
      path.length === 2 &&
      path[0] === "Datastream" &&
      (path[1] === "id" || path[1] === "@iot.id")
    ) {
      const only = new Set(Number.isSafeInteger(literal.value) ? [literal.value] : []);
      datastreamIds = datastreamIds ? new Set([...datastreamIds].filter((id) => only.has(id))) : only;
      continue;
    }
    residual = true;
  }
  return {
    from,
    to,
    ...(min ? { min } : {}),
    ...(max ? { max } : {}),
    ...(datastreamIds ? { datastreamIds } : {}),
    residual,
  };
}
