/**
 * Noise: the raw material of rule-based images.
 *
 * White noise draws every pixel independently, so it has no structure at any scale. Smooth
 * noise draws random values only on a coarse lattice and interpolates between them:
 *   - value noise: random *values* at lattice points, blended with the smoothstep
 *     s(t) = 3t^2 - 2t^3 (written here: it is the lesson's point and a few lines long);
 *   - gradient noise: random *gradients* at lattice points (Perlin 1985, simplex: Perlin 2001),
 *     taken from the `simplex-noise` package, seeded with our own generator.
 * Fractal Brownian motion (fBm) sums octaves of smooth noise, each at `lacunarity` times the
 * frequency and `gain` times the amplitude of the one before:
 *   fbm(x) = sum_k gain^k * n_k(x * lacunarity^k / scale) / sum_k gain^k
 * Every function here is deterministic under its seed.
 */
import * as tf from '@tensorflow/tfjs';
import { createNoise2D } from 'simplex-noise';
import { makeRandom, permutation, tfSeed } from '../random';
import { asBatch, checkImage, checkNumber, checkSize, checkUnitRange, describe, unbatch } from './image';
import { GenlabError, resolveOptions } from '../errors';

/** Which smooth noise an fBm octave is made of. */
export type NoiseBasis = 'value' | 'gradient';

export interface WhiteNoiseOptions {
  /** 'uniform': every pixel uniform in [0, 1]; 'gaussian': N(mean, std^2) clipped to [0, 1]. */
  kind?: 'uniform' | 'gaussian';
  /** Colour channels of the result (default 1). */
  channels?: number;
  /** Mean of the Gaussian kind (default 0.5: mid-grey). */
  mean?: number;
  /** Standard deviation of the Gaussian kind (default 0.2: 99% of draws before clipping lie in [0, 1]). */
  std?: number;
  /** Seed of tfjs's generator (default 0). */
  seed?: number;
}

export const DEFAULT_WHITE_NOISE_OPTIONS = { kind: 'uniform' as const, channels: 1, mean: 0.5, std: 0.2, seed: 0 };

/** White noise [H, W, C]: every pixel drawn independently. */
export function whiteNoise(height: number, width: number, options: WhiteNoiseOptions = {}): tf.Tensor3D {
  const o = resolveOptions('whiteNoise', DEFAULT_WHITE_NOISE_OPTIONS, options);
  checkSize(height, width, 'whiteNoise');
  checkNumber(o.channels, 'whiteNoise', 'options.channels', { min: 1, integer: true });
  checkNumber(o.seed, 'whiteNoise', 'options.seed');
  const shape: [number, number, number] = [height, width, o.channels];
  if (o.kind === 'uniform') return tf.randomUniform(shape, 0, 1, 'float32', tfSeed(o.seed)) as tf.Tensor3D;
  if (o.kind === 'gaussian') {
    checkNumber(o.std, 'whiteNoise', 'options.std', { min: 0 });
    return tf.tidy(() => tf.randomNormal(shape, o.mean, o.std, 'float32', tfSeed(o.seed)).clipByValue(0, 1)) as tf.Tensor3D;
  }
  throw new GenlabError(`whiteNoise: options.kind must be 'uniform' or 'gaussian', got ${describe(o.kind)}`);
}

export interface AddNoiseOptions {
  /** Standard deviation of the additive Gaussian noise (default 0.1). */
  std?: number;
  /** Seed (default 0). */
  seed?: number;
}

export const DEFAULT_ADD_NOISE_OPTIONS = { std: 0.1, seed: 0 };

/** image + N(0, std^2) per pixel and channel, clipped to [0, 1]. Same rank as `image`. */
export function addGaussianNoise<T extends tf.Tensor>(image: T, options: AddNoiseOptions = {}): T {
  const o = resolveOptions('addGaussianNoise', DEFAULT_ADD_NOISE_OPTIONS, options);
  checkImage(image, 'addGaussianNoise');
  checkNumber(o.std, 'addGaussianNoise', 'options.std', { min: 0 });
  return tf.tidy(() => image.add(tf.randomNormal(image.shape, 0, o.std, 'float32', tfSeed(o.seed))).clipByValue(0, 1)) as T;
}

