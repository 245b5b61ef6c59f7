import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadOrCreateSecretFile } from "./secret-file.js";

const OPTIONS = { bytes: 32, minLength: 32 };

describe("a secret kept in a file of DATA_DIR", () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), "envmon-secret-file-"));
    dirs.push(dir);
    return dir;
  };

  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("is made once (mode 0600, in a folder it creates), read back the same, and leaves no temporary file", () => {
    const dataDir = join(fresh(), "data");
    const first = loadOrCreateSecretFile(dataDir, "some-key", OPTIONS);
    expect(first).toMatch(/^[\w-]{43}$/);
    expect(Buffer.from(first, "base64url")).toHaveLength(32);
    expect(statSync(join(dataDir, "some-key")).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecretFile(dataDir, "some-key", OPTIONS)).toBe(first);
    expect(readdirSync(dataDir)).toEqual(["some-key"]);
    // Another name, another secret.
    expect(loadOrCreateSecretFile(dataDir, "other-key", OPTIONS)).not.toBe(first);
  });

  it("keeps a secret that is already there, tightening its mode, and refuses one too short to trust", () => {
    const dir = fresh();
    const path = join(dir, "some-key");
    writeFileSync(path, `${"k".repeat(40)}\n`);
    chmodSync(path, 0o644);
    expect(loadOrCreateSecretFile(dir, "some-key", OPTIONS)).toBe("k".repeat(40));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    writeFileSync(path, "");
    expect(() => loadOrCreateSecretFile(dir, "some-key", OPTIONS)).toThrow(
      /some-key holds a secret shorter than 32 characters: delete it/,
    );
    expect(readFileSync(path, "utf8")).toBe("");
  });
});
