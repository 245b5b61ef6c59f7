/** One simulated device: its physical signal plus sensor faults, as a deterministic stream of emissions. */
import type { DeviceProfile } from "../devices/index.js";
import { createSeededRandom, deriveSeed } from "./random.js";
import {
  applySensorFaults,
  type DeviceEmission,
  type FaultRates,
  type FaultState,
  INITIAL_FAULT_STATE,
} from "./sensor-faults.js";
import {
  initialStationState,
  type MetricValues,
  type StationSignalParameters,
  type StationState,
  stepStation,
} from "./signals.js";

/** A registry profile together with how its simulated signal behaves. */
export interface SimulatedDevice {
  readonly profile: DeviceProfile;
  readonly signal: StationSignalParameters;
}

export interface DeviceReadingStream {
  /** Produces what the device emits at time `ts` (epoch ms); call with non-decreasing times. */
  next(ts: number): DeviceEmission;
}

export function createDeviceReadingStream(options: {
  readonly device: SimulatedDevice;
  readonly seed: number;
  readonly faults: FaultRates;
}): DeviceReadingStream {
  const { device, faults } = options;
  // Separate streams so that turning faults on or off does not change the underlying signal.
  const signalRandom = createSeededRandom(deriveSeed(options.seed, `${device.profile.id}/signal`));
  const faultRandom = createSeededRandom(deriveSeed(options.seed, `${device.profile.id}/faults`));
  let station: StationState = initialStationState();
  let faultState: FaultState = INITIAL_FAULT_STATE;
  return {
    next(ts) {
      const step = stepStation(device.signal, station, ts, signalRandom);
      station = step.state;
      const values = onlyMetrics(step.values, device.profile.metrics);
      const faulted = applySensorFaults(faults, faultState, { ts, values }, faultRandom);
      faultState = faulted.state;
      return faulted.emission;
    },
  };
}

function onlyMetrics(values: MetricValues, metrics: DeviceProfile["metrics"]): MetricValues {
  const selected: MetricValues = {};
  for (const key of metrics) {
    const value = values[key];
    if (value !== undefined) selected[key] = value;
  }
  return selected;
}
