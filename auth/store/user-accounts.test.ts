import { afterEach, beforeEach, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { describeEachMetadataBackend, type MetadataFixture } from "../../test/support/metadata-backends.js";
import { createOperatorSessions } from "./operator-sessions.js";
import {
  createUserAccounts,
  DEFAULT_LOCKOUT,
  lockDurationMs,
  type UserAccounts,
  UserExistsError,
} from "./user-accounts.js";

const START = Date.UTC(2026, 10, 22, 1, 0, 0);
const MINUTE = 60_000;
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
const PASSWORD = "mật khẩu đủ dài 2026";

describeEachMetadataBackend("user accounts", (backend) => {
  let fixture: MetadataFixture;
  let accounts: UserAccounts;
  let now = START;
  const clock: Clock = { now: () => now };

  beforeEach(async () => {
    now = START;
    fixture = await backend.openFixture(clock);
    accounts = createUserAccounts(fixture.metadata, clock, { cost: CHEAP });
  });

  afterEach(async () => {
    await fixture.close();
  });

  it("creates accounts with a slow salted hash, never the password, and refuses a taken name", async () => {
    const created = await accounts.create({ username: "lan.nguyen", password: PASSWORD, role: "operator" });
    expect(created).toEqual({
      username: "lan.nguyen",
      role: "operator",
      createdAt: START,
      disabled: false,
      failedAttempts: 0,
      lockedUntil: null,
    });
    await accounts.create({ username: "an", password: PASSWORD, role: "viewer" });
    const rows = await fixture.metadata.selectFrom("users").selectAll().orderBy("username").execute();
    expect(rows.map((r) => r.password_hash)).toEqual([
      expect.stringMatching(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/),
      expect.stringMatching(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/),
    ]);
    // Same password, different salts.
    expect(rows[0]?.password_hash).not.toBe(rows[1]?.password_hash);
    expect(JSON.stringify(rows)).not.toContain(PASSWORD);
    await expect(accounts.create({ username: "an", password: PASSWORD, role: "admin" })).rejects.toThrow(
      UserExistsError,
    );
    expect(await accounts.count()).toBe(2);
    expect((await accounts.list()).map((a) => a.username)).toEqual(["an", "lan.nguyen"]);
  });

  it("refuses bad names and short passwords", async () => {
    await expect(accounts.create({ username: "Admin", password: PASSWORD, role: "admin" })).rejects.toThrow(
      /username/,
    );
    await expect(accounts.create({ username: "a b", password: PASSWORD, role: "admin" })).rejects.toThrow();
    await expect(accounts.create({ username: "ok-name", password: "short", role: "admin" })).rejects.toThrow(
      /at least 12/,
    );
  });

  it("logs in with the right password only; unknown, wrong and disabled all answer the same", async () => {
    await accounts.create({ username: "lan", password: PASSWORD, role: "operator" });
    expect(await accounts.verifyLogin("lan", PASSWORD)).toEqual({
      ok: true,
      user: { username: "lan", role: "operator", sessionVersion: 0 },
    });
    expect(await accounts.verifyLogin("lan", `${PASSWORD} `)).toEqual({ ok: false, reason: "invalid" });
    expect(await accounts.verifyLogin("nobody", PASSWORD)).toEqual({ ok: false, reason: "invalid" });
    expect(await accounts.verifyLogin("NOT A NAME", PASSWORD)).toEqual({ ok: false, reason: "invalid" });
    await accounts.setDisabled("lan", true);
    expect(await accounts.verifyLogin("lan", PASSWORD)).toEqual({ ok: false, reason: "invalid" });
    expect(await accounts.activeUser("lan")).toBeUndefined();
    await accounts.setDisabled("lan", false);
    // Enabled again, under a new session version: tokens from before the disabling stay revoked.
    expect(await accounts.activeUser("lan")).toEqual({
      username: "lan",
      role: "operator",
      sessionVersion: 1,
    });
  });

  it("locks an account for 15 minutes after 5 failures, doubling with each further 5", async () => {
    await accounts.create({ username: "lan", password: PASSWORD, role: "viewer" });
    for (let i = 0; i < 5; i++) {
      expect(await accounts.verifyLogin("lan", "wrong password!")).toEqual({ ok: false, reason: "invalid" });
    }
    // Locked: even the right password is refused, without being checked.
    expect(await accounts.verifyLogin("lan", PASSWORD)).toEqual({
      ok: false,
      reason: "locked",
      retryAfterMs: 15 * MINUTE,
    });
    now += 10 * MINUTE;
    expect(await accounts.verifyLogin("lan", PASSWORD)).toMatchObject({
      reason: "locked",
      retryAfterMs: 5 * MINUTE,
    });
    now += 5 * MINUTE;
    for (let i = 0; i < 5; i++) await accounts.verifyLogin("lan", "wrong password!");
    expect(await accounts.verifyLogin("lan", PASSWORD)).toMatchObject({
      reason: "locked",
      retryAfterMs: 30 * MINUTE,
    });
    expect((await accounts.find("lan"))?.lockedUntil).toBe(now + 30 * MINUTE);
    now += 30 * MINUTE;
    // A success clears the count.
    expect(await accounts.verifyLogin("lan", PASSWORD)).toMatchObject({ ok: true });
    expect(await accounts.find("lan")).toMatchObject({ failedAttempts: 0, lockedUntil: null });
    for (let i = 0; i < 4; i++) await accounts.verifyLogin("lan", "wrong password!");
    expect(await accounts.verifyLogin("lan", PASSWORD)).toMatchObject({ ok: true });
  });

  it("locks unknown names exactly like real ones, so a lockout does not reveal that an account exists", async () => {
    await accounts.create({ username: "lan", password: PASSWORD, role: "viewer" });
    const answers = async (username: string) => {
      const seen: unknown[] = [];
      for (let i = 0; i < 6; i++) seen.push(await accounts.verifyLogin(username, "wrong password!"));
      return seen;
    };
    expect(await answers("ghost")).toEqual(await answers("lan"));
    expect((await answers("ghost2")).at(-1)).toEqual({
      ok: false,
      reason: "locked",
      retryAfterMs: 15 * MINUTE,
    });
  });

  it("counts concurrent failures without losing any", async () => {
    await accounts.create({ username: "lan", password: PASSWORD, role: "viewer" });
    await Promise.all(Array.from({ length: 5 }, () => accounts.verifyLogin("lan", "wrong password!")));
    expect(await accounts.find("lan")).toMatchObject({ failedAttempts: 5, lockedUntil: START + 15 * MINUTE });
  });

  it("a new password, role or disabling ends the account's sessions; a new password also unlocks", async () => {
    const sessions = createOperatorSessions(fixture.metadata, clock, { ttlMs: 60 * MINUTE });
    await accounts.create({ username: "lan", password: PASSWORD, role: "viewer" });
    for (let i = 0; i < 5; i++) await accounts.verifyLogin("lan", "wrong password!");
    const first = await sessions.start("lan");
    await accounts.setPassword("lan", "another long password");
    expect(await sessions.rotate(first.token)).toEqual({ ok: false, reason: "unknown" });
    expect(await accounts.verifyLogin("lan", PASSWORD)).toEqual({ ok: false, reason: "invalid" });
    expect(await accounts.verifyLogin("lan", "another long password")).toMatchObject({ ok: true });

    const second = await sessions.start("lan");
    expect((await accounts.setRole("lan", "operator"))?.role).toBe("operator");
    expect(await sessions.rotate(second.token)).toMatchObject({ ok: false });
    const third = await sessions.start("lan");
    await accounts.setDisabled("lan", true);
    expect(await sessions.rotate(third.token)).toMatchObject({ ok: false });
    expect(await accounts.setRole("nobody", "admin")).toBeUndefined();
  });

  it("revokes access tokens (bumps the session version, tells listeners) on a new password and on disabling only", async () => {
    await accounts.create({ username: "lan", password: PASSWORD, role: "viewer" });
    const ended: string[] = [];
    const unsubscribe = accounts.onSessionsEnded((username) => ended.push(username));
    const version = async () => (await accounts.activeUser("lan"))?.sessionVersion;
    expect(await version()).toBe(0);

    await accounts.setRole("lan", "operator"); // the role is read on every request: tokens may stay
    await accounts.unlock("lan");
    expect(await version()).toBe(0);
    await accounts.setPassword("lan", "another long password");
    expect(await version()).toBe(1);
    await accounts.setDisabled("lan", true);
    await accounts.setDisabled("lan", false);
    expect(await version()).toBe(2);
    expect((await accounts.verifyLogin("lan", "another long password")).ok && "logged in").toBe("logged in");
    expect(ended).toEqual(["lan", "lan"]);

    // Changes to nobody end nothing; sessions ended elsewhere (a reused refresh token) are announced.
    await accounts.setPassword("nobody", "another long password");
    accounts.announceSessionsEnded("lan");
    expect(ended).toEqual(["lan", "lan", "lan"]);
    unsubscribe();
    await accounts.setPassword("lan", "a third long password");
    expect(ended).toHaveLength(3);
  });

  it("computes lock durations: none before the threshold, then 15, 30, 60 … minutes, capped at a day", () => {
    const durations = [1, 4, 5, 6, 10, 15, 20, 100].map((n) => lockDurationMs(n, DEFAULT_LOCKOUT));
    expect(durations).toEqual([
      undefined,
      undefined,
      15 * MINUTE,
      undefined,
      30 * MINUTE,
      60 * MINUTE,
      120 * MINUTE,
      24 * 60 * MINUTE,
    ]);
  });
});
