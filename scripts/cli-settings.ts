/**
 * The settings a CLI needs, read from the environment with the service's one configuration schema
 * (platform/config.ts), so that DATA_DIR, DEVICE_SECRET_KEY… mean, default and are checked exactly
 * as they are for the service. Only the settings named are read: a CLI is not refused for a
 * setting it does not use. An invalid one is reported as the service reports it, and the CLI then
 * exits with code 2.
 */
import { ConfigError, parseConfig, type ServiceConfig } from "../platform/config.js";

export function readCliSettings<const K extends keyof ServiceConfig>(
  cli: string,
  keys: readonly K[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Pick<ServiceConfig, K> | undefined {
  try {
    return parseConfig(Object.fromEntries(keys.map((key) => [key, env[key]])));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${cli}: ${error.message}\n`);
    return undefined;
  }
}
