/**
 * Sample quality measured by a judge (./judge.ts), so that a lesson can say "82% of the samples
 * are recognisable digits and no class is missing" instead of "the samples look good".
 *
 *   recognisability      = share of samples the judge classifies with confidence >= 0.9
 *   coverage             = distribution of the judged classes p(k), its entropy
 *                          H = -sum_k p(k) ln p(k) (ln 10 = 2.303 nats when uniform, 0 when every
 *                          sample is one class), and the classes with at least 2% of the samples
 *   classesUnder2pct     = number of classes with under 2% of the samples: mode collapse, counted
 *   conditionalAccuracy  = share of samples judged as the label they were generated for
 *   frechet              = Fréchet distance between Gaussians fitted to the judge's penultimate
 *                          features of real and generated images (the FID recipe with a small judge
 *                          instead of Inception-v3, so its values are not comparable with FID)
 */
import * as tf from '@tensorflow/tfjs';
import { checkImages, type Judge } from './judge';
import { frechetDistance, gaussianStats, type GaussianStats } from './frechet';
import { GenlabError, checkLabels, checkOptionValues, checkTensor, fail, resolveOptions } from '../errors';
import { checkJudge } from './judge-check';
import { checkInRange, checkRangeName, DEFAULT_PIXEL_RANGE, toRange, type PixelRange } from '../pixels';

export interface SampleQualityOptions {
  /** The judge, from `await metrics.judge('mnist' | 'fashion')`. */
  judge: Judge;
  /** The class each sample was generated for (conditional models): enables conditionalAccuracy. */
  labels?: ReadonlyArray<number> | tf.Tensor1D;
  /** Confidence at or above which a sample counts as recognisable (default 0.9). */
  confidence?: number;
  /** Share under which a class counts as missing (default 0.02). */
  minShare?: number;
  /** Real images to compare with, in the same range as `images` (default: the judge's statistics of its real test split). */
  reference?: tf.Tensor4D;
  /** Pixel range of `images` (and `reference`): 'unit' [0, 1] (default) or 'symmetric' [-1, 1], a tanh generator's. */
  range?: PixelRange;
}

export const DEFAULT_SAMPLE_QUALITY_OPTIONS = { confidence: 0.9, minShare: 0.02, range: DEFAULT_PIXEL_RANGE };

export interface Coverage {
  /** Samples judged as each class. */
  counts: number[];
  /** counts / N: the distribution of judged classes. */
  distribution: number[];
  /** Entropy of `distribution` in nats (ln 10 = 2.303 is perfectly even over 10 classes). */
  entropy: number;
  /** Number of classes with at least `minShare` (2%) of the samples: 1 for a collapsed generator. */
  classes: number;
}

export interface SampleQuality {
  /** Number of samples judged. */
  count: number;
  /** Share of samples classified with confidence >= 0.9. */
  recognisability: number;
  coverage: Coverage;
  /** Classes with under 2% of the samples (0 = no class missing). */
  classesUnder2pct: number;
  /** Share judged as the requested label (only when `labels` is given). */
  conditionalAccuracy?: number;
  /** Fréchet distance between judge features of real and generated images (0 = same Gaussian). */
  frechet: number;
  /** The judge's class for each sample, in order. */
  judgedLabels: number[];
}

/**
 * Measures a batch of generated images [N, 28, 28, 1] in `options.range` (a tanh generator's
 * samples: range 'symmetric'; the judge sees them mapped to [0, 1]). Use N = 1,000 or more:
 * coverage and the Fréchet distance are noisy on small samples.
 */
