import type { Logger } from "pino";
import type { DeviceCredentials, DeviceRegistry } from "../devices/index.js";
import type { Clock } from "../kernel/clock.js";
import { fleetCredentialsPath, writeFleetCredentials } from "../simulators/fleet-credentials-file.js";
import { createFleetSimulator } from "../simulators/fleet-simulator.js";
import { TAY_NINH_FLEET, TAY_NINH_SIMULATED_FLEET } from "../simulators/tay-ninh-fleet.js";

/** Fixed so that every demo shows the same episodes; the simulators' CLI takes --seed. */
const DEMO_SEED = 20251121;

/**
 * Registers the simulated Tây Ninh fleet, gives every device a fresh broker secret (secrets are
 * shown only once, so each start rotates them), writes them to DATA_DIR/demo-fleet-credentials.json
 * for `npm run simulate -- --credentials`, and starts the fleet against the local broker.
 * Devices an administrator decommissioned stay off the air.
 */
export async function startDemoFleet(options: {
  readonly brokerUrl: string;
  readonly intervalMs: number;
  readonly registry: DeviceRegistry;
  readonly credentials: Pick<DeviceCredentials, "issue">;
  readonly dataDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  const { registry, credentials, logger } = options;
  await registry.register(TAY_NINH_FLEET);
  const decommissioned = new Set(
    (await registry.list()).filter((d) => d.lifecycle === "decommissioned").map((d) => d.id),
  );
  const devices = TAY_NINH_SIMULATED_FLEET.filter((d) => !decommissioned.has(d.profile.id));
  const secrets = new Map<string, string>();
  for (const device of devices) {
    secrets.set(device.profile.id, await credentials.issue(device.profile.id));
    registry.announceChange(device.profile.id);
  }
  const file = fleetCredentialsPath(options.dataDir);
  await writeFleetCredentials(file, secrets, new Date(options.clock.now()));

  const fleet = createFleetSimulator({
    brokerUrl: options.brokerUrl,
    devices,
    credentials: secrets,
    intervalMs: options.intervalMs,
    seed: DEMO_SEED,
    faults: true,
    logger,
  });
  await fleet.start();
  logger.info(
    {
      devices: devices.length,
      decommissioned: decommissioned.size,
      intervalMs: options.intervalMs,
      credentialsFile: file,
    },
    "demo: simulated Tây Ninh fleet running, each device with its own broker secret",
  );
  return fleet;
}
