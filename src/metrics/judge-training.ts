/**
 * Training a judge (./judge-model.ts) from scratch, seeded (DEFAULT_JUDGE_TRAINING_OPTIONS):
 * Adam 3e-3 with a cosine decay to 1.5e-4 for both judges (judgeLearningRate),
 *   MNIST:   20 epochs over the 8,000 training digits, each moved at every step by a random shift
 *            (up to 2 pixels), rotation (up to 10 degrees) and size change (up to 10%), plus 16
 *            noise images per batch that it learns to give every class 1/10 (CEDA, Hein et al.
 *            2019), so that it is sure of real digits and unsure of noise and blobs.
 *   Fashion: 6 epochs over 60,000 items, half of them mirrored left-right each step.
 * then its accuracy and the feature statistics of the real test split. Measured accuracies and the
 * recipes that were tried: README ("The judges").
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import { loadDataset, datasetDir, disposeDataset } from '../data/datasets';
import { batches } from '../data/batches';
import { makeRandom } from '../random';
import { watchInterrupts, TrainingInterrupted } from '../train/interrupt';
import { cosineDecay } from '../train/schedules';
import { gaussianStats, type GaussianStats } from './frechet';
import { buildJudgeModel, checkJudgeName, DEFAULT_JUDGE_MODEL_OPTIONS, FEATURE_LAYER, INFERENCE_BATCH, JUDGE_VERSIONS, type JudgeName } from './judge-model';
import { GenlabError, checkFunction, checkNonNegativeInteger, checkNumber, checkOptionValues, checkPositiveInteger, checkTensor, fail, resolveOptions } from '../errors';

export interface JudgeTrainingOptions {
  /** Passes over the training split (default: 20 for MNIST's 8,000 images, 6 for Fashion's 60,000). */
  epochs?: number;
  /** Images per step (default 64). */
  batchSize?: number;
  /**
   * Adam learning rate at the start (default 3e-3, measured best on Fashion-MNIST of 1e-3, 2e-3,
   * 3e-3 and 5e-3 under the cosine decay; MNIST uses the same).
   */
  learningRate?: number;
  /**
   * 'constant', or 'cosine': the rate falls from `learningRate` to `finalLearningRate` along
   * half a cosine over all the steps (Loshchilov & Hutter 2017, without restarts). Default
   * 'cosine' for both.
   */
  learningRateSchedule?: 'constant' | 'cosine';
  /** Learning rate at the end of the cosine schedule (default 1.5e-4: 5% of 3e-3; unused when constant). */
  finalLearningRate?: number;
  /** Seed of the weight initialisation, batch order and augmentation (default 1). */
  seed?: number;
  /**
   * Largest random shift in pixels, drawn per image and step, as data augmentation (default 2 for
   * MNIST, whose 8,000 training digits overfit without it; 0 for Fashion-MNIST's 60,000 items).
   */
  maxShift?: number;
  /**
   * Largest random rotation in degrees, drawn per image and step (default 10 for MNIST: digits
   * are written a little tilted; 0 for Fashion-MNIST, photographed upright).
   */
  maxRotation?: number;
  /** Largest random change of size as a fraction, scale in [1 - maxScale, 1 + maxScale] (default 0.1 for MNIST, 0 for Fashion-MNIST). */
  maxScale?: number;
  /**
   * Mirror each training image left-right with probability 1/2 (default false for MNIST, where a
   * mirrored 2 or 7 is no digit; true for Fashion-MNIST, where a mirrored shoe is still a shoe).
   */
  flip?: boolean;
  /**
   * Noise images added to each batch with the uniform distribution over the 10 classes as their
   * target, so that the judge learns to be unsure of what is no digit or garment at all: uniform
   * noise, smooth noise and the batch's own images with their pixels shuffled (noiseImages; CEDA,
   * Hein, Andriushchenko & Bitterwolf 2019: ReLU networks are otherwise confident far from their
   * training data, their smoothed noise here made by enlarging coarse noise). Default 16 per
   * batch of 64 for MNIST (the version-2 judge was sure of 100% of uniform-noise images), 0 for
   * Fashion-MNIST.
   */
  noiseImages?: number;
  /** Train on at most this many training images (default all; for tests). */
  trainLimit?: number;
  /** Print a progress line per epoch (default true). */
  verbose?: boolean;
}

