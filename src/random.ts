/**
 * Seeded randomness for everything outside tfjs's own seeded ops, and the seeds handed to tfjs.
 * Uses `seedrandom` (the generator tfjs itself uses for seeded ops). The root of the library:
 * it imports nothing of genlab's but errors.ts.
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

/**
 * The seed of layer number `index` of a network seeded with `seed`: seed * stride + index, made
 * safe for tfjs by tfSeed. Every network builder derives its initialisers' seeds here, each with
 * the stride and first index that its weights have always been drawn with:
 *   stride 1000, index 0, 1, ...  models/gan.ts (LayerSeeds: MLP GAN, cGAN, toy GAN; dropout masks from 500)
 *   stride 1000, index 1, 2, ...  models/dcgan.ts (one seed per initialiser, BN scale included)
 *   stride 100,  index 1, 2, ...  models/vae.ts, metrics/judge-model.ts
 *   stride 1,    index 0, 1, ...  models/blocks.ts (convNormAct, PatchGAN), spectral norm (u at 1),
 *                                 models/cyclegan.ts, models/pix2pix.ts, metrics/domain.ts
 * and evaluateElbo (metrics/elbo.ts) numbers its evaluation batches the same way (stride 7919). A network's
 * second part (D after G, CycleGAN's four networks) starts from a seed of its own (seed + 1,
 * seed + 1000 ...). tfSeed only changes a value of exactly 0, which tfjs would have read as "no seed".
 */
export function layerSeed(seed: number, index: number, stride = 1): number {
  checkNumber('layerSeed', 'seed', seed);
  checkNumber('layerSeed', 'index', index);
  checkNumber('layerSeed', 'stride', stride, { above: 0 });
  return tfSeed(seed * stride + index);
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
