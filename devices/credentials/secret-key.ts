import type { ServiceConfig } from "../../platform/config.js";
import { loadOrCreateSecretFile } from "../../platform/secret-file.js";
import { MIN_SECRET_KEY_LENGTH } from "./secret-hash.js";

export const DEVICE_SECRET_KEY_FILE = "device-secret-key";

/**
 * The server key of the device secret hashes: DEVICE_SECRET_KEY when set, else one made once
 * (32 random bytes) and kept in DATA_DIR/device-secret-key, readable by the owner only, beside
 * the database whose hashes it keys. Back the two up together: without the key no stored
 * device secret verifies.
 */
export function deviceSecretKeyFrom(config: Pick<ServiceConfig, "DATA_DIR" | "DEVICE_SECRET_KEY">): string {
  return (
    config.DEVICE_SECRET_KEY ??
    loadOrCreateSecretFile(config.DATA_DIR, DEVICE_SECRET_KEY_FILE, {
      bytes: 32,
      minLength: MIN_SECRET_KEY_LENGTH,
    })
  );
}
