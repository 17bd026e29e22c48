/**
 * A generator's numbers, read by the judge: `measureGenerator` scores one generator as it is now
 * (recognisability, class coverage, Fréchet distance, and conditional accuracy or InfoGAN code
 * purity where they apply), `midpointQuality` judges the images halfway between two samples,
 * and `trackQuality` is a training callback that measures the generator every `every` steps:
 * the judge scores `count` images drawn from a fixed set of z (the same z at every check, so the
 * curve measures the generator and not the luck of the draw). This is how lesson 06 *measures*
 * mode collapse: a collapsing generator loses classes (the smallest class share falls towards 0
 * and the entropy of the judged classes drops below ln 10 = 2.30 nats).
 */
import * as tf from '@tensorflow/tfjs';
import { sampleLatent } from '../models/gan';
import { isInfoGenerator } from '../models/dcgan';
import { toRange } from '../pixels';
import type { PhasedTrainer, TrainingCallback } from '../train/phased';
import { sampleQuality, type SampleQuality } from './quality';
import type { Judge } from './judge';
import { checkJudge } from './judge-check';
import { GenlabError, checkModel, checkOptionValues, fail, resolveOptions } from '../errors';

/** One quality check: the step and training seconds, and the judge's numbers. */
export interface QualityRecord {
  step: number;
  seconds: number;
  /** Share of samples the judge recognises with confidence >= 0.9. */
  recognisability: number;
  /** Entropy of the judged class distribution, nats (ln 10 = 2.303 when perfectly even). */
  entropy: number;
  /** Number of classes with >= 2% of the samples. */
  classes: number;
  /** Share of the rarest class: the mode-collapse number (0.1 when perfectly even). */
  smallestShare: number;
  /** Fréchet distance in the judge's feature space (lower is closer to real images). */
  frechet: number;
  /** Share judged as the label requested (conditional generators only). */
  conditionalAccuracy?: number;
  /**
   * InfoGAN generators only: the share of samples judged as the most common class of their
   * code, averaged over codes (1 when every code draws one digit; about 0.1 to 0.2 when the
   * code means nothing to G). The code-to-class map is learnt without labels, so it is a
   * permutation: code 3 may draw sevens.
   */
  codePurity?: number;
  /** InfoGAN generators only: for each code, the class it is most often judged as. */
  codeClasses?: number[];
}

export interface QualityTrackingOptions {
  /** The judge, from `await metrics.judge('mnist' | 'fashion')`. */
  judge: Judge;
  /** The generator to sample (or its EMA copy). Inputs z, or [z, onehot] for a conditional one. */
  generator: tf.LayersModel;
  /** Check every this many steps (default 100). */
  every?: number;
  /** Samples per check (default 1,000: coverage and Fréchet are noisy on fewer). */
  count?: number;
  /** Seed of the fixed z (default 2024). */
  seed?: number;
}

export const DEFAULT_QUALITY_TRACKING_OPTIONS = { every: 100, count: 1000, seed: 2024 };

