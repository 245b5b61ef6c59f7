import { generatePassword } from "../platform/password-hash.js";
import { type UserAccounts, UserExistsError } from "./store/user-accounts.js";

export const BOOTSTRAP_ADMIN_USERNAME = "admin";

export type BootstrapOutcome =
  /** Accounts exist already (or there is nothing to create them from): nothing changed. */
  | { readonly created: false }
  /** From BOOTSTRAP_ADMIN_PASSWORD. */
  | { readonly created: true; readonly username: string; readonly generatedPassword?: undefined }
  /** Demo only: a random password, to print once. */
  | { readonly created: true; readonly username: string; readonly generatedPassword: string };

/**
 * The first admin. With no account at all: BOOTSTRAP_ADMIN_PASSWORD when set, otherwise (demo
 * only) a random password the caller prints once. There is never a default password; outside the
 * demo, without the setting, the first admin comes from `npm run users -- add`.
 */
export async function ensureBootstrapAdmin(
  accounts: Pick<UserAccounts, "count" | "create">,
  options: { readonly password?: string; readonly demo: boolean },
): Promise<BootstrapOutcome> {
  if ((await accounts.count()) > 0) return { created: false };
  const username = BOOTSTRAP_ADMIN_USERNAME;
  const generatedPassword = options.password === undefined && options.demo ? generatePassword() : undefined;
  const password = options.password ?? generatedPassword;
  if (password === undefined) return { created: false };
  try {
    await accounts.create({ username, password, role: "admin" });
  } catch (error) {
    // Another process sharing DATA_DIR made it a moment ago.
    if (error instanceof UserExistsError) return { created: false };
    throw error;
  }
  return generatedPassword === undefined
    ? { created: true, username }
    : { created: true, username, generatedPassword };
}

/** The line the service prints once when it made the demo admin. */
export const demoLoginLine = (username: string, password: string): string =>
  `Đăng nhập / Log in: ${username} / ${password}`;
