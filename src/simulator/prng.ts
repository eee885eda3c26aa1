// A small seeded PRNG (mulberry32) so fault profiles replay identically for the same --seed.

export interface Prng {
  /** A float in [0, 1). */
  next(): number;
}

export function seedFromString(seed: string | number): number {
  if (typeof seed === 'number' && Number.isInteger(seed)) return seed >>> 0;
  // FNV-1a over the text form, so "--seed demo" works as well as "--seed 42".
  let h = 0x811c9dc5;
  for (const ch of String(seed)) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createPrng(seed: string | number): Prng {
  let a = seedFromString(seed);
  return {
    next(): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
