import type { Logger } from "pino";
import { createFleetSimulator } from "../simulators/fleet-simulator.js";
import { TAY_NINH_FLEET, TAY_NINH_SIMULATED_FLEET } from "../simulators/tay-ninh-fleet.js";
import type { DeviceRegistry } from "../store/device-registry.js";

/** Fixed so that every demo shows the same episodes; the simulators' CLI takes --seed. */
const DEMO_SEED = 20251121;

/** Registers the simulated Tây Ninh fleet and starts it against the local broker. */
export async function startDemoFleet(options: {
  readonly brokerUrl: string;
  readonly intervalMs: number;
  readonly registry: DeviceRegistry;
  readonly logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  await options.registry.register(TAY_NINH_FLEET);
  const fleet = createFleetSimulator({
    brokerUrl: options.brokerUrl,
    devices: TAY_NINH_SIMULATED_FLEET,
    intervalMs: options.intervalMs,
    seed: DEMO_SEED,
    faults: true,
    logger: options.logger.child({ part: "demo-fleet" }),
  });
  await fleet.start();
  options.logger.info(
    { devices: TAY_NINH_SIMULATED_FLEET.length, intervalMs: options.intervalMs },
    "demo: simulated Tây Ninh fleet running",
  );
  return fleet;
}
