/**
 * Bad input to every documented route, generated from the OpenAPI document: wrong types, missing
 * required fields, repeated parameters, malformed and oversized bodies. Sent with an admin token,
 * so access control lets each one reach validation. Every answer must be a 4xx with
 * { error, message }: never a 5xx, never a success.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { type ApiUnderTest, openApiUnderTest } from "../../test/support/api-under-test.js";

const NOW = Date.UTC(2026, 10, 22, 3, 0, 0);
const clock: Clock = { now: () => NOW };
/** Above every route's body limit (the largest, CSV import, is 4 MiB). */
const OVERSIZED_BYTES = 5 * 1024 * 1024;

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

interface Parameter {
  in: "query" | "path" | "header";
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  bodyTypes: string[];
  bodySchema?: JsonSchema;
}

interface BadRequest {
  readonly what: string;
  readonly method: string;
  readonly url: string;
  readonly contentType?: string;
  readonly payload?: string;
}

const typeOf = (schema: JsonSchema): string | undefined =>
  [schema.type].flat().find((t) => t !== "null") ?? schema.anyOf?.[0]?.type?.toString();

/** A value the parameter accepts, for the parameters a mutation leaves alone. */
function acceptable(schema: JsonSchema): string {
  if (schema.enum?.length) return String(schema.enum[0]);
  const type = typeOf(schema);
  if (type === "integer" || type === "number") return String(Math.max(1, schema.minimum ?? 1) + 999_998);
  // Fits device ids, usernames and area codes alike.
  return "tn-air-001";
}

/** Values the parameter cannot accept, each with what makes it wrong. */
function wrongValues(schema: JsonSchema): Array<[string, string]> {
  const type = typeOf(schema);
  const values: Array<[string, string]> = [];
  if (type === "integer" || type === "number")
    values.push(["abc", "text for a number"], ["1e999", "infinite"]);
  if (type === "integer") values.push(["1.5", "a fraction for an integer"]);
  if (schema.minimum !== undefined) values.push([String(schema.minimum - 1), "below the minimum"]);
  if (schema.maximum !== undefined) values.push([String(schema.maximum + 1), "above the maximum"]);
  if (schema.enum?.length) values.push(["not-a-choice", "not one of the choices"]);
  if (schema.pattern !== undefined) values.push(["bad value!", "not matching the pattern"]);
  if (schema.maxLength !== undefined) values.push(["x".repeat(schema.maxLength + 1), "too long"]);
  if (schema.minLength !== undefined && schema.minLength > 0) values.push(["", "empty"]);
  return values;
}

/** A JSON value of the wrong type for a property. */
function wrongTypeFor(schema: JsonSchema): unknown {
  if (schema.enum?.length) return "not-a-choice";
  switch (typeOf(schema)) {
    case "string":
      return 12_345;
    case "number":
    case "integer":
      return "not a number";
    case "boolean":
      return "yes";
    case "array":
      return { not: "an array" };
    case "object":
      return "not an object";
    default:
      return { unexpected: ["shape"] };
  }
}

function operationsOf(doc: { paths: Record<string, Record<string, Record<string, unknown>>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const content = (
        operation.requestBody as { content?: Record<string, { schema: JsonSchema }> } | undefined
      )?.content;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: (operation.parameters as Parameter[] | undefined) ?? [],
        bodyTypes: Object.keys(content ?? {}),
        bodySchema: content?.["application/json"]?.schema,
      });
    }
  }
  return operations;
}

