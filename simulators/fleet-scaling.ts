/** Bigger fleets for load tests: the built-in stations first, then clones placed around them. */
import type { SimulatedDevice } from "./device-stream.js";
import { createSeededRandom, deriveSeed, uniformBetween } from "./random.js";
import { TAY_NINH_SIMULATED_FLEET } from "./tay-ninh-fleet.js";

const KM_PER_DEGREE_LATITUDE = 111.32;

/**
 * Returns exactly `count` devices. Beyond the base fleet, device i is a copy of base[i mod n] with
 * id `<original>-c<round>` (round 2 is the first copy: tn-air-001-c0002), moved 0.5–3 km away.
 */
export function fleetOfSize(
  count: number,
  base: readonly SimulatedDevice[] = TAY_NINH_SIMULATED_FLEET,
): SimulatedDevice[] {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`fleet size must be a whole number ≥ 0, got ${count}`);
  if (count > 0 && base.length === 0) throw new RangeError("cannot clone an empty fleet");
  const devices = base.slice(0, count);
  for (let index = base.length; index < count; index += 1) {
    const original = base[index % base.length] as SimulatedDevice;
    devices.push(cloneDevice(original, Math.floor(index / base.length) + 1));
  }
  return devices;
}

function cloneDevice(original: SimulatedDevice, round: number): SimulatedDevice {
  const id = `${original.profile.id}-c${String(round).padStart(4, "0")}`;
  const random = createSeededRandom(deriveSeed(0, id));
  const distanceKm = uniformBetween(random, 0.5, 3);
  const bearing = uniformBetween(random, 0, 2 * Math.PI);
  const { lat, lon } = original.profile;
  const kmPerDegreeLongitude = KM_PER_DEGREE_LATITUDE * Math.cos((lat * Math.PI) / 180);
  return {
    profile: {
      ...original.profile,
      id,
      name: `${original.profile.name} (bản sao ${round})`,
      lat: round6(lat + (distanceKm * Math.cos(bearing)) / KM_PER_DEGREE_LATITUDE),
      lon: round6(lon + (distanceKm * Math.sin(bearing)) / kmPerDegreeLongitude),
    },
    signal: original.signal,
  };
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;