/** Measures `count` samples of `generator` (inference mode) with the judge, as a QualityRecord. */
export function measureGenerator(
  generator: tf.LayersModel,
  judge: Judge,
  options: {
    count?: number;
    seed?: number;
    step?: number;
    seconds?: number;
    /**
     * For a self-conditioned G (a conditional G given clusters, not classes): the cluster of
     * each of the `count` samples, e.g. `data.proportionalLabels(clusters.sizes, count)`. The
     * samples are scored as unconditional ones (no conditional accuracy).
     */
    clusters?: ArrayLike<number>;
    /**
     * Draw z with the truncation trick at this threshold psi (|z_i| <= psi; see
     * models.LatentOptions): fidelity traded for diversity. Default: none.
     */
    truncation?: number;
  } = {},
): QualityRecord {
  const fn = 'measureGenerator';
  checkModel(fn, 'generator', generator);
  checkJudge(fn, 'judge', judge);
  const { count, seed } = resolveOptions(fn, { count: DEFAULT_QUALITY_TRACKING_OPTIONS.count, seed: DEFAULT_QUALITY_TRACKING_OPTIONS.seed }, options, ['step', 'seconds', 'clusters', 'truncation']);
  checkOptionValues(fn, { count, seed, step: options.step, seconds: options.seconds }, { count: 'positiveInteger', seed: 'finite', step: 'nonNegativeInteger', seconds: 'nonNegative' });
  // A second input is a label (conditional G: conditional accuracy is measured) or an InfoGAN
  // code (unconditional: the codes are spread evenly, and how purely each draws one class is measured).
  const info = isInfoGenerator(generator);
  const twoInputs = generator.inputs.length === 2;
  const latentSize = generator.inputs[0].shape[1] as number;
  const numClasses = twoInputs ? (generator.inputs[1].shape[1] as number) : 0;
  if (options.clusters !== undefined && (!twoInputs || info || options.clusters.length !== count)) {
    throw new GenlabError(`measureGenerator: options.clusters needs a conditional generator and one cluster per sample (${count}), got ${options.clusters.length} for a generator with ${generator.inputs.length} input(s)`);
  }
  if (options.truncation !== undefined && !(options.truncation > 0)) {
    throw new GenlabError(`measureGenerator: options.truncation must be a positive threshold psi for |z_i| (or Infinity for none), got ${options.truncation}`);
  }
  const codes = options.clusters !== undefined ? Array.from(options.clusters) : twoInputs ? Array.from({ length: count }, (_, i) => i % numClasses) : undefined;
  const images = tf.tidy(() => {
    const z = sampleLatent(count, latentSize, seed, { truncation: options.truncation }); //    [N, latent]
    const inputs = twoInputs ? [z, tf.oneHot(tf.tensor1d(codes!, 'int32'), numClasses).cast('float32')] : z;
    return toRange(generator.predict(inputs, { batchSize: 250 }) as tf.Tensor, 'symmetric', 'unit'); // [N, 28, 28, 1] in [0, 1]
  });
  let quality: SampleQuality;
  let purity: { codePurity: number; codeClasses: number[] } | undefined;
  try {
    quality = sampleQuality(images, { judge, labels: info || options.clusters !== undefined ? undefined : codes });
    if (info) purity = codePurity(codes!, quality.judgedLabels, numClasses, judge.classes.length);
  } finally {
    images.dispose();
  }
  return {
    step: options.step ?? 0,
    seconds: options.seconds ?? 0,
    recognisability: quality.recognisability,
    entropy: quality.coverage.entropy,
    classes: quality.coverage.classes,
    smallestShare: Math.min(...quality.coverage.distribution),
    frechet: quality.frechet,
    ...(quality.conditionalAccuracy === undefined ? {} : { conditionalAccuracy: quality.conditionalAccuracy }),
    ...(purity ?? {}),
  };
}

/**
 * For each code, the class it is most often judged as, and the mean over codes of the share of
 * its samples judged as that class. codes and judged: one entry per sample.
 */
export function codePurity(codes: ArrayLike<number>, judged: ArrayLike<number>, numCodes: number, numClasses: number): { codePurity: number; codeClasses: number[] } {
  if (codes.length !== judged.length) throw new GenlabError(`codePurity: codes and judged must have one entry per sample, got ${codes.length} and ${judged.length}`);
  const counts = Array.from({ length: numCodes }, () => new Array(numClasses).fill(0));
  for (let i = 0; i < codes.length; i++) counts[codes[i]][judged[i]]++;
  const used = counts.filter((row) => row.some((c) => c > 0));
  const codeClasses = counts.map((row) => row.indexOf(Math.max(...row)));
  const purity = used.reduce((sum, row) => sum + Math.max(...row) / row.reduce((a, b) => a + b, 0), 0) / used.length;
  return { codePurity: purity, codeClasses };
}

/**
 * A training callback that measures the generator every `every` steps, and the list its
 * records go to: `const tracker = trackQuality({ judge, generator }); await trainer.run({ steps,
 * callbacks: [tracker.callback] }); tracker.records`.
 */