export interface SaltAndPepperOptions {
  /** Fraction of pixels replaced (default 0.05): half of them by 0 (pepper), half by 1 (salt). */
  amount?: number;
  /** Seed (default 0). */
  seed?: number;
}

export const DEFAULT_SALT_AND_PEPPER_OPTIONS = { amount: 0.05, seed: 0 };

/** Salt-and-pepper noise: a random `amount` of pixels (all channels at once) set to black or white. */
export function saltAndPepper<T extends tf.Tensor>(image: T, options: SaltAndPepperOptions = {}): T {
  const o = resolveOptions('saltAndPepper', DEFAULT_SALT_AND_PEPPER_OPTIONS, options);
  checkNumber(o.amount, 'saltAndPepper', 'options.amount', { min: 0, max: 1 });
  return tf.tidy(() => {
    const { batch, single } = asBatch(image, 'saltAndPepper');
    checkUnitRange(batch, 'saltAndPepper');
    const [n, h, w] = batch.shape;
    const u = tf.randomUniform([n, h, w, 1], 0, 1, 'float32', tfSeed(o.seed)); // one draw per pixel, shared by its channels
    const pepper = u.less(o.amount / 2);
    const salt = u.greaterEqual(1 - o.amount / 2);
    const noisy = tf.where(pepper, tf.zerosLike(batch), tf.where(salt, tf.onesLike(batch), batch));
    return unbatch(noisy as tf.Tensor4D, single);
  }) as T;
}

export interface SmoothNoiseOptions {
  /** Lattice spacing in pixels: the size of the blobs (default 16). */
  scale?: number;
  /** Seed (default 0). */
  seed?: number;
}

export const DEFAULT_SMOOTH_NOISE_OPTIONS = { scale: 16, seed: 0 };

/** Value noise [H, W, 1] in [0, 1]. */
export function valueNoise(height: number, width: number, options: SmoothNoiseOptions = {}): tf.Tensor3D {
  const o = checkSmooth(height, width, resolveOptions('valueNoise', DEFAULT_SMOOTH_NOISE_OPTIONS, options), 'valueNoise');
  const noise = makeNoise2D('value', o.seed);
  return field(height, width, (x, y) => 0.5 + 0.5 * noise(x / o.scale, y / o.scale));
}

/** Gradient (simplex) noise [H, W, 1] in [0, 1]. */
export function gradientNoise(height: number, width: number, options: SmoothNoiseOptions = {}): tf.Tensor3D {
  const o = checkSmooth(height, width, resolveOptions('gradientNoise', DEFAULT_SMOOTH_NOISE_OPTIONS, options), 'gradientNoise');
  const noise = makeNoise2D('gradient', o.seed);
  return field(height, width, (x, y) => 0.5 + 0.5 * noise(x / o.scale, y / o.scale));
}

export interface FbmOptions {
  /** Lattice spacing of the first (coarsest) octave in pixels (default 32). */
  scale?: number;
  /** Number of octaves summed (default 5). */
  octaves?: number;
  /** Frequency factor between octaves (default 2, the usual choice: each octave halves the blob size). */
  lacunarity?: number;
  /** Amplitude factor between octaves (default 0.5: "1/f" noise, the look of clouds and terrain). */
  gain?: number;
  /** Smooth noise of each octave (default 'gradient'). */
  basis?: NoiseBasis;
  /** Seed; octave k uses seed + k (default 0). */
  seed?: number;
}

export const DEFAULT_FBM_OPTIONS = { scale: 32, octaves: 5, lacunarity: 2, gain: 0.5, basis: 'gradient' as NoiseBasis, seed: 0 };

/**
 * Fractal Brownian motion [H, W, 1] in [0, 1]: the normalised sum over k = 0..octaves-1 of
 * gain^k * (value or gradient noise with scale / lacunarity^k and seed + k). Summing those
 * noise images yourself gives the same result.
 */
export function fbm(height: number, width: number, options: FbmOptions = {}): tf.Tensor3D {
  checkSize(height, width, 'fbm');
  const sample = fbmSampler(options, 'fbm');
  return field(height, width, sample);
}

