import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const JWT_SECRET_FILE = "jwt-secret";
const MIN_LENGTH = 32;

/**
 * The secret that signs access tokens when JWT_SECRET is not set: made once, kept in
 * DATA_DIR/jwt-secret readable by the owner only, so tokens survive a restart. Two processes
 * starting together both end up with the first one's secret (the file is created exclusively).
 */
export function loadOrCreateJwtSecret(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, JWT_SECRET_FILE);
  try {
    writeFileSync(path, `${randomBytes(48).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  // A copy restored from a backup may have lost its mode: nobody else should read it.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const secret = readFileSync(path, "utf8").trim();
  if (secret.length < MIN_LENGTH) {
    throw new Error(
      `${path} holds a secret shorter than ${MIN_LENGTH} characters: delete it to make a new one`,
    );
  }
  return secret;
}
