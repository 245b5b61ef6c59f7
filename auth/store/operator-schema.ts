import type { Generated } from "kysely";

/** Tables for operators: accounts, their refresh tokens, and the audit log of their actions. */
export interface OperatorTables {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  audit_log: AuditLogTable;
}

export interface UsersTable {
  /** Lower-case login name, e.g. "admin", "nguyen.van.a". */
  username: string;
  /** "scrypt$N$r$p$salt$hash" (base64url parts); never the password itself. */
  password_hash: string;
  /** viewer | operator | admin */
  role: string;
  created_at: number;
  /** 1 when an admin disabled the account: it cannot log in and its tokens stop working. */
  disabled: number;
  /** Failed logins since the last successful one; drives the lockout. */
  failed_attempts: number;
  /** Epoch ms until which logins are refused; null when not locked. */
  locked_until: number | null;
  /**
   * Carried in every access token (claim `sv`); a token whose version is not the account's current
   * one is refused. Bumped when the account's sessions end (password reset, disabled, a refresh
   * token reused), so its access tokens stop working before they expire.
   */
  session_version: number;
}

export interface RefreshTokensTable {
  /** SHA-256 of the token (base64url): the token itself is only ever in the client's hands. */
  id: string;
  /** Every token rotated from one login shares the first token's family, so reuse can revoke them all. */
  family: string;
  username: string;
  created_at: number;
  expires_at: number;
  /** 1 once rotated, logged out or revoked. */
  revoked: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  target: string;
  source: string | null;
  /** JSON, null when there was nothing before (a creation) or after (a deletion). */
  before: string | null;
  after: string | null;
}