/** A 2-D noise function (x, y) -> [-1, 1], deterministic under `seed`. */
export function makeNoise2D(basis: NoiseBasis, seed: number): (x: number, y: number) => number {
  if (basis === 'gradient') return createNoise2D(makeRandom(seed));
  if (basis === 'value') return valueNoise2D(seed);
  throw new GenlabError(`makeNoise2D: basis must be 'value' or 'gradient', got ${describe(basis)}`);
}

/** The fBm of `options` as a function (x, y) -> [0, 1] of pixel coordinates (used by the textures). */
export function fbmSampler(options: FbmOptions, caller: string): (x: number, y: number) => number {
  const o = resolveOptions(caller, DEFAULT_FBM_OPTIONS, options);
  checkNumber(o.scale, caller, 'options.scale', { min: 1e-6 });
  checkNumber(o.octaves, caller, 'options.octaves', { min: 1, max: 16, integer: true });
  checkNumber(o.lacunarity, caller, 'options.lacunarity', { min: 1 });
  checkNumber(o.gain, caller, 'options.gain', { min: 0, max: 1 });
  if (o.basis !== 'value' && o.basis !== 'gradient') throw new GenlabError(`${caller}: options.basis must be 'value' or 'gradient', got ${describe(o.basis)}`);
  checkNumber(o.seed, caller, 'options.seed', { integer: true });
  const octaves = Array.from({ length: o.octaves }, (_, k) => ({
    noise: makeNoise2D(o.basis, o.seed + k),
    scale: o.scale / o.lacunarity ** k,
    amplitude: o.gain ** k,
  }));
  const total = octaves.reduce((s, k) => s + k.amplitude, 0);
  return (x, y) => {
    let sum = 0;
    // Each octave is clipped to [0, 1] exactly as gradientNoise/valueNoise clip it.
    for (const k of octaves) sum += k.amplitude * Math.min(1, Math.max(0, 0.5 + 0.5 * k.noise(x / k.scale, y / k.scale)));
    return sum / total;
  };
}

/**
 * Value noise on the integer lattice: a seeded permutation table (as in Perlin's reference
 * code) hashes each lattice point to one of 256 seeded random values; between lattice points
 * the values are blended with smoothstep weights. The lattice repeats every 256 cells.
 */
function valueNoise2D(seed: number): (x: number, y: number) => number {
  const random = makeRandom(`value-noise:${seed}`);
  const values = Float64Array.from({ length: 256 }, () => random() * 2 - 1);
  const perm = permutation(256, `value-noise-permutation:${seed}`);
  const at = (i: number, j: number) => values[perm[(perm[i & 255] + j) & 255]];
  const smoothstep = (t: number) => t * t * (3 - 2 * t);
  return (x, y) => {
    const i = Math.floor(x);
    const j = Math.floor(y);
    const u = smoothstep(x - i);
    const v = smoothstep(y - j);
    const top = at(i, j) * (1 - u) + at(i + 1, j) * u;
    const bottom = at(i, j + 1) * (1 - u) + at(i + 1, j + 1) * u;
    return top * (1 - v) + bottom * v;
  };
}

/** Samples f(x, y) at every pixel (x = column, y = row) into a [H, W, 1] tensor, clipped to [0, 1]. */
export function field(height: number, width: number, f: (x: number, y: number) => number): tf.Tensor3D {
  checkSize(height, width, 'field');
  if (typeof f !== 'function') throw new GenlabError(`field: f must be a function (x, y) -> value, got ${describe(f)}`);
  const values = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) values[y * width + x] = Math.min(1, Math.max(0, f(x, y)));
  }
  return tf.tensor3d(values, [height, width, 1]);
}

function checkSmooth(height: number, width: number, o: Required<SmoothNoiseOptions>, caller: string): Required<SmoothNoiseOptions> {
  checkSize(height, width, caller);
  checkNumber(o.scale, caller, 'options.scale', { min: 1e-6 });
  checkNumber(o.seed, caller, 'options.seed', { integer: true });
  return o;
}
