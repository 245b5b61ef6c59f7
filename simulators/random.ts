/** Seeded randomness for the simulators: same seed, same sequence, on every machine. */

/** Returns a uniformly distributed number in [0, 1). */
export type RandomSource = () => number;

/** A small 32-bit generator (mulberry32 construction); plenty for simulation, not for secrets. */
export function createSeededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Combines a seed with a label (e.g. a device id) so each device gets its own independent stream. */
export function deriveSeed(seed: number, label: string): number {
  // FNV-1a over the label, started from the seed.
  let hash = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i += 1) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function uniformBetween(random: RandomSource, low: number, high: number): number {
  return low + (high - low) * random();
}

export function integerBetween(random: RandomSource, low: number, high: number): number {
  return Math.floor(uniformBetween(random, low, high + 1));
}

/** Standard normal draw (Box–Muller). */
export function standardNormal(random: RandomSource): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function pickOne<T>(random: RandomSource, items: readonly T[]): T {
  if (items.length === 0) throw new Error("pickOne needs at least one item");
  return items[Math.floor(random() * items.length)] as T;
}