export function trackQuality(options: QualityTrackingOptions): { callback: TrainingCallback; records: QualityRecord[] } {
  if (options === null || typeof options !== 'object') fail('trackQuality', 'options', 'an object with at least judge and generator', options);
  const { judge, generator } = options;
  checkModel('trackQuality', 'options.generator', generator);
  checkJudge('trackQuality', 'options.judge', judge);
  resolveOptions('trackQuality', DEFAULT_QUALITY_TRACKING_OPTIONS, options, ['judge', 'generator']);
  checkOptionValues('trackQuality', options, { count: 'positiveInteger', seed: 'finite' });
  const every = options.every ?? DEFAULT_QUALITY_TRACKING_OPTIONS.every;
  if (!Number.isInteger(every) || every < 1) throw new GenlabError(`trackQuality: options.every must be a positive integer, got ${every}`);
  const records: QualityRecord[] = [];
  const callback: TrainingCallback = {
    every,
    call: (trainer: PhasedTrainer<any>) => {
      records.push(measureGenerator(generator, judge, { count: options.count, seed: options.seed, step: trainer.step, seconds: trainer.seconds }));
    },
  };
  return { callback, records };
}

/** What `midpointQuality` measures. */
export interface MidpointQuality {
  /** Pairs of confidently judged samples of two *different* classes, and of the *same* class. */
  pairs: { different: number; same: number };
  /** Share of the images G draws at (z_a + z_b) / 2 that the judge recognises, for each kind of pair. */
  recognisability: { different: number; same: number };
}

/**
 * Halfway between two digits. An unconditional G maps one connected latent space onto classes
 * that are apart from each other, so a path from a z it draws as one digit to a z it draws as
 * another must pass through images that are neither (Khayatkhoei et al. 2018; Tanielian et al.
 * 2020). This draws `count` samples, keeps those the judge recognises (confidence >= 0.9),
 * pairs them in order, and judges G at the midpoint of each pair's z: pairs of different
 * classes against pairs of the same class (the control: both midpoints are equally far from
 * the samples' own z).
 */
export function midpointQuality(generator: tf.LayersModel, judge: Judge, options: { count?: number; seed?: number; confidence?: number } = {}): MidpointQuality {
  checkModel('midpointQuality', 'generator', generator);
  checkJudge('midpointQuality', 'judge', judge);
  resolveOptions('midpointQuality', {}, options, ['count', 'seed', 'confidence']);
  checkOptionValues('midpointQuality', options, { count: 'positiveInteger', seed: 'finite', confidence: 'probability' });
  if (generator.inputs.length !== 1) throw new GenlabError(`midpointQuality: generator must be unconditional (one input, z), got ${generator.inputs.length} inputs`);
  const count = options.count ?? DEFAULT_QUALITY_TRACKING_OPTIONS.count;
  const confidence = options.confidence ?? 0.9;
  const latentSize = generator.inputs[0].shape[1] as number;
  const z = sampleLatent(count, latentSize, options.seed ?? DEFAULT_QUALITY_TRACKING_OPTIONS.seed); // [N, latent]
  try {
    const judgeOf = (latent: tf.Tensor) => {
      const images = tf.tidy(() => toRange(generator.predict(latent, { batchSize: 250 }) as tf.Tensor, 'symmetric', 'unit')); // [M, H, W, C] in [0, 1]
      try {
        return judge.classify(images);
      } finally {
        images.dispose();
      }
    };
    const verdict = judgeOf(z);
    const sure = verdict.labels.map((_, i) => i).filter((i) => verdict.confidences[i] >= confidence);
    const pairs: Array<{ a: number; b: number; same: boolean }> = [];
    for (let i = 0; i + 1 < sure.length; i += 2) {
      const [a, b] = [sure[i], sure[i + 1]];
      pairs.push({ a, b, same: verdict.labels[a] === verdict.labels[b] });
    }
    const result: MidpointQuality = { pairs: { different: 0, same: 0 }, recognisability: { different: 0, same: 0 } };
    if (pairs.length === 0) return result;
    const midpoints = tf.tidy(() => tf.gather(z, pairs.map((p) => p.a)).add(tf.gather(z, pairs.map((p) => p.b))).div(2)); // [P, latent]
    const middle = judgeOf(midpoints);
    midpoints.dispose();
    for (const kind of ['different', 'same'] as const) {
      const of = pairs.map((p, i) => ({ p, i })).filter(({ p }) => p.same === (kind === 'same'));
      result.pairs[kind] = of.length;
      result.recognisability[kind] = of.length === 0 ? 0 : of.filter(({ i }) => middle.confidences[i] >= confidence).length / of.length;
    }
    return result;
  } finally {
    z.dispose();
  }
}
