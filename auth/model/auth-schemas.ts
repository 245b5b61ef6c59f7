import { z } from "zod";
import { ROLES } from "../../kernel/roles.js";

/** Request and response shapes of the auth, users and audit routes (the dashboard reuses them). */

export const loginBodySchema = z.strictObject({
  username: z.string().min(1, "username is required").max(64),
  password: z.string().min(1, "password is required").max(1024),
});

export const refreshBodySchema = z.strictObject({
  refreshToken: z.string().min(1, "refreshToken is required").max(256),
});

export const authenticatedUserSchema = z.object({ username: z.string(), role: z.enum(ROLES) });

export const tokenResponseSchema = z.object({
  token: z.string(),
  /** Seconds until the access token expires. */
  expiresIn: z.number(),
  refreshToken: z.string(),
  /** Seconds until the refresh token expires (each refresh hands out a new one). */
  refreshExpiresIn: z.number(),
  user: authenticatedUserSchema,
});

export const userSchema = z.object({
  username: z.string(),
  role: z.enum(ROLES),
  disabled: z.boolean(),
  createdAt: z.string(),
  /** ISO time until which logins are refused, null when not locked. */
  lockedUntil: z.string().nullable(),
});

export const usersResponseSchema = z.object({ users: z.array(userSchema) });

/** A user, plus the password when the server generated one: shown this once, never stored in clear. */
export const userChangeResponseSchema = z.object({ user: userSchema, password: z.string().optional() });

export const auditEntrySchema = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  source: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
});

export const auditResponseSchema = z.object({ entries: z.array(auditEntrySchema) });
