import { afterEach, beforeEach, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { describeEachMetadataBackend, type MetadataFixture } from "../../test/support/metadata-backends.js";
import { createOperatorSessions, type OperatorSessions, refreshTokenId } from "./operator-sessions.js";
import { createUserAccounts } from "./user-accounts.js";

const START = Date.UTC(2026, 10, 22, 1, 0, 0);
const HOUR = 3_600_000;

describeEachMetadataBackend("refresh tokens", (backend) => {
  let fixture: MetadataFixture;
  let sessions: OperatorSessions;
  let now = START;
  const sessionVersion = async (username: string) =>
    (
      await fixture.metadata
        .selectFrom("users")
        .select("session_version")
        .where("username", "=", username)
        .executeTakeFirstOrThrow()
    ).session_version;
  const clock: Clock = { now: () => now };

  beforeEach(async () => {
    now = START;
    fixture = await backend.openFixture(clock);
    const accounts = createUserAccounts(fixture.metadata, clock, { cost: { N: 1024, r: 8, p: 1 } });
    for (const username of ["lan", "minh"])
      await accounts.create({ username, password: "long enough password", role: "viewer" });
    sessions = createOperatorSessions(fixture.metadata, clock, { ttlMs: 24 * HOUR });
  });

  afterEach(async () => {
    await fixture.close();
  });

  it("keeps only a hash of each token", async () => {
    const { token, expiresAt } = await sessions.start("lan");
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(expiresAt).toBe(START + 24 * HOUR);
    const rows = await fixture.metadata.selectFrom("refresh_tokens").selectAll().execute();
    expect(rows).toEqual([
      {
        id: refreshTokenId(token),
        family: refreshTokenId(token),
        username: "lan",
        created_at: START,
        expires_at: START + 24 * HOUR,
        revoked: 0,
      },
    ]);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("rotates: each token works once and hands out the next, whose life starts anew", async () => {
    const first = await sessions.start("lan");
    now += HOUR;
    const second = await sessions.rotate(first.token);
    if (!second.ok) throw new Error("rotation failed");
    expect(second.username).toBe("lan");
    expect(second.next.token).not.toBe(first.token);
    expect(second.next.expiresAt).toBe(now + 24 * HOUR);
    const third = await sessions.rotate(second.next.token);
    expect(third).toMatchObject({ ok: true, username: "lan" });
  });

  it("reuse of a rotated token ends the whole family, and only that family", async () => {
    const stolen = await sessions.start("lan");
    const other = await sessions.start("lan");
    const rotated = await sessions.rotate(stolen.token);
    if (!rotated.ok) throw new Error("rotation failed");
    // The thief (or the victim) presents the old token again.
    expect(await sessions.rotate(stolen.token)).toEqual({ ok: false, reason: "reused", username: "lan" });
    // The legitimate successor is revoked too.
    expect(await sessions.rotate(rotated.next.token)).toMatchObject({ ok: false, reason: "reused" });
    // Another login of the same user is another family, untouched.
    expect(await sessions.rotate(other.token)).toMatchObject({ ok: true });
  });

  it("reuse revokes the account's access tokens (session version) once, not on every later replay", async () => {
    const stolen = await sessions.start("lan");
    const rotated = await sessions.rotate(stolen.token);
    if (!rotated.ok) throw new Error("rotation failed");
    expect(await sessionVersion("lan")).toBe(0);
    expect(await sessions.rotate(stolen.token)).toMatchObject({ reason: "reused" });
    expect(await sessionVersion("lan")).toBe(1);
    expect(await sessionVersion("minh")).toBe(0);
    // The owner logs in again; replaying the dead family's tokens must not end the new session's tokens.
    await sessions.start("lan");
    expect(await sessions.rotate(stolen.token)).toMatchObject({ reason: "reused" });
    expect(await sessions.rotate(rotated.next.token)).toMatchObject({ reason: "reused" });
    expect(await sessionVersion("lan")).toBe(1);
  });

  it("refuses concurrent rotations of one token: one wins, the other is taken for reuse", async () => {
    const { token } = await sessions.start("lan");
    const results = await Promise.all([sessions.rotate(token), sessions.rotate(token)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: "reused", username: "lan" }]);
    // The winner's successor went with the family, and any access token issued with it.
    expect(await sessionVersion("lan")).toBe(1);
  });

  it("refuses expired and unknown tokens", async () => {
    const { token } = await sessions.start("lan");
    now += 24 * HOUR;
    expect(await sessions.rotate(token)).toEqual({ ok: false, reason: "expired" });
    expect(await sessions.rotate("made-up-token")).toEqual({ ok: false, reason: "unknown" });
  });

  it("logout forgets the token's family; expired rows are swept at the next login", async () => {
    const a = await sessions.start("lan");
    const rotated = await sessions.rotate(a.token);
    if (!rotated.ok) throw new Error("rotation failed");
    const b = await sessions.start("minh");
    expect(await sessions.end(rotated.next.token)).toBe("lan");
    expect(await sessions.end("made-up-token")).toBeUndefined();
    expect(await sessions.rotate(rotated.next.token)).toEqual({ ok: false, reason: "unknown" });
    expect(await sessions.rotate(b.token)).toMatchObject({ ok: true });
    now += 48 * HOUR;
    await sessions.start("minh");
    expect(await fixture.metadata.selectFrom("refresh_tokens").select("username").execute()).toEqual([
      { username: "minh" },
    ]);
  });
});
