import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SUITE = "test/support/aedes-persistence-suite.ts";

describe("IndexedMemoryPersistence against aedes-persistence's own abstract suite", () => {
  it("passes every test of the contract (it fails loudly if an upgrade changes the library's layout)", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--test", SUITE], {
      cwd: ROOT,
      timeout: 120_000,
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`the abstract suite failed:\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
    });
    const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, "m").exec(stdout)?.[1]);
    expect(count("pass")).toBeGreaterThanOrEqual(50);
    expect(count("fail")).toBe(0);
  });
});
