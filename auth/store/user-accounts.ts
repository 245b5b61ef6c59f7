import type { Kysely } from "kysely";
import { z } from "zod";
import type { Clock } from "../../kernel/clock.js";
import { ServiceError } from "../../kernel/errors.js";
import { DAY_MS, MINUTE_MS } from "../../kernel/time.js";
import { ROLES, type Role } from "../../platform/http/access.js";
import {
  DEFAULT_SCRYPT_COST,
  hashPassword,
  type ScryptCost,
  verifyPassword,
} from "../../platform/password-hash.js";
import type { TokenSubject } from "../access-tokens.js";
import type { OperatorTables, UsersTable } from "./operator-schema.js";

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;
export const usernameSchema = z
  .string()
  .regex(USERNAME_PATTERN, "username must be 2–32 lower-case letters, digits, '.', '_' or '-'");
export const MIN_PASSWORD_LENGTH = 12;
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `password must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(256, "password must be at most 256 characters");
export const roleSchema = z.enum(ROLES, { error: `role must be one of ${ROLES.join(", ")}` });

export interface UserAccount {
  readonly username: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly disabled: boolean;
  readonly failedAttempts: number;
  /** Epoch ms until which logins are refused; null when not locked. */
  readonly lockedUntil: number | null;
}

export type LoginResult =
  | { readonly ok: true; readonly user: TokenSubject }
  | { readonly ok: false; readonly reason: "invalid" }
  | { readonly ok: false; readonly reason: "locked"; readonly retryAfterMs: number };

/** After `threshold` failures in a row the account locks for `baseLockMs`, doubling with each further round. */
export interface LockoutPolicy {
  readonly threshold: number;
  readonly baseLockMs: number;
  readonly maxLockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = {
  threshold: 5,
  baseLockMs: 15 * MINUTE_MS,
  maxLockMs: DAY_MS,
};

/** The name is taken: 409 conflict when it reaches an API request. */
export class UserExistsError extends ServiceError<"conflict"> {
  override readonly name = "UserExistsError";
  constructor(readonly username: string) {
    super("conflict", `user '${username}' exists already`);
  }
}

export interface UserAccounts {
  count(): Promise<number>;
  list(): Promise<UserAccount[]>;
  find(username: string): Promise<UserAccount | undefined>;
  /** Throws UserExistsError when the name is taken. */
  create(account: { username: string; password: string; role: Role }): Promise<UserAccount>;
  /**
   * Also clears a lockout and ends the account's sessions: refresh tokens are deleted and access
   * tokens revoked (session version bumped) at once.
   */
  setPassword(username: string, password: string): Promise<UserAccount | undefined>;
  /**
   * Ends the account's refresh tokens, so the new role is in every token from now on. Its access
   * tokens keep working until they expire, with the new role: the role is read on every request.
   */
  setRole(username: string, role: Role): Promise<UserAccount | undefined>;
  /**
   * Disabling ends the account's sessions: refresh tokens deleted, access tokens revoked (session
   * version bumped), so that enabling it again does not bring them back.
   */
  setDisabled(username: string, disabled: boolean): Promise<UserAccount | undefined>;
  unlock(username: string): Promise<UserAccount | undefined>;
  /**
   * Checks a login. Unknown users, wrong passwords and disabled accounts all answer "invalid";
   * unknown names are hashed and locked out like real ones, so answers and timing do not tell
   * whether an account exists.
   */
  verifyLogin(username: string, password: string): Promise<LoginResult>;
  /**
   * The account behind a token, only while it exists and is enabled, with its current role and
   * session version (a token issued under another version is revoked).
   */
  activeUser(username: string): Promise<TokenSubject | undefined>;
  /**
   * Calls `listener` with the account's name after its sessions were ended (password reset,
   * disabled, or announced: a refresh token used twice), so that open connections using its
   * access tokens (Socket.IO) are closed at once. Returns an unsubscribe.
   */
  onSessionsEnded(listener: (username: string) => void): () => void;
  /** Tells the listeners about sessions ended outside this object (OperatorSessions on a reused refresh token). */
  announceSessionsEnded(username: string): void;
}

/**
 * Revokes every access token of the account: they carry the session version they were issued
 * under, and the access check compares it with the account's. Run it in the transaction that ends
 * the sessions.
 */
export function bumpSessionVersion(db: Kysely<OperatorTables>, username: string) {
  return db
    .updateTable("users")
    .set((eb) => ({ session_version: eb("session_version", "+", 1) }))
    .where("username", "=", username)
    .execute();
}

/** What a change does to the account's sessions. */
type SessionEffect = "keep" | "end-refresh-tokens" | "end-all";

export interface UserAccountsOptions {
  readonly cost?: ScryptCost;
  readonly lockout?: LockoutPolicy;
  /** Unknown login names whose failures are remembered (oldest forgotten first). */
  readonly maxTrackedUnknownNames?: number;
}

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

const toAccount = (row: UsersTable): UserAccount => ({
  username: row.username,
  role: isRole(row.role) ? row.role : "viewer",
  createdAt: Number(row.created_at),
  disabled: row.disabled === 1,
  failedAttempts: row.failed_attempts,
  lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
});

/** How long a lock lasts after this many failures in a row, or undefined when this failure does not lock. */
export function lockDurationMs(failures: number, policy: LockoutPolicy): number | undefined {
  if (failures < policy.threshold || failures % policy.threshold !== 0) return undefined;
  const round = failures / policy.threshold - 1;
  return Math.min(policy.maxLockMs, policy.baseLockMs * 2 ** Math.min(round, 30));
}

export function createUserAccounts(
  db: Kysely<OperatorTables>,
  clock: Clock,
  options: UserAccountsOptions = {},
): UserAccounts {
  const cost = options.cost ?? DEFAULT_SCRYPT_COST;
  const policy = options.lockout ?? DEFAULT_LOCKOUT;
  const maxUnknown = options.maxTrackedUnknownNames ?? 10_000;
  const unknownNames = new Map<string, { failures: number; lockedUntil: number | null }>();
  let decoyHash: Promise<string> | undefined;

  const find = async (username: string) => {
    const row = await db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
    return row && toAccount(row);
  };

  const sessionListeners = new Set<(username: string) => void>();
  const sessionsEnded = (username: string) => {
    for (const listener of sessionListeners) {
      try {
        listener(username);
      } catch (error) {
        process.emitWarning(`sessions-ended listener failed for ${username}: ${String(error)}`);
      }
    }
  };

  async function update(username: string, values: Partial<UsersTable>, effect: SessionEffect) {
    const changed = await db.transaction().execute(async (trx) => {
      const result = await trx.updateTable("users").set(values).where("username", "=", username).execute();
      if (Number(result[0]?.numUpdatedRows ?? 0) === 0) return false;
      // Deleted rather than marked revoked: a later use is then "unknown", not taken for theft.
      if (effect !== "keep") {
        await trx.deleteFrom("refresh_tokens").where("username", "=", username).execute();
      }
      if (effect === "end-all") await bumpSessionVersion(trx, username);
      return true;
    });
    if (changed && effect === "end-all") sessionsEnded(username);
    return changed ? find(username) : undefined;
  }

  /** The same lockout for names that do not exist, kept in memory. */
  function unknownNameLogin(username: string, now: number): LoginResult {
    const entry = unknownNames.get(username) ?? { failures: 0, lockedUntil: null };
    if (entry.lockedUntil !== null && entry.lockedUntil > now)
      return { ok: false, reason: "locked", retryAfterMs: entry.lockedUntil - now };
    entry.failures += 1;
    const lockMs = lockDurationMs(entry.failures, policy);
    if (lockMs !== undefined) entry.lockedUntil = now + lockMs;
    unknownNames.delete(username);
    unknownNames.set(username, entry);
    if (unknownNames.size > maxUnknown) {
      const oldest = unknownNames.keys().next().value;
      if (oldest !== undefined) unknownNames.delete(oldest);
    }
    return { ok: false, reason: "invalid" };
  }

  return {
    async count() {
      const row = await db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async list() {
      const rows = await db.selectFrom("users").selectAll().orderBy("username").execute();
      return rows.map(toAccount);
    },

    find,

    async create({ username, password, role }) {
      const name = usernameSchema.parse(username);
      const hash = await hashPassword(passwordSchema.parse(password), cost);
      const row: UsersTable = {
        username: name,
        password_hash: hash,
        role,
        created_at: clock.now(),
        disabled: 0,
        failed_attempts: 0,
        locked_until: null,
        session_version: 0,
      };
      const inserted = await db
        .insertInto("users")
        .values(row)
        .onConflict((oc) => oc.column("username").doNothing())
        .execute();
      if (Number(inserted[0]?.numInsertedOrUpdatedRows ?? 0) === 0) throw new UserExistsError(name);
      return toAccount(row);
    },

    async setPassword(username, password) {
      const hash = await hashPassword(passwordSchema.parse(password), cost);
      return update(username, { password_hash: hash, failed_attempts: 0, locked_until: null }, "end-all");
    },

    setRole: (username, role) => update(username, { role }, "end-refresh-tokens"),

    setDisabled: (username, disabled) =>
      update(username, { disabled: disabled ? 1 : 0 }, disabled ? "end-all" : "keep"),

    unlock: (username) => update(username, { failed_attempts: 0, locked_until: null }, "keep"),

    async verifyLogin(username, password) {
      const now = clock.now();
      const row = USERNAME_PATTERN.test(username)
        ? await db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst()
        : undefined;
      if (!row) {
        const locked = unknownNameLogin(username, now);
        if (locked.ok === false && locked.reason === "locked") return locked;
        decoyHash ??= hashPassword("decoy password that nobody has", cost);
        await verifyPassword(password, await decoyHash);
        return locked;
      }
      const lockedUntil = row.locked_until === null ? null : Number(row.locked_until);
      if (lockedUntil !== null && lockedUntil > now)
        return { ok: false, reason: "locked", retryAfterMs: lockedUntil - now };

      const matches = await verifyPassword(password, row.password_hash);
      if (matches && row.disabled === 0) {
        await db
          .updateTable("users")
          .set({ failed_attempts: 0, locked_until: null })
          .where("username", "=", row.username)
          .execute();
        return {
          ok: true,
          user: {
            username: row.username,
            role: toAccount(row).role,
            sessionVersion: Number(row.session_version),
          },
        };
      }
      // Counted in SQL, so concurrent failures cannot overwrite each other's count.
      const counted = await db
        .updateTable("users")
        .set((eb) => ({ failed_attempts: eb("failed_attempts", "+", 1) }))
        .where("username", "=", row.username)
        .returning("failed_attempts")
        .executeTakeFirst();
      const lockMs = lockDurationMs(counted?.failed_attempts ?? 0, policy);
      if (lockMs !== undefined) {
        await db
          .updateTable("users")
          .set({ locked_until: now + lockMs })
          .where("username", "=", row.username)
          .execute();
      }
      return { ok: false, reason: "invalid" };
    },

    async activeUser(username) {
      const row = await db
        .selectFrom("users")
        .select(["username", "role", "disabled", "session_version"])
        .where("username", "=", username)
        .executeTakeFirst();
      if (row?.disabled !== 0) return undefined;
      return {
        username: row.username,
        role: isRole(row.role) ? row.role : "viewer",
        sessionVersion: Number(row.session_version),
      };
    },

    onSessionsEnded(listener) {
      sessionListeners.add(listener);
      return () => {
        sessionListeners.delete(listener);
      };
    },

    announceSessionsEnded: sessionsEnded,
  };
}