/** The recipe each judge is trained with, recorded in its cache (judge.json). */
export type JudgeRecipe = Required<Omit<JudgeTrainingOptions, 'trainLimit' | 'verbose'>>;

export const DEFAULT_JUDGE_TRAINING_OPTIONS: Readonly<Record<JudgeName, Readonly<JudgeRecipe & { verbose: boolean }>>> = {
  mnist: {
    epochs: 20,
    batchSize: 64,
    learningRate: 3e-3,
    learningRateSchedule: 'cosine',
    finalLearningRate: 1.5e-4,
    maxShift: 2,
    maxRotation: 10,
    maxScale: 0.1,
    flip: false,
    noiseImages: 16,
    seed: 1,
    verbose: true,
  },
  fashion: {
    epochs: 6,
    batchSize: 64,
    learningRate: 3e-3,
    learningRateSchedule: 'cosine',
    finalLearningRate: 1.5e-4,
    maxShift: 0,
    maxRotation: 0,
    maxScale: 0,
    flip: true,
    noiseImages: 0,
    seed: 1,
    verbose: true,
  },
};

/** A judge's record: what it was trained on and how, and how it scored (judge.json in its cache). */
export interface JudgeInfo {
  name: JudgeName;
  version: number;
  /** sha256 of the dataset's image file the judge was trained on. */
  datasetSha256: string;
  /** Accuracy on the dataset's full test split (2,000 MNIST / 10,000 Fashion-MNIST images). */
  testAccuracy: number;
  testCount: number;
  trainCount: number;
  /** The recipe it was trained with (DEFAULT_JUDGE_TRAINING_OPTIONS and any overrides). */
  training: JudgeRecipe;
  trainSeconds: number;
  backend: string;
  classes: string[];
}

/** A freshly trained judge, before it is cached: the network, its record and its reference statistics. */
export interface TrainedJudge {
  model: tf.Sequential;
  info: JudgeInfo;
  reference: GaussianStats;
}

