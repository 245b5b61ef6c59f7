import { loadOrCreateSecretFile } from "../platform/secret-file.js";

export const JWT_SECRET_FILE = "jwt-secret";

/**
 * The secret that signs access tokens when JWT_SECRET is not set: made once, kept in
 * DATA_DIR/jwt-secret readable by the owner only, so tokens survive a restart. Two processes
 * starting together both end up with the first one's secret.
 */
export function loadOrCreateJwtSecret(dataDir: string): string {
  return loadOrCreateSecretFile(dataDir, JWT_SECRET_FILE, { bytes: 48, minLength: 32 });
}
