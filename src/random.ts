/**
 * Seeded randomness for everything outside tfjs's own seeded ops.
 * Uses `seedrandom` (the generator tfjs itself uses for seeded ops).
 */
import seedrandom from 'seedrandom';
import { checkNonNegativeInteger, checkNumber, checkSeed } from './errors';

/**
 * The seed to hand a tfjs random op or initializer. tfjs reads a seed of 0 as "no seed" and draws
 * one from Math.random instead, so a seed of 0 would give a different result on every run; it is
 * replaced by a fixed other value (0x5eed). Every other seed passes through unchanged.
 */
export function tfSeed(seed: number): number {
  checkNumber('tfSeed', 'seed', seed);
  return seed === 0 ? 0x5eed : seed;
}

/** A seeded generator of floats in [0, 1). */
export type Random = () => number;

/** A generator seeded by a number or string: the same seed gives the same sequence. */
export function makeRandom(seed: number | string): Random {
  checkSeed('makeRandom', 'seed', seed);
  return seedrandom(String(seed));
}

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, seed: number | string): Int32Array {
  checkNonNegativeInteger('permutation', 'n', n);
  checkSeed('permutation', 'seed', seed);
  const rng = makeRandom(seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
