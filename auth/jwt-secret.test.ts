import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { JWT_SECRET_FILE, loadOrCreateJwtSecret } from "./jwt-secret.js";

describe("the JWT secret kept in DATA_DIR", () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), "envmon-jwt-"));
    dirs.push(dir);
    return dir;
  };

  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("is made once, readable by the owner only, and the same on the next start", () => {
    const dir = fresh();
    const first = loadOrCreateJwtSecret(join(dir, "data"));
    expect(first).toMatch(/^[\w-]{64}$/);
    const path = join(dir, "data", JWT_SECRET_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateJwtSecret(join(dir, "data"))).toBe(first);
    expect(loadOrCreateJwtSecret(fresh())).not.toBe(first);
  });

  it("tightens a copy that lost its mode, and refuses a secret too short to trust", () => {
    const dir = fresh();
    const path = join(dir, JWT_SECRET_FILE);
    writeFileSync(path, `${"s".repeat(40)}\n`);
    chmodSync(path, 0o644);
    expect(loadOrCreateJwtSecret(dir)).toBe("s".repeat(40));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    writeFileSync(path, "short");
    expect(() => loadOrCreateJwtSecret(dir)).toThrow(/shorter than 32/);
    expect(readFileSync(path, "utf8")).toBe("short");
  });
});
