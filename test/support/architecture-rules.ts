/**
 * The layout's rules, checked from the import statements of the source files:
 * - production code never imports test code (test/, *.test.ts, *.contract.ts);
 * - kernel/ and platform/ never import a feature or the service;
 * - pure code (kernel/, every feature's model/, indices/calculators/) imports only pure code and
 *   pure packages: no node: built-ins, no database, broker, HTTP or logging library;
 * - a feature uses another feature only through its index file (or the index of its pure part),
 *   never service/;
 * - features depend on each other one way: no circle of features (a → b → a);
 * - the dashboard (a browser bundle) imports only pure code.
 */
import path from "node:path";

export const FEATURES = [
  "readings",
  "devices",
  "broker",
  "indices",
  "alerts",
  "auth",
  "open-data",
  "warnings",
  "industrial",
] as const;
const SHARED = ["kernel", "platform"] as const;
/** Packages that do no I/O, allowed in pure modules. */
const PURE_PACKAGES = new Set(["zod", "csv-parse"]);

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export interface Violation {
  readonly file: string;
  readonly imports: string;
  readonly rule: string;
}

const IMPORT_PATTERN =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

export function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT_PATTERN)) {
    const specifier = match[1] ?? match[2];
    if (specifier) found.push(specifier);
  }
  return found;
}

const topFolder = (file: string) => file.split("/")[0] ?? "";
/** Tests, their helpers and the benchmarks (which drive the service from outside, as tests do). */
const isTestCode = (file: string) =>
  file.startsWith("test/") ||
  file.startsWith("bench/") ||
  /\.(test|contract)\.ts$/.test(file) ||
  file.includes("/testing/");
const isPure = (file: string) =>
  file.startsWith("kernel/") || /^[a-z]+\/model\//.test(file) || file.startsWith("indices/calculators/");

/** A feature's index file, or the index of its pure part (model/, calculators/) for pure code and the browser. */
const isPublishedEntry = (file: string) =>
  /^[a-z]+\/index\.ts$/.test(file) || (isPure(file) && file.endsWith("/index.ts"));

/** The repository-relative file a relative specifier names (".js" read as the ".ts" source). */
function resolve(from: string, specifier: string): string {
  return path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).replace(/\.js$/, ".ts");
}

export function findViolations(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  const featureEdges = new Map<string, Map<string, Violation>>();
  for (const file of files) {
    if (isTestCode(file.path)) continue;
    const from = topFolder(file.path);
    for (const specifier of importsOf(file.text)) {
      const report = (rule: string) => violations.push({ file: file.path, imports: specifier, rule });
      if (!specifier.startsWith(".")) {
        const packageName = specifier.startsWith("@")
          ? specifier.split("/").slice(0, 2).join("/")
          : (specifier.split("/")[0] ?? specifier);
        if (isPure(file.path) && !PURE_PACKAGES.has(packageName))
          report("pure code imports only pure packages (no I/O)");
        continue;
      }
      const target = resolve(file.path, specifier);
      const to = topFolder(target);
      if (isTestCode(target)) report("production code never imports test code");
      if (isPure(file.path) && !isPure(target)) report("pure code imports only pure code");
      if ((SHARED as readonly string[]).includes(from)) {
        if (!(SHARED as readonly string[]).includes(to))
          report(`${from}/ imports only kernel/ and platform/`);
        if (from === "kernel" && to !== "kernel") report("kernel/ imports only kernel/");
      }
      if ((FEATURES as readonly string[]).includes(from) && to !== from) {
        if (to === "service") report("a feature never imports the service");
        if ((FEATURES as readonly string[]).includes(to) && !isPublishedEntry(target))
          report(`a feature uses ${to}/ only through ${to}/index.ts`);
        if ((FEATURES as readonly string[]).includes(to)) {
          const edges = featureEdges.get(from) ?? new Map<string, Violation>();
          featureEdges.set(from, edges);
          if (!edges.has(to)) edges.set(to, { file: file.path, imports: specifier, rule: "" });
        }
      }
      if (from === "dashboard" && to !== "dashboard" && !isPure(target))
        report("the dashboard imports only pure code");
    }
  }
  return [...violations, ...featureCircles(featureEdges)];
}

/** One violation per circle of features, named by the import that closes it. */
function featureCircles(edges: ReadonlyMap<string, ReadonlyMap<string, Violation>>): Violation[] {
  const found: Violation[] = [];
  const seen = new Set<string>();
  const walk = (path: readonly string[]) => {
    const last = path.at(-1) as string;
    for (const [next, example] of edges.get(last) ?? []) {
      if (next === path[0]) {
        const circle = [...path, next];
        const key = [...path].sort().join(",");
        if (!seen.has(key)) {
          seen.add(key);
          found.push({
            ...example,
            rule: `features depend on each other in a circle: ${circle.join(" → ")}`,
          });
        }
      } else if (!path.includes(next)) walk([...path, next]);
    }
  };
  for (const feature of edges.keys()) walk([feature]);
  return found;
}
