import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponseSchema } from "../../kernel/api-contract.js";
import { ServiceError } from "../../kernel/errors.js";
import { type AuditRecorder, auditAction } from "../../platform/http/access.js";
import { isoTime } from "../../platform/http/query-schemas.js";
import { generatePassword } from "../../platform/password-hash.js";
import { userChangeResponseSchema, usersResponseSchema } from "../model/auth-schemas.js";
import {
  passwordSchema,
  roleSchema,
  type UserAccount,
  type UserAccounts,
  usernameSchema,
} from "../store/user-accounts.js";

export interface UserRoutesOptions {
  readonly accounts: UserAccounts;
  readonly audit: AuditRecorder;
  readonly now: () => number;
}

const createBody = z.strictObject({
  username: usernameSchema,
  role: roleSchema,
  password: passwordSchema.optional().meta({ description: "generated and answered once when absent" }),
});

const patchBody = z
  .strictObject({
    role: roleSchema.optional(),
    disabled: z.boolean().optional(),
    password: passwordSchema.optional(),
    generatePassword: z.literal(true).optional().meta({ description: "a new password, answered once" }),
    unlock: z.literal(true).optional().meta({ description: "clears a lockout after failed logins" }),
  })
  .refine((body) => Object.keys(body).length > 0, {
    error: "nothing to change: give role, disabled, password, generatePassword or unlock",
  })
  .refine((body) => !(body.password !== undefined && body.generatePassword), {
    error: "give either password or generatePassword, not both",
  });

/** Account administration for admins; every change is in the audit log (never a password or hash). */
export const userRoutes: FastifyPluginAsyncZod<UserRoutesOptions> = async (app, options) => {
  const { accounts, audit, now } = options;
  const view = (account: UserAccount) => ({
    username: account.username,
    role: account.role,
    disabled: account.disabled,
    createdAt: isoTime(account.createdAt),
    lockedUntil:
      account.lockedUntil !== null && account.lockedUntil > now() ? isoTime(account.lockedUntil) : null,
  });
  const notFound = (username: string) => new ServiceError("not_found", `no user '${username}'`);

  /** Whether the change would leave no enabled admin to administer the service. */
  async function removesLastAdmin(account: UserAccount, change: { role?: string; disabled?: boolean }) {
    const stopsBeingAdmin =
      account.role === "admin" &&
      !account.disabled &&
      ((change.role !== undefined && change.role !== "admin") || change.disabled === true);
    if (!stopsBeingAdmin) return false;
    const admins = (await accounts.list()).filter((a) => a.role === "admin" && !a.disabled);
    return admins.length <= 1;
  }

  app.get(
    "/users",
    {
      config: { access: "admin" },
      schema: { tags: ["users"], summary: "Operator accounts", response: { 200: usersResponseSchema } },
    },
    async () => ({ users: (await accounts.list()).map(view) }),
  );

  app.post(
    "/users",
    {
      config: { access: "admin" },
      schema: {
        tags: ["users"],
        summary: "Create an account; without a password one is generated and answered once",
        body: createBody,
        response: { 201: userChangeResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const { username, role } = request.body;
      const generated = request.body.password === undefined ? generatePassword() : undefined;
      // A name that is taken: UserExistsError, 409 conflict.
      const account = await accounts.create({
        username,
        role,
        password: request.body.password ?? generated ?? "",
      });
      await auditAction(audit, request, {
        action: "user.create",
        target: `user:${username}`,
        before: null,
        after: { role, disabled: false },
      });
      return reply.code(201).send({ user: view(account), ...(generated ? { password: generated } : {}) });
    },
  );

  app.patch(
    "/users/:username",
    {
      config: { access: "admin" },
      schema: {
        tags: ["users"],
        summary: "Change an account's role, disable or enable it, reset its password, or unlock it",
        params: z.object({ username: usernameSchema }),
        body: patchBody,
        response: { 200: userChangeResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request) => {
      const { username } = request.params;
      const change = request.body;
      const before = await accounts.find(username);
      if (!before) throw notFound(username);
      if (await removesLastAdmin(before, change)) {
        throw new ServiceError(
          "last_admin",
          `${username} is the last enabled admin: make another admin first`,
        );
      }
      const record = (action: string, from: unknown, to: unknown) =>
        auditAction(audit, request, { action, target: `user:${username}`, before: from, after: to });

      let after: UserAccount | undefined = before;
      if (change.role !== undefined && change.role !== before.role) {
        after = await accounts.setRole(username, change.role);
        await record("user.set-role", { role: before.role }, { role: change.role });
      }
      if (change.disabled !== undefined && change.disabled !== before.disabled) {
        after = await accounts.setDisabled(username, change.disabled);
        await record(
          change.disabled ? "user.disable" : "user.enable",
          { disabled: before.disabled },
          { disabled: change.disabled },
        );
      }
      const generated = change.generatePassword ? generatePassword() : undefined;
      const password = change.password ?? generated;
      if (password !== undefined) {
        after = await accounts.setPassword(username, password);
        await record("user.reset-password", null, { generated: generated !== undefined });
      }
      if (change.unlock) {
        after = await accounts.unlock(username);
        await record("user.unlock", { lockedUntil: before.lockedUntil }, { lockedUntil: null });
      }
      if (!after) throw notFound(username);
      return { user: view(after), ...(generated ? { password: generated } : {}) };
    },
  );
};
