import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../kernel/clock.js";
import { openSqliteFixture, type SqliteFixture } from "../test/support/sqlite-fixture.js";
import { demoLoginLine, ensureBootstrapAdmin } from "./bootstrap-admin.js";
import { createUserAccounts, type UserAccounts } from "./store/user-accounts.js";

const clock: Clock = { now: () => Date.UTC(2026, 10, 22) };

describe("the first admin", () => {
  let fixture: SqliteFixture;
  let accounts: UserAccounts;

  beforeEach(async () => {
    fixture = await openSqliteFixture(clock, "envmon-bootstrap-");
    accounts = createUserAccounts(fixture.metadata, clock, { cost: { N: 1024, r: 8, p: 1 } });
  });

  afterEach(async () => {
    await fixture.close();
  });

  it("comes from BOOTSTRAP_ADMIN_PASSWORD when no account exists, demo or not", async () => {
    const outcome = await ensureBootstrapAdmin(accounts, { password: "bootstrap password 1", demo: false });
    expect(outcome).toEqual({ created: true, username: "admin" });
    expect(await accounts.verifyLogin("admin", "bootstrap password 1")).toMatchObject({
      ok: true,
      user: { role: "admin" },
    });
    // Once any account exists, the setting changes nothing.
    expect(await ensureBootstrapAdmin(accounts, { password: "another password 2", demo: true })).toEqual({
      created: false,
    });
    expect(await accounts.verifyLogin("admin", "another password 2")).toMatchObject({ ok: false });
  });

  it("gets a random password in the demo, to print once; never a default", async () => {
    const first = await ensureBootstrapAdmin(accounts, { demo: true });
    if (!first.created || first.generatedPassword === undefined) throw new Error("no demo admin");
    expect(first.generatedPassword).toMatch(/^\S{20}$/);
    expect(await accounts.verifyLogin("admin", first.generatedPassword)).toMatchObject({ ok: true });
    expect(demoLoginLine("admin", first.generatedPassword)).toBe(
      `Đăng nhập / Log in: admin / ${first.generatedPassword}`,
    );
    expect(await ensureBootstrapAdmin(accounts, { demo: true })).toEqual({ created: false });

    const other = await openSqliteFixture(clock, "envmon-bootstrap-");
    const otherAccounts = createUserAccounts(other.metadata, clock, { cost: { N: 1024, r: 8, p: 1 } });
    const second = await ensureBootstrapAdmin(otherAccounts, { demo: true });
    expect(second.created && second.generatedPassword).not.toBe(first.generatedPassword);
    await other.close();
  });

  it("creates nobody outside the demo without the setting", async () => {
    expect(await ensureBootstrapAdmin(accounts, { demo: false })).toEqual({ created: false });
    expect(await accounts.count()).toBe(0);
  });
});
