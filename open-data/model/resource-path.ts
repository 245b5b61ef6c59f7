/**
 * A SensorThings resource path after the version root: `Things(1)/Datastreams`, `Datastreams(3)/name/$value`,
 * `Things(1)/Locations/$ref`. Pure.
 */
import { ENTITY_SETS, type EntitySet } from "./sta-model.js";

export interface PathSegment {
  readonly name: string;
  /** Present when the segment addresses one entity by id: `Things(1)`. */
  readonly id?: number;
}

export type ResourcePath =
  | { readonly kind: "root" }
  | {
      readonly kind: "resource";
      readonly set: EntitySet;
      readonly segments: readonly PathSegment[];
      /** A property of the addressed entity, with `/$value` for its raw value. */
      readonly property?: { readonly name: string; readonly raw: boolean };
      /** `/$ref`: links instead of entities. */
      readonly ref: boolean;
    };

/** A path that names nothing here; answered 404 (unknown names) or 400 (malformed ids). */
export class ResourcePathError extends Error {
  override readonly name = "ResourcePathError";
  constructor(
    message: string,
    readonly status: 400 | 404,
  ) {
    super(message);
  }
}

const SEGMENT = /^([A-Za-z]+)(?:\((.*)\))?$/;
const MAX_SEGMENTS = 12;

function parseId(raw: string, name: string): number {
  if (/^\d{1,16}$/.test(raw)) {
    const id = Number(raw);
    if (Number.isSafeInteger(id)) return id;
  }
  // Ids here are numbers: a quoted or out-of-range id names nothing.
  if (/^'.*'$/.test(raw) || /^\d+$/.test(raw))
    throw new ResourcePathError(`${name}(${raw}) does not exist`, 404);
  throw new ResourcePathError(`${name}(${raw}): an id is a number`, 400);
}

export function parseResourcePath(path: string): ResourcePath {
  const parts = path.split("/").filter((p, i, all) => p !== "" || (i > 0 && i < all.length - 1));
  if (parts.length === 0) return { kind: "root" };
  if (parts.length > MAX_SEGMENTS) throw new ResourcePathError("resource path too long", 400);
  const segments: PathSegment[] = [];
  let property: { name: string; raw: boolean } | undefined;
  let ref = false;
  for (let i = 0; i < parts.length; i += 1) {
    let part = parts[i] as string;
    try {
      part = decodeURIComponent(part);
    } catch {
      throw new ResourcePathError("resource path is not valid percent-encoding", 400);
    }
    if (part === "") throw new ResourcePathError("empty path segment", 404);
    if (part === "$ref") {
      if (i !== parts.length - 1 || property) throw new ResourcePathError("$ref must end the path", 400);
      ref = true;
      continue;
    }
    if (part === "$value") {
      if (!property || i !== parts.length - 1) throw new ResourcePathError("$value follows a property", 400);
      property = { ...property, raw: true };
      continue;
    }
    if (property) throw new ResourcePathError(`nothing follows the property ${property.name}`, 404);
    const match = SEGMENT.exec(part);
    if (!match) throw new ResourcePathError(`${part} is not part of this service`, 404);
    const [, name, rawId] = match as unknown as [string, string, string | undefined];
    const isEntityName = i === 0 ? (ENTITY_SETS as readonly string[]).includes(name) : /^[A-Z]/.test(name);
    if (!isEntityName) {
      if (i === 0) throw new ResourcePathError(`${name} is not an entity set of this service`, 404);
      if (rawId !== undefined) throw new ResourcePathError(`${part} is not part of this service`, 404);
      property = { name, raw: false };
      continue;
    }
    segments.push(rawId === undefined ? { name } : { name, id: parseId(rawId, name) });
  }
  return {
    kind: "resource",
    set: segments[0]?.name as EntitySet,
    segments,
    ...(property ? { property } : {}),
    ref,
  };
}