function badRequestsFor(op: Operation): BadRequest[] {
  const pathParams = op.parameters.filter((p) => p.in === "path");
  const queryParams = op.parameters.filter((p) => p.in === "query");
  const url = (path: Record<string, string> = {}, query: Array<[string, string]> = []) => {
    let filled = op.path;
    for (const p of pathParams) {
      filled = filled.replace(`{${p.name}}`, encodeURIComponent(path[p.name] ?? acceptable(p.schema)));
    }
    const search = new URLSearchParams(query).toString();
    return search ? `${filled}?${search}` : filled;
  };
  const requiredQuery = queryParams
    .filter((p) => p.required)
    .map((p): [string, string] => [p.name, acceptable(p.schema)]);
  const json = op.bodyTypes.includes("application/json");
  const sendsBody = op.bodyTypes.length > 0;
  const requests: BadRequest[] = [];
  const add = (what: string, target: string, body?: { contentType: string; payload: string }) =>
    requests.push({ what, method: op.method, url: target, ...body });
  // A body the route accepts in shape, when the mutation is elsewhere: {} for JSON, nothing otherwise.
  const neutralBody = json ? { contentType: "application/json", payload: "{}" } : undefined;

  for (const p of pathParams) {
    for (const [value, why] of wrongValues(p.schema))
      add(`path ${p.name}: ${why}`, url({ [p.name]: value }, requiredQuery), neutralBody);
  }
  for (const p of queryParams) {
    const others = requiredQuery.filter(([name]) => name !== p.name);
    for (const [value, why] of wrongValues(p.schema))
      add(`query ${p.name}: ${why}`, url({}, [...others, [p.name, value]]));
    add(
      `query ${p.name}: given twice`,
      url({}, [...others, [p.name, acceptable(p.schema)], [p.name, acceptable(p.schema)]]),
    );
    if (p.required) add(`query ${p.name}: missing`, url({}, others));
  }
  if (sendsBody) {
    const target = url({}, requiredQuery);
    const big = "x".repeat(OVERSIZED_BYTES);
    add("body: over the size limit", target, {
      contentType: json ? "application/json" : (op.bodyTypes[0] ?? "text/plain"),
      payload: json ? JSON.stringify({ padding: big }) : big,
    });
    add("body: a media type the route does not take", target, {
      contentType: "application/xml",
      payload: "<x/>",
    });
  }
  if (json) {
    const target = url({}, requiredQuery);
    const send = (what: string, payload: string) =>
      add(`body: ${what}`, target, { contentType: "application/json", payload });
    send("not JSON", "{not json");
    send("empty", "");
    for (const value of ["[]", '"text"', "42", "null", "true"]) send(`${value} instead of an object`, value);
    send("__proto__ key", '{"__proto__": {"polluted": true}}');
    send("nested a thousand deep", `${"[".repeat(1000)}${"]".repeat(1000)}`);
    const schema = op.bodySchema ?? {};
    if ((schema.required ?? []).length > 0) send("missing every required field", "{}");
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      send(`${name}: wrong type`, JSON.stringify({ [name]: wrongTypeFor(property) }));
    }
  }
  return requests;
}

describe("bad input to every documented route (generated from OpenAPI)", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let admin: Record<string, string>;
  let operations: Operation[];

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-bad-input-");
    app = await api.server({
      rateLimits: {
        auth: { max: 100_000, timeWindow: 60_000 },
        public: { max: 100_000, timeWindow: 60_000 },
      },
    });
    admin = await api.headersFor("admin");
    const doc = (await app.inject({ method: "GET", url: "/docs/json" })).json();
    operations = operationsOf(doc).filter(
      (op) => op.path.startsWith("/api/v1") || op.path.startsWith("/cap"),
    );
  });

  afterAll(async () => {
    await api?.close();
  });

  it("finds the routes that take input, so the sweep below covers something", () => {
    const withInput = operations.filter((op) => op.parameters.length > 0 || op.bodyTypes.length > 0);
    const names = withInput.map((op) => `${op.method} ${op.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "GET /api/v1/readings",
        "POST /api/v1/auth/login",
        "POST /api/v1/users",
        "PATCH /api/v1/users/{username}",
        "GET /api/v1/audit",
        "POST /api/v1/rules",
        "POST /api/v1/indices/vn-wqi",
        "POST /api/v1/devices",
      ]),
    );
    expect(withInput.length).toBeGreaterThan(25);
  });

  it("answers every bad request with a 4xx { error, message }, never a 5xx or a success", async () => {
    const requests = operations.flatMap(badRequestsFor);
    expect(requests.length).toBeGreaterThan(300);
    const wrong: string[] = [];
    for (const request of requests) {
      const response = await app.inject({
        method: request.method as "GET",
        url: request.url,
        headers: { ...admin, ...(request.contentType ? { "content-type": request.contentType } : {}) },
        ...(request.payload === undefined ? {} : { payload: request.payload }),
      });
      let body: unknown;
      try {
        body = response.json();
      } catch {
        body = response.body.slice(0, 80);
      }
      const shaped =
        typeof body === "object" &&
        body !== null &&
        typeof (body as { error?: unknown }).error === "string" &&
        typeof (body as { message?: unknown }).message === "string";
      if (response.statusCode < 400 || response.statusCode >= 500 || !shaped) {
        wrong.push(
          `${request.method} ${request.url.slice(0, 100)} (${request.what}): ${response.statusCode} ${JSON.stringify(body).slice(0, 160)}`,
        );
      }
    }
    expect(wrong).toEqual([]);
  });
});