/** Trains a judge from scratch (no cache involved). */
export async function trainJudge(name: JudgeName, options: JudgeTrainingOptions = {}): Promise<TrainedJudge> {
  checkJudgeName(name, 'trainJudge');
  const o = resolveOptions('trainJudge', DEFAULT_JUDGE_TRAINING_OPTIONS[name], options, ['trainLimit']);
  const recipe: JudgeRecipe = {
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    learningRateSchedule: o.learningRateSchedule,
    finalLearningRate: o.finalLearningRate,
    maxShift: o.maxShift,
    maxRotation: o.maxRotation,
    maxScale: o.maxScale,
    flip: o.flip,
    noiseImages: o.noiseImages,
    seed: o.seed,
  };
  const dataset = await loadDataset(name, { trainLimit: options.trainLimit });
  const start = Date.now();
  const model = buildJudgeModel(DEFAULT_JUDGE_MODEL_OPTIONS[name], o.seed);
  const optimizer = tf.train.adam(o.learningRate);
  const interrupts = await watchInterrupts();
  try {
    const trainCount = dataset.train.images.shape[0];
    const stepsPerEpoch = Math.floor(trainCount / o.batchSize);
    let step = 0;
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      let lossSum = 0;
      const random = makeRandom(`judge:${o.seed}:${epoch}`);
      for (const batch of batches(dataset.train, { batchSize: o.batchSize, seed: o.seed * 1000 + epoch })) {
        // A turn of the event loop per batch lets Kernel → Interrupt through (see train/interrupt.ts).
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (interrupts.requested) {
          tf.dispose([batch.images, batch.labels]);
          throw new TrainingInterrupted(`trainJudge: training of the ${name} judge interrupted at epoch ${epoch + 1} of ${o.epochs}: nothing is cached, the next metrics.judge('${name}') trains it from the start`);
        }
        // tfjs's Adam reads its learningRate field on every update (as train/phased.ts uses).
        (optimizer as unknown as { learningRate: number }).learningRate = judgeLearningRate(recipe, step, o.epochs * stepsPerEpoch);
        const loss = optimizer.minimize(() => {
          let images = batch.images; // [B, 28, 28, 1]
          if (o.flip) images = randomFlip(images, random);
          if (o.maxShift > 0 || o.maxRotation > 0 || o.maxScale > 0) images = randomAffine(images, o, random);
          if (o.noiseImages === 0) {
            const logits = model.apply(images, { training: true }) as tf.Tensor2D; // [B, 10]
            return tf.losses.softmaxCrossEntropy(tf.oneHot(batch.labels, 10), logits) as tf.Scalar;
          }
          return noiseAwareLoss(model, images, batch.labels, noiseImages(batch.images, o.noiseImages, random));
        }, true)!;
        lossSum += loss.dataSync()[0];
        tf.dispose([loss, batch.images, batch.labels]);
        step++;
      }
      if (o.verbose) {
        const elapsed = (Date.now() - start) / 1000;
        const eta = (elapsed / (epoch + 1)) * (o.epochs - epoch - 1);
        console.log(
          `genlab judge ${name}: epoch ${epoch + 1}/${o.epochs}, loss ${(lossSum / stepsPerEpoch).toFixed(4)}, ` +
            `${elapsed.toFixed(0)} s elapsed, about ${eta.toFixed(0)} s to go`,
        );
      }
    }
    const evaluation = evaluate(model, dataset.test.images, dataset.test.labels);
    const info: JudgeInfo = {
      name,
      version: JUDGE_VERSIONS[name],
      datasetSha256: judgeDatasetSha256(name),
      testAccuracy: evaluation.accuracy,
      testCount: dataset.test.images.shape[0],
      trainCount,
      training: recipe,
      trainSeconds: (Date.now() - start) / 1000,
      backend: tf.getBackend(),
      classes: dataset.classes,
    };
    if (o.verbose) console.log(`genlab judge ${name}: test accuracy ${(100 * info.testAccuracy).toFixed(2)}% on ${info.testCount} images`);
    return { model, info, reference: evaluation.features };
  } finally {
    interrupts.close();
    optimizer.dispose();
    disposeDataset(dataset);
  }
}

/**
 * The learning rate of training step `step` (0-based) of `totalSteps`:
 *   constant: lr
 *   cosine:   lr_final + (lr - lr_final) * (1 + cos(pi * step / totalSteps)) / 2
 */
export function judgeLearningRate(
  recipe: Pick<JudgeRecipe, 'learningRate' | 'learningRateSchedule' | 'finalLearningRate'>,
  step: number,
  totalSteps: number,
): number {
  if (recipe === null || typeof recipe !== 'object') fail('judgeLearningRate', 'recipe', 'an object { learningRate, learningRateSchedule, finalLearningRate }', recipe);
  const { learningRate, learningRateSchedule, finalLearningRate } = recipe;
  checkNumber('judgeLearningRate', 'recipe.learningRate', learningRate, { above: 0 });
  checkNonNegativeInteger('judgeLearningRate', 'step', step);
  checkPositiveInteger('judgeLearningRate', 'totalSteps', totalSteps);
  if (learningRateSchedule === 'constant') return learningRate;
  checkNumber('judgeLearningRate', 'recipe.finalLearningRate', finalLearningRate, { min: 0 });
  if (learningRateSchedule !== 'cosine') {
    throw new GenlabError(`judgeLearningRate: learningRateSchedule must be 'constant' or 'cosine', got ${JSON.stringify(learningRateSchedule)}`);
  }
  return cosineDecay({ learningRate, finalLearningRate, steps: totalSteps })(step);
}

/** Mirrors each image left-right with probability 1/2 (a fresh draw per image and step). */
export function randomFlip(images: tf.Tensor4D, random: () => number): tf.Tensor4D {
  checkTensor('randomFlip', 'images', images, { rank: 4, layout: '[N, H, W, C]', dtype: 'float32' });
  checkFunction('randomFlip', 'random', random);
  const n = images.shape[0];
  const flip = Uint8Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
  // The condition [n, 1, 1, 1] broadcasts over each image: image i is mirrored where flip[i] = 1.
  return tf.tidy(() => tf.where(tf.tensor4d(flip, [n, 1, 1, 1], 'bool'), tf.reverse(images, 2), images));
}

