import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface SecretFileOptions {
  /** Random bytes of a new secret (written as base64url). */
  readonly bytes: number;
  /** A secret read back shorter than this is refused (a truncated or hand-edited file). */
  readonly minLength: number;
}

/**
 * A secret the service makes for itself when none is configured: created once in DATA_DIR,
 * readable by the owner only, and read back on every later start. Processes sharing DATA_DIR
 * starting together all end up with the first one's secret: it is written in full under a
 * temporary name, then linked to its name, which fails when that name already exists — so
 * nobody ever reads a half-written file.
 */
export function loadOrCreateSecretFile(
  dataDir: string,
  fileName: string,
  options: SecretFileOptions,
): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, fileName);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(temporary, `${randomBytes(options.bytes).toString("base64url")}\n`, {
      mode: 0o600,
      flag: "wx",
    });
    // The mode given when creating passes through the umask; say it once more, plainly.
    chmodSync(temporary, 0o600);
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  // A copy restored from a backup may have lost its mode: nobody else should read it.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const secret = readFileSync(path, "utf8").trim();
  if (secret.length < options.minLength) {
    throw new Error(
      `${path} holds a secret shorter than ${options.minLength} characters: delete it to make a new one`,
    );
  }
  return secret;
}
