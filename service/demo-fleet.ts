import type { Logger } from "pino";
import type { DeviceRegistry } from "../store/device-registry.js";

/** Registers the simulated Tây Ninh fleet and starts it against the local broker. */
export async function startDemoFleet(options: {
  readonly brokerUrl: string;
  readonly intervalMs: number;
  readonly registry: DeviceRegistry;
  readonly logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  options.logger.warn("demo fleet not wired yet");
  return { stop: async () => {} };
}
