import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluate, Instant } from "./filter-evaluation.js";
import { EARLIEST_MS, LATEST_MS, observationBounds } from "./observation-bounds.js";
import { ODataSyntaxError, parseFilter, parseOrderBy } from "./odata-expression.js";
import { QueryOptionError, readQueryOptions } from "./query-options.js";

const run = (filter: string, values: Record<string, unknown> = {}) =>
  evaluate(parseFilter(filter), {
    read: (path) => values[path.join("/")] as never,
    now: Date.UTC(2026, 10, 21),
  });

describe("OData $filter parsing and evaluation", () => {
  it("follows OData precedence: not, then comparison, then and, then or", () => {
    expect(run("1 eq 1 or 1 eq 2 and 2 eq 3")).toBe(true);
    expect(run("(1 eq 1 or 1 eq 2) and 2 eq 3")).toBe(false);
    expect(run("not 1 eq 2")).toBe(true);
    expect(run("2 add 3 mul 4 eq 14")).toBe(true);
    expect(run("-result lt 0", { result: 5 })).toBe(true);
  });

  it("reads literals: strings with doubled quotes, numbers, dates, durations, booleans, null", () => {
    expect(run("name eq 'l''eau'", { name: "l'eau" })).toBe(true);
    expect(run("result ge 1.5e1", { result: 15 })).toBe(true);
    expect(run("t gt 2026-11-20T23:00:00+07:00", { t: new Instant(Date.UTC(2026, 10, 20, 16, 30)) })).toBe(
      true,
    );
    expect(run("t lt 2026-11-21", { t: new Instant(Date.UTC(2026, 10, 20, 23)) })).toBe(true);
    expect(
      run("t sub duration'PT1H' eq 2026-11-21T00:00:00Z", { t: new Instant(Date.UTC(2026, 10, 21, 1)) }),
    ).toBe(true);
    expect(run("flag eq true and missing eq null", { flag: true })).toBe(true);
    expect(run("year(now()) eq 2026 and month(now()) eq 11 and day(now()) eq 21")).toBe(true);
    expect(run("tolower(name) eq 'tân ninh' and length(trim('  a ')) eq 1", { name: "TÂN NINH" })).toBe(true);
    expect(
      run("concat(a, b) eq 'xy' and indexof(a, 'x') eq 0 and substring('hello', 1, 3) eq 'ell'", {
        a: "x",
        b: "y",
      }),
    ).toBe(true);
    expect(run("round(2.5) eq 3 and floor(2.5) eq 2 and ceiling(2.1) eq 3")).toBe(true);
    expect(run("result div 0 eq null", { result: 1 })).toBe(true);
  });

  it("refuses garbage with a message that says where", () => {
    const bad: Array<[string, RegExp]> = [
      ["name eq", /ends too early/],
      ["name eq 'open", /unterminated string/],
      ["name eq 'x' extra", /unexpected 'extra'/],
      ["name ; DROP TABLE x", /unexpected character ';'/],
      ["hack(name) eq 1", /unknown or unsupported function hack/],
      ["length() eq 1", /length takes 1 arguments/],
      ["t eq 2026-13-45T00:00:00Z", /invalid date-time/],
      ["geo.intersects(location, geography'POINT(1 2)')", /not supported/],
      ["x eq duration'P'", /invalid duration/],
      [`${"(".repeat(60)}1${")".repeat(60)}`, /nested deeper/],
      ["a".repeat(3000), /longer than/],
    ];
    for (const [text, message] of bad) expect(() => parseFilter(text), text).toThrow(message);
  });

  it("never throws anything but a syntax error on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseFilter(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ODataSyntaxError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("reads $orderby terms with their directions", () => {
    const terms = parseOrderBy("phenomenonTime desc, Datastream/name, result asc");
    expect(terms.map((t) => t.direction)).toEqual(["desc", "asc", "asc"]);
    expect(terms[1]?.expression).toEqual({ kind: "path", path: ["Datastream", "name"] });
  });
});

describe("query options", () => {
  it("bounds $top to the server's page limit and checks every option with zod", () => {
    expect(readQueryOptions({ $top: "5000" }).top).toBe(1000);
    expect(readQueryOptions({}).top).toBe(100);
    const nested = readQueryOptions({
      $expand: "Datastreams($top=2;$expand=Observations($orderby=result desc)),Locations",
    });
    expect(nested.expand.map((e) => e.name)).toEqual(["Datastreams", "Locations"]);
    expect(nested.expand[0]?.options.top).toBe(2);
    expect(nested.expand[0]?.options.expand[0]?.options.orderBy[0]?.direction).toBe("desc");
    expect(readQueryOptions({ $expand: "Datastreams/Thing" }).expand[0]?.options.expand[0]?.name).toBe(
      "Thing",
    );
    for (const raw of [
      { $top: "-1" },
      { $skip: "1.5" },
      { $count: "1" },
      { $select: "name;drop" },
      { $expand: "Datastreams(" },
      { $expand: "Data streams" },
      { $orderby: "name up" },
      { $filter: ["a", "b"] },
      { $nope: "1" },
    ]) {
      expect(() => readQueryOptions(raw), JSON.stringify(raw)).toThrow(QueryOptionError);
    }
  });
});

describe("observation bounds pushed to the store", () => {
  it("turns the conjunction's time and result comparisons into index bounds", () => {
    const t = Date.UTC(2026, 10, 21);
    const bounds = observationBounds(
      parseFilter(
        "phenomenonTime ge 2026-11-21T00:00:00Z and 2026-11-21T01:00:00Z gt resultTime and result gt 5 and result le 10 and Datastream/id eq 7",
      ),
    );
    expect(bounds).toEqual({
      from: t,
      to: t + 3_600_000,
      min: { value: 5, inclusive: false },
      max: { value: 10, inclusive: true },
      datastreamIds: new Set([7]),
      residual: false,
    });
  });

  it("leaves what it cannot express to the in-memory check", () => {
    expect(observationBounds(parseFilter("result eq 1 or result eq 2"))).toEqual({
      from: EARLIEST_MS,
      to: LATEST_MS,
      residual: true,
    });
    const partly = observationBounds(parseFilter("result gt 1 and round(result) eq 2"));
    expect(partly.min).toEqual({ value: 1, inclusive: false });
    expect(partly.residual).toBe(true);
    expect(observationBounds(undefined).residual).toBe(false);
  });
});
