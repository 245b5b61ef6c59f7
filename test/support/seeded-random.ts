/** A small deterministic PRNG (mulberry32) so that a failing random mix can be replayed by its seed. */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  integer(low: number, highInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Buffer;
  shuffle<T>(items: T[]): T[];
}

export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const integer = (low: number, highInclusive: number) =>
    low + Math.floor(next() * (highInclusive - low + 1));
  return {
    next,
    integer,
    pick: (items) => {
      if (items.length === 0) throw new Error("pick from an empty list");
      return items[integer(0, items.length - 1)] as (typeof items)[number];
    },
    bytes: (length) => {
      const out = Buffer.alloc(length);
      for (let i = 0; i < length; i++) out[i] = integer(0, 255);
      return out;
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = integer(0, i);
        [items[i], items[j]] = [items[j] as (typeof items)[number], items[i] as (typeof items)[number]];
      }
      return items;
    },
  };
}