/** The geometric augmentation of a judge's training images (all 0: none). */
export interface JudgeAugmentation {
  /** Largest shift in whole pixels, dx and dy uniform in [-maxShift, maxShift]. */
  maxShift: number;
  /** Largest rotation in degrees, uniform in [-maxRotation, maxRotation], about the image centre. */
  maxRotation: number;
  /** Largest change of size as a fraction, the scale uniform in [1 - maxScale, 1 + maxScale]. */
  maxScale: number;
}

/**
 * Moves each image by its own random rotation, scale and shift (fresh draws per image and
 * step), filling the uncovered border with 0. With shifts only, whole pixels move exactly.
 * The draws per image: dx, dy, then the angle and the scale when those are enabled.
 */
export function randomAffine(images: tf.Tensor4D, augmentation: JudgeAugmentation, random: () => number): tf.Tensor4D {
  checkTensor('randomAffine', 'images', images, { rank: 4, layout: '[N, H, W, C]', dtype: 'float32' });
  checkFunction('randomAffine', 'random', random);
  if (augmentation === null || typeof augmentation !== 'object') fail('randomAffine', 'augmentation', 'an object { maxShift, maxRotation, maxScale }', augmentation);
  checkOptionValues('randomAffine', augmentation, { maxShift: 'nonNegativeInteger', maxRotation: 'nonNegative', maxScale: 'belowOne' }, 'augmentation.');
  const { maxShift, maxRotation, maxScale } = augmentation;
  const [n, height, width] = images.shape;
  const centreX = (width - 1) / 2;
  const centreY = (height - 1) / 2;
  const transforms = new Float32Array(n * 8);
  const shift = () => Math.floor(random() * (2 * maxShift + 1)) - maxShift;
  const uniform = (limit: number) => (2 * random() - 1) * limit;
  for (let i = 0; i < n; i++) {
    const dx = shift();
    const dy = shift();
    const angle = maxRotation > 0 ? (uniform(maxRotation) * Math.PI) / 180 : 0;
    const scale = maxScale > 0 ? 1 + uniform(maxScale) : 1;
    // tf.image.transform reads output pixel (x, y) from input (a0 x + a1 y + a2, b0 x + b1 y + b2):
    // input = centre + scale * rotation(angle) * (output - centre) + (dx, dy). (A scale
    // above 1 draws the digit smaller, below 1 larger.)
    const a0 = scale * Math.cos(angle);
    const a1 = -scale * Math.sin(angle);
    const b0 = scale * Math.sin(angle);
    const b1 = scale * Math.cos(angle);
    const a2 = centreX - a0 * centreX - a1 * centreY + dx;
    const b2 = centreY - b0 * centreX - b1 * centreY + dy;
    transforms.set([a0, a1, a2, b0, b1, b2, 0, 0], i * 8);
  }
  const interpolation = maxRotation > 0 || maxScale > 0 ? 'bilinear' : 'nearest';
  return tf.tidy(() => tf.image.transform(images, tf.tensor2d(transforms, [n, 8]), interpolation, 'constant', 0));
}

/**
 * `count` images that are no digit or garment, [count, 28, 28, 1] in [0, 1], seeded by `random`:
 * a third uniform noise; a third smooth noise (uniform noise on a coarse grid of side 4 to 8,
 * enlarged bilinearly to 28 x 28 and stretched to [0, 1]: soft blobs, like a GAN's first
 * samples); the rest the first images of `images` with their pixels shuffled (one permutation
 * per call: the same brightness, no shape).
 */
