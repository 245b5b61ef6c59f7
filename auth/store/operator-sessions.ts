import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../../kernel/clock.js";
import type { OperatorTables } from "./operator-schema.js";
import { bumpSessionVersion } from "./user-accounts.js";

/**
 * Refresh tokens: opaque random strings handed to the client once; only their SHA-256 is kept.
 * Each use rotates the token. Presenting a token that was already rotated means two parties
 * hold it (one of them a thief), so the whole family — every token descended from that login —
 * is revoked and both must log in again. The account's access tokens are revoked with it (its
 * session version is bumped in the same transaction): the newest one, which the thief may hold,
 * stops working at once instead of when it expires.
 */
export interface IssuedRefreshToken {
  readonly token: string;
  readonly expiresAt: number;
}

export type RotationResult =
  | { readonly ok: true; readonly username: string; readonly next: IssuedRefreshToken }
  | { readonly ok: false; readonly reason: "unknown" | "expired" }
  | { readonly ok: false; readonly reason: "reused"; readonly username: string };

export interface OperatorSessions {
  /** A new session (a new token family) for a user who just logged in. */
  start(username: string): Promise<IssuedRefreshToken>;
  /**
   * Spends a token and hands out its successor in the same family. A reused token ("reused") has
   * revoked its family and the account's access tokens: tell UserAccounts.announceSessionsEnded.
   */
  rotate(token: string): Promise<RotationResult>;
  /** Logout: forgets the token's whole family. Unknown tokens are ignored. Answers the user, if any. */
  end(token: string): Promise<string | undefined>;
}

const TOKEN_BYTES = 32;

export const refreshTokenId = (token: string): string =>
  createHash("sha256").update(token).digest("base64url");

export function createOperatorSessions(
  db: Kysely<OperatorTables>,
  clock: Clock,
  options: { readonly ttlMs: number },
): OperatorSessions {
  async function issue(
    trx: Kysely<OperatorTables>,
    username: string,
    family: string | undefined,
  ): Promise<IssuedRefreshToken> {
    const now = clock.now();
    const token = randomBytes(TOKEN_BYTES).toString("base64url");
    const id = refreshTokenId(token);
    const expiresAt = now + options.ttlMs;
    await trx
      .insertInto("refresh_tokens")
      .values({ id, family: family ?? id, username, created_at: now, expires_at: expiresAt, revoked: 0 })
      .execute();
    return { token, expiresAt };
  }

  /**
   * Theft: the family's refresh tokens and every access token of the account stop working. Only
   * when the family still had a live token: presenting an old token of a family revoked already
   * must not let its holder end the sessions the owner has opened since, again and again.
   */
  const revokeFamily = async (trx: Kysely<OperatorTables>, family: string, username: string) => {
    const revoked = await trx
      .updateTable("refresh_tokens")
      .set({ revoked: 1 })
      .where("family", "=", family)
      .where("revoked", "=", 0)
      .execute();
    if (Number(revoked[0]?.numUpdatedRows ?? 0) > 0) await bumpSessionVersion(trx, username);
  };

  return {
    async start(username) {
      // Rows past their expiry can no longer be presented meaningfully: forget them.
      await db.deleteFrom("refresh_tokens").where("expires_at", "<", clock.now()).execute();
      return issue(db, username, undefined);
    },

    async rotate(token) {
      return db.transaction().execute(async (trx): Promise<RotationResult> => {
        const row = await trx
          .selectFrom("refresh_tokens")
          .selectAll()
          .where("id", "=", refreshTokenId(token))
          .executeTakeFirst();
        if (!row) return { ok: false, reason: "unknown" };
        if (row.revoked === 1) {
          await revokeFamily(trx, row.family, row.username);
          return { ok: false, reason: "reused", username: row.username };
        }
        if (Number(row.expires_at) <= clock.now()) return { ok: false, reason: "expired" };
        const spent = await trx
          .updateTable("refresh_tokens")
          .set({ revoked: 1 })
          .where("id", "=", row.id)
          .where("revoked", "=", 0)
          .execute();
        if (Number(spent[0]?.numUpdatedRows ?? 0) === 0) {
          await revokeFamily(trx, row.family, row.username);
          return { ok: false, reason: "reused", username: row.username };
        }
        return { ok: true, username: row.username, next: await issue(trx, row.username, row.family) };
      });
    },

    async end(token) {
      const row = await db
        .selectFrom("refresh_tokens")
        .select(["family", "username"])
        .where("id", "=", refreshTokenId(token))
        .executeTakeFirst();
      if (!row) return undefined;
      await db.deleteFrom("refresh_tokens").where("family", "=", row.family).execute();
      return row.username;
    },
  };
}
