/** The `users` CLI as an administrator runs it, against a temporary DATA_DIR. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog } from "../auth/store/audit-log.js";
import { createUserAccounts, type UserAccounts } from "../auth/store/user-accounts.js";
import { systemClock } from "../kernel/clock.js";
import { openSqliteDatabase } from "../platform/sqlite/sqlite-database.js";
import { openServiceMetadata } from "../service/metadata.js";
import { runCli } from "../test/support/run-cli.js";

const SCRIPT = fileURLToPath(new URL("./users.ts", import.meta.url));

const users = (dataDir: string, args: string[], stdin = "") =>
  runCli(SCRIPT, args, { env: { DATA_DIR: dataDir }, stdin });

async function withAccounts<T>(
  dataDir: string,
  check: (accounts: UserAccounts, db: Awaited<ReturnType<typeof openServiceMetadata>>) => Promise<T>,
) {
  const db = await openServiceMetadata(openSqliteDatabase(dataDir));
  try {
    return await check(createUserAccounts(db, systemClock), db);
  } finally {
    await db.destroy();
  }
}

describe("users CLI", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "envmon-users-cli-"));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("adds an account with a generated password, printed once, that logs in", async () => {
    const added = await users(dataDir, ["add", "lan.nguyen", "--role", "operator"]);
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    const password = /password \(shown once\): (\S+)/.exec(added.stdout)?.[1] ?? "";
    expect(password).toMatch(/^\S{20}$/);
    await withAccounts(dataDir, async (accounts) => {
      expect(await accounts.verifyLogin("lan.nguyen", password)).toEqual({
        ok: true,
        user: { username: "lan.nguyen", role: "operator", sessionVersion: 0 },
      });
    });
  });

  it("reads the password from stdin when asked, and refuses a short one", async () => {
    const added = await users(
      dataDir,
      ["add", "admin", "--role", "admin", "--password-stdin"],
      "mật khẩu quản trị 2026\n",
    );
    expect(added.code).toBe(0);
    expect(added.stdout).not.toContain("shown once");
    await withAccounts(dataDir, async (accounts) => {
      expect(await accounts.verifyLogin("admin", "mật khẩu quản trị 2026")).toMatchObject({ ok: true });
    });
    const short = await users(dataDir, ["reset-password", "admin", "--password-stdin"], "short\n");
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("at least 12 characters");
  });

  it("resets passwords, changes roles, disables, enables and lists — each audited as cli:<user>", async () => {
    const reset = await users(dataDir, ["reset-password", "lan.nguyen"]);
    expect(reset.code).toBe(0);
    const password = /password \(shown once\): (\S+)/.exec(reset.stdout)?.[1] ?? "";
    expect((await users(dataDir, ["set-role", "lan.nguyen", "--role", "viewer"])).code).toBe(0);
    expect((await users(dataDir, ["disable", "lan.nguyen"])).code).toBe(0);
    await withAccounts(dataDir, async (accounts) => {
      expect(await accounts.find("lan.nguyen")).toMatchObject({ role: "viewer", disabled: true });
      expect(await accounts.verifyLogin("lan.nguyen", password)).toEqual({ ok: false, reason: "invalid" });
    });
    expect((await users(dataDir, ["enable", "lan.nguyen"])).code).toBe(0);
    expect((await users(dataDir, ["unlock", "lan.nguyen"])).code).toBe(0);
    const list = await users(dataDir, ["list", "--json"]);
    expect(
      JSON.parse(list.stdout).users.map((u: { username: string; role: string }) => [u.username, u.role]),
    ).toEqual([
      ["admin", "admin"],
      ["lan.nguyen", "viewer"],
    ]);
    expect((await users(dataDir, ["list"])).stdout).toMatch(/^username\s+role\s+state/);
    await withAccounts(dataDir, async (_accounts, db) => {
      const entries = await createAuditLog(db, systemClock).query({ action: "user.set-role" });
      expect(entries).toEqual([
        expect.objectContaining({
          actor: expect.stringMatching(/^cli:/),
          source: "cli",
          target: "user:lan.nguyen",
          before: { role: "operator" },
          after: { role: "viewer" },
        }),
      ]);
    });
  });

  // Fourteen CLI starts (tsx each): on a loaded 2-core machine that is more than the default minute.
  it("refuses what it cannot do (exit 1) and bad commands or flags (exit 2) with a sentence", async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [["add", "admin", "--role", "viewer"], 1, /exists already/],
      [["disable", "nobody"], 1, /no user 'nobody'/],
      [["disable", "admin"], 1, /last enabled admin/],
      [["set-role", "admin", "--role", "viewer"], 1, /last enabled admin/],
      [["add", "thu"], 2, /--role is required/],
      [["add", "thu", "--role", "root"], 2, /role must be one of viewer, operator, admin/],
      [["add", "Not Valid", "--role", "viewer"], 2, /username must be/],
      [["add"], 2, /needs the username/],
      [["disable", "admin", "--role", "viewer"], 2, /--role does not apply to disable/],
      [["remove", "admin"], 2, /unknown command 'remove'/],
      [["list", "--colour"], 2, /unknown flag '--colour'/],
    ];
    for (const [args, code, message] of cases) {
      const result = await users(dataDir, args);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.stderr).toMatch(message);
    }
    // DATA_DIR is read with the service's schema, and only it: a bad setting the CLI does not use is not its concern.
    const unconcerned = await runCli(SCRIPT, ["list", "--json"], {
      env: { DATA_DIR: dataDir, HTTP_PORT: "0x" },
    });
    expect(unconcerned).toMatchObject({ code: 0, stderr: "" });
    const help = await users(dataDir, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("reset-password");
  }, 180_000);
});