export function noiseImages(images: tf.Tensor4D, count: number, random: () => number): tf.Tensor4D {
  checkTensor('noiseImages', 'images', images, { rank: 4, layout: '[N, H, W, 1]', channels: [1], dtype: 'float32' });
  checkPositiveInteger('noiseImages', 'count', count);
  checkFunction('noiseImages', 'random', random);
  const [n, height, width] = images.shape;
  const uniformCount = Math.ceil(count / 3);
  const smoothCount = Math.ceil((count - uniformCount) / 2);
  if (count - uniformCount - smoothCount > n) {
    throw new GenlabError(`noiseImages: images must hold at least ${count - uniformCount - smoothCount} images to shuffle for count ${count}, got ${n}`);
  }
  const shuffledCount = Math.min(count - uniformCount - smoothCount, n);
  const pixels = height * width;
  const order = Int32Array.from({ length: pixels }, (_, i) => i);
  for (let i = pixels - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const side = 4 + Math.floor(random() * 5);
  const seed = Math.floor(random() * 2 ** 31);
  return tf.tidy(() => {
    const parts = [tf.randomUniform([uniformCount, height, width, 1], 0, 1, 'float32', seed)]; // [U, 28, 28, 1]
    if (smoothCount > 0) {
      const coarse = tf.randomUniform([smoothCount, side, side, 1], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
      const smooth = tf.image.resizeBilinear(coarse, [height, width], true); // [S, 28, 28, 1]
      const low = smooth.min([1, 2, 3], true);
      const high = smooth.max([1, 2, 3], true);
      parts.push(smooth.sub(low).div(high.sub(low).add(1e-6)));
    }
    if (shuffledCount > 0) {
      const flat = images.slice(0, shuffledCount).reshape([shuffledCount, pixels]); // [K, 784]
      parts.push(tf.gather(flat, tf.tensor1d(order, 'int32'), 1).reshape([shuffledCount, height, width, 1]));
    }
    return tf.concat(parts, 0) as tf.Tensor4D;
  });
}

/**
 * The training loss with noise images (CEDA, Hein et al. 2019):
 *   L = CE(onehot(y), f(x)) + CE(uniform, f(noise)),   CE(uniform, l) = logsumexp(l) - mean(l)
 * each a mean over its images: the second term is smallest when the judge gives every class 1/10.
 */
function noiseAwareLoss(model: tf.LayersModel, images: tf.Tensor4D, labels: tf.Tensor1D, noise: tf.Tensor4D): tf.Scalar {
  const batchSize = images.shape[0];
  const noiseCount = noise.shape[0];
  const logits = model.apply(tf.concat([images, noise], 0), { training: true }) as tf.Tensor2D; // [B + K, 10]
  const imageLogits = logits.slice([0, 0], [batchSize, 10]); // [B, 10]
  const noiseLogits = logits.slice([batchSize, 0], [noiseCount, 10]); // [K, 10]
  const imageLoss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 10), imageLogits);
  const noiseLoss = tf.losses.softmaxCrossEntropy(tf.fill([noiseCount, 10], 0.1), noiseLogits);
  return imageLoss.add(noiseLoss) as tf.Scalar;
}

/** Accuracy and feature statistics of `model` on a labelled set, in batches. */
function evaluate(model: tf.LayersModel, images: tf.Tensor4D, labels: tf.Tensor1D): { accuracy: number; features: GaussianStats } {
  const featureModel = tf.model({ inputs: model.inputs, outputs: model.getLayer(FEATURE_LAYER).output as tf.SymbolicTensor });
  const n = images.shape[0];
  const truth = labels.dataSync();
  const dimension = featureModel.outputs[0].shape[1] as number;
  const featureValues = new Float32Array(n * dimension);
  let correct = 0;
  for (let start = 0; start < n; start += INFERENCE_BATCH) {
    const size = Math.min(INFERENCE_BATCH, n - start);
    const [predicted, features] = tf.tidy(() => {
      const x = images.slice(start, size);
      return [(model.predict(x) as tf.Tensor2D).argMax(1), featureModel.predict(x) as tf.Tensor2D];
    });
    const p = predicted.dataSync();
    for (let i = 0; i < size; i++) if (p[i] === truth[start + i]) correct++;
    featureValues.set(features.dataSync(), start * dimension);
    tf.dispose([predicted, features]);
  }
  return { accuracy: correct / n, features: gaussianStats(featureValues, n, dimension) };
}

/** sha256 of the dataset's image file, as its manifest records it: what a judge was trained on. */
export function judgeDatasetSha256(name: JudgeName): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(datasetDir(), 'manifest.json'), 'utf8'));
  return manifest.datasets[name].files.images.sha256;
}

