/**
 * The ring of 8 Gaussians: a 2-D toy distribution for GANs (Metz et al., 2017, "Unrolled
 * Generative Adversarial Networks", §3.1): equal mixtures of N(c_k, std^2 I) with the centres
 * c_k = radius (cos 2πk/K, sin 2πk/K) on a circle. A generator that collapses onto a few modes
 * is plain to see in a scatter plot, and `ringCoverage` counts the modes it covers.
 */
import * as tf from '@tensorflow/tfjs';
import { makeRandom } from '../random';
import { checkNumber, checkOptionKeys, checkTensor, GenlabError, resolveOptions } from '../errors';

export interface RingOptions {
  /** Number of Gaussians K on the circle (default 8). */
  modes?: number;
  /** Radius of the circle (default 2, as in Metz et al., 2017). */
  radius?: number;
  /** Standard deviation of each Gaussian (default 0.02, as in Metz et al., 2017). */
  std?: number;
}

export const DEFAULT_RING_OPTIONS: Required<RingOptions> = { modes: 8, radius: 2, std: 0.02 };

function ringOptions(options: RingOptions, caller: string): Required<RingOptions> {
  const o = resolveOptions(caller, DEFAULT_RING_OPTIONS, options);
  if (!Number.isInteger(o.modes) || o.modes < 1) throw new GenlabError(`${caller}: options.modes must be a positive integer, got ${o.modes}`);
  if (!(o.radius > 0)) throw new GenlabError(`${caller}: options.radius must be positive, got ${o.radius}`);
  if (!(o.std > 0)) throw new GenlabError(`${caller}: options.std must be positive, got ${o.std}`);
  return o;
}

/** The K centres as [x, y] pairs, mode k at angle 2πk/K. */
export function ringCentres(options: RingOptions = {}): Array<[number, number]> {
  const { modes, radius } = ringOptions(options, 'ringCentres');
  return Array.from({ length: modes }, (_, k) => [radius * Math.cos((2 * Math.PI * k) / modes), radius * Math.sin((2 * Math.PI * k) / modes)]);
}

/** `count` seeded points of the ring: { points: float32 [count, 2], modes: int32 [count] (which Gaussian). } */
export function sampleRing(count: number, seed: number | string = 0, options: RingOptions = {}): { points: tf.Tensor2D; modes: tf.Tensor1D } {
  const o = ringOptions(options, 'sampleRing');
  if (!Number.isInteger(count) || count < 1) throw new GenlabError(`sampleRing: count must be a positive integer, got ${count}`);
  const random = makeRandom(`ring:${seed}`);
  const modeOf = Int32Array.from({ length: count }, () => Math.floor(random() * o.modes));
  const centres = ringCentres(o);
  const centreValues = new Float32Array(count * 2);
  modeOf.forEach((k, i) => centreValues.set(centres[k], 2 * i));
  const noiseSeed = Math.floor(random() * 2147483647);
  return tf.tidy(() => ({
    points: tf.tensor2d(centreValues, [count, 2]).add(tf.randomNormal([count, 2], 0, o.std, 'float32', noiseSeed)) as tf.Tensor2D,
    modes: tf.tensor1d(modeOf, 'int32'),
  }));
}

export interface RingCoverageOptions extends RingOptions {
  /** A sample is "high quality" when within this many std of its nearest centre (default 3, Metz et al., 2017). */
  withinStd?: number;
  /** A mode is covered when at least this share of all samples are high quality near it (default 0.02). */
  minShare?: number;
}

export const DEFAULT_RING_COVERAGE_OPTIONS: Required<RingCoverageOptions> = { ...DEFAULT_RING_OPTIONS, withinStd: 3, minShare: 0.02 };

export interface RingCoverage {
  /** Modes with at least minShare of the samples within withinStd * std. */
  modesCovered: number;
  /** Share of samples within withinStd * std of some centre. */
  highQuality: number;
  /** Per mode: share of all samples that are high quality near it. */
  shares: number[];
}

/** How many modes of the ring a set of samples [N, 2] covers, and how sharply. */
export function ringCoverage(points: tf.Tensor, options: RingCoverageOptions = {}): RingCoverage {
  const { withinStd: _withinStd, minShare: _minShare, ...ring } = options ?? {};
  checkOptionKeys('ringCoverage', options, Object.keys(DEFAULT_RING_COVERAGE_OPTIONS));
  const ringPart = ringOptions(ring, 'ringCoverage');
  const o = { ...resolveOptions('ringCoverage', DEFAULT_RING_COVERAGE_OPTIONS, options), ...ringPart };
  checkNumber('ringCoverage', 'options.withinStd', o.withinStd, { above: 0 });
  checkNumber('ringCoverage', 'options.minShare', o.minShare, { min: 0, max: 1 });
  checkTensor('ringCoverage', 'points', points, { shape: [null, 2], layout: '[N, 2]', dtype: 'float32' });
  if (points.rank !== 2 || points.shape[1] !== 2) throw new GenlabError(`ringCoverage: points must be [N, 2], got [${points.shape.join(', ')}]`);
  const values = points.dataSync();
  const n = points.shape[0];
  const centres = ringCentres(ringPart);
  const counts = new Array(o.modes).fill(0);
  const limit = o.withinStd * o.std;
  let good = 0;
  for (let i = 0; i < n; i++) {
    const x = values[2 * i];
    const y = values[2 * i + 1];
    let best = 0;
    let bestDistance = Infinity;
    centres.forEach(([cx, cy], k) => {
      const d = Math.hypot(x - cx, y - cy);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    });
    if (bestDistance <= limit) {
      counts[best]++;
      good++;
    }
  }
  const shares = counts.map((c) => c / n);
  return { modesCovered: shares.filter((s) => s >= o.minShare).length, highQuality: good / n, shares };
}