export function sampleQuality(images: tf.Tensor, options: SampleQualityOptions): SampleQuality {
  const fn = 'sampleQuality';
  if (options === null || typeof options !== 'object') fail(fn, 'options', 'an object with at least judge', options);
  const { judge } = options;
  if (judge === undefined || typeof judge.classify !== 'function') {
    throw new GenlabError(`sampleQuality: options.judge must be a judge from metrics.judge('mnist' | 'fashion'), got ${typeof judge}`);
  }
  checkJudge(fn, 'options.judge', judge);
  const { confidence, minShare, range } = resolveOptions(fn, DEFAULT_SAMPLE_QUALITY_OPTIONS, options, ['judge', 'labels', 'reference']);
  checkOptionValues(fn, { confidence, minShare }, { confidence: 'probability', minShare: 'probability' });
  checkRangeName(fn, 'options.range', range);
  if (range !== 'unit') {
    // The judge reads [0, 1]: measure converted copies, then free them.
    checkTensor(fn, 'images', images, { rank: 4, layout: '[N, 28, 28, 1]', dtype: 'float32' });
    checkInRange(fn, 'images', images, range);
    if (options.reference !== undefined) checkInRange(fn, 'options.reference', options.reference, range);
    const unit = toRange(images, range, 'unit');
    const reference = options.reference === undefined ? undefined : toRange(options.reference, range, 'unit');
    try {
      return sampleQuality(unit, { ...options, range: 'unit', reference });
    } finally {
      tf.dispose([unit, ...(reference ? [reference] : [])]);
    }
  }
  checkImages(images, fn);
  if (options.labels !== undefined) checkLabels(fn, 'options.labels', options.labels, judge.classes.length);
  if (options.reference !== undefined) checkImages(options.reference, fn);
  const verdict = judge.classify(images);
  const n = verdict.labels.length;
  const numClasses = judge.classes.length;

  const recognisability = verdict.confidences.filter((c) => c >= confidence).length / n;
  const counts = new Array(numClasses).fill(0);
  for (const k of verdict.labels) counts[k]++;
  const distribution = counts.map((c) => c / n);
  const entropy = distribution.reduce((sum, p) => (p > 0 ? sum - p * Math.log(p) : sum), 0);
  const covered = distribution.filter((p) => p >= minShare).length;

  let conditionalAccuracy: number | undefined;
  if (options.labels !== undefined) {
    const wanted = options.labels instanceof tf.Tensor ? Array.from(options.labels.dataSync()) : Array.from(options.labels);
    if (wanted.length !== n) {
      throw new GenlabError(`sampleQuality: options.labels must have one label per image (${n}), got ${wanted.length}`);
    }
    conditionalAccuracy = wanted.filter((k, i) => k === verdict.labels[i]).length / n;
  }

  const generated = featureStats(judge, images);
  const real = options.reference === undefined ? judge.reference : featureStats(judge, options.reference);
  return {
    count: n,
    recognisability,
    coverage: { counts, distribution, entropy, classes: covered },
    classesUnder2pct: numClasses - covered,
    ...(conditionalAccuracy === undefined ? {} : { conditionalAccuracy }),
    frechet: frechetDistance(real, generated),
    judgedLabels: verdict.labels,
  };
}

/** Mean and covariance of the judge's features of `images`. */
export function featureStats(judge: Judge, images: tf.Tensor): GaussianStats {
  checkJudge('featureStats', 'judge', judge);
  checkImages(images, 'featureStats');
  const features = judge.features(images);
  const [n, d] = features.shape;
  const values = features.dataSync();
  features.dispose();
  return gaussianStats(values, n, d);
}

/**
 * Share of pixels strictly between `low` and `high` (default 0.1 and 0.9): neither background
 * nor stroke. A simple, judge-free measure of blur: real MNIST digits have few such pixels, the
 * averaged strokes of a blurry generator many. images: [N, H, W, C] in [0, 1].
 */
export function midtoneFraction(images: tf.Tensor, low = 0.1, high = 0.9): number {
  if (!(images instanceof tf.Tensor) || images.rank !== 4) {
    throw new GenlabError(`midtoneFraction: images must be a tf.Tensor [N, H, W, C] in [0, 1], got ${images instanceof tf.Tensor ? `[${images.shape.join(', ')}]` : typeof images}`);
  }
  if (!(low < high)) throw new GenlabError(`midtoneFraction: low must be below high, got ${low} and ${high}`);
  checkTensor('midtoneFraction', 'images', images, { rank: 4, dtype: 'float32' });
  return tf.tidy(() => tf.logicalAnd(images.greater(low), images.less(high)).toFloat().mean().dataSync()[0]);
}

/** One line summarising a SampleQuality, for printing in a lesson. */
export function formatQuality(quality: SampleQuality): string {
  if (quality === null || typeof quality !== 'object' || typeof quality.recognisability !== 'number' || typeof quality.coverage !== 'object') {
    fail('formatQuality', 'quality', 'a SampleQuality from metrics.sampleQuality', quality);
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const parts = [
    `recognisable ${pct(quality.recognisability)}`,
    `classes covered ${quality.coverage.classes}/${quality.coverage.counts.length} (entropy ${quality.coverage.entropy.toFixed(3)} nats)`,
    `classes under 2%: ${quality.classesUnder2pct}`,
  ];
  if (quality.conditionalAccuracy !== undefined) parts.push(`conditional accuracy ${pct(quality.conditionalAccuracy)}`);
  parts.push(`Fréchet ${quality.frechet.toFixed(2)}`);
  return `${parts.join(', ')} (N = ${quality.count})`;
}
