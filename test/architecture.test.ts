import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findViolations, importsOf, type SourceFile } from "./support/architecture-rules.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function sourceTree(): SourceFile[] {
  const listed = execFileSync(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.mjs"],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  );
  return listed
    .split("\n")
    .filter((file) => file && !file.startsWith("node_modules/"))
    .flatMap((file) => {
      try {
        return [{ path: file, text: readFileSync(`${ROOT}/${file}`, "utf8") }];
      } catch {
        return []; // deleted in the work tree, not yet in the index
      }
    });
}

describe("the layout's rules", () => {
  it("hold for every source file of the project", () => {
    const files = sourceTree();
    expect(files.length).toBeGreaterThan(200);
    expect(findViolations(files)).toEqual([]);
  });

  it("catch each kind of violation", () => {
    const cases: Array<[SourceFile, string]> = [
      [
        { path: "readings/ingest/x.ts", text: 'import { a } from "../../test/support/poll.js";' },
        "test code",
      ],
      [
        { path: "alerts/engine/x.ts", text: 'import { b } from "../../devices/store/device-registry.js";' },
        "devices/index.ts",
      ],
      [
        { path: "kernel/x.ts", text: 'import { c } from "../platform/config.js";' },
        "kernel/ imports only kernel/",
      ],
      [{ path: "kernel/y.ts", text: 'import { readFileSync } from "node:fs";' }, "pure packages"],
      [{ path: "indices/calculators/x.ts", text: 'import type { Kysely } from "kysely";' }, "pure packages"],
      [
        { path: "alerts/model/x.ts", text: 'import { d } from "../store/alert-store.js";' },
        "pure code imports only pure code",
      ],
      [{ path: "platform/x.ts", text: 'export { e } from "../alerts/index.js";' }, "platform/ imports only"],
      [
        { path: "devices/x.ts", text: 'const m = await import("../service/main.js");' },
        "never imports the service",
      ],
      [
        { path: "dashboard/src/x.ts", text: 'import { f } from "../../readings/index.js";' },
        "dashboard imports only pure",
      ],
    ];
    const circle = findViolations([
      { path: "readings/x.ts", text: 'import type { A } from "../broker/index.js";' },
      { path: "broker/y.ts", text: 'import type { B } from "../devices/index.js";' },
      { path: "devices/z.ts", text: 'import type { C } from "../readings/index.js";' },
    ]);
    expect(circle.map((v) => v.rule)).toEqual([
      "features depend on each other in a circle: readings → broker → devices → readings",
    ]);
    for (const [file, rule] of cases) {
      const found = findViolations([file]);
      expect(found.map((v) => v.rule).join("; "), file.path).toContain(rule);
    }
  });

  it("allow what the layout means to allow", () => {
    const allowed: SourceFile[] = [
      {
        path: "alerts/engine/x.ts",
        text: 'import { a } from "../../devices/index.js";\nimport { z } from "zod";',
      },
      {
        path: "alerts/model/x.ts",
        text: 'import { b } from "../../kernel/catalogue.js";\nimport { c } from "./rule.js";',
      },
      { path: "dashboard/src/x.ts", text: 'import { d } from "../../indices/calculators/vn-aqi.js";' },
      { path: "readings/ingest/x.test.ts", text: 'import { e } from "../../test/support/poll.js";' },
    ];
    expect(findViolations(allowed)).toEqual([]);
  });

  it("read multi-line, type-only and re-export statements", () => {
    const text =
      'import {\n  a,\n  type B,\n} from "./one.js";\nexport type { C } from "./two.js";\nimport "./three.js";';
    expect(importsOf(text)).toEqual(["./one.js", "./two.js"]);
  });
});
