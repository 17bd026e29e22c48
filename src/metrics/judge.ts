/**
 * The judge: a small convolutional classifier, one for MNIST and one for Fashion-MNIST, that
 * turns "the samples look good" into numbers (see ./quality.ts). It plays the role the
 * Inception network plays for the Inception Score and FID (Salimans et al. 2016; Heusel et al.
 * 2017), scaled down to 28 x 28 grey images.
 *
 * Architecture (LeNet-like, with strided convolutions instead of pooling to keep training on
 * the wasm backend short):
 *   image [N, 28, 28, 1] -> conv 5x5/2, 16, ReLU [N, 14, 14, 16] -> conv 5x5/2, 32, ReLU
 *   [N, 7, 7, 32] -> flatten [N, 1568] -> dense 128, ReLU = features [N, 128] -> dense 10 = logits.
 *
 * Trained once, seeded, by `npm run judge:train` or lazily by the first `judge(name)` call, and
 * cached under datasets/judges/<name>/ (model, weights, test accuracy and the feature statistics
 * of the real test split). The cache is keyed by JUDGE_VERSION and the dataset's checksum: a
 * changed architecture or dataset retrains. Writes are atomic (temporary folder, then rename).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadDataset, datasetDir, disposeDataset, type DatasetName } from '../data/datasets';
import { batches } from '../data/batches';
import { gaussianStats, type GaussianStats } from './frechet';

/** Bump when the architecture or the training recipe changes: cached judges then retrain. */
export const JUDGE_VERSION = 1;

export type JudgeName = DatasetName;

export interface JudgeTrainingOptions {
  /** Passes over the training split (default: 8 for MNIST's 8,000 images, 3 for Fashion's 60,000). */
  epochs?: number;
  /** Images per step (default 64). */
  batchSize?: number;
  /** Adam learning rate (default 1e-3, Kingma & Ba 2015). */
  learningRate?: number;
  /** Seed of the weight initialisation and batch order (default 1). */
  seed?: number;
  /** Train on at most this many training images (default all; for tests). */
  trainLimit?: number;
  /** Print a progress line per epoch (default true). */
  verbose?: boolean;
}

export const DEFAULT_JUDGE_TRAINING_OPTIONS: Record<JudgeName, Required<Omit<JudgeTrainingOptions, 'trainLimit'>>> = {
  mnist: { epochs: 8, batchSize: 64, learningRate: 1e-3, seed: 1, verbose: true },
  fashion: { epochs: 3, batchSize: 64, learningRate: 1e-3, seed: 1, verbose: true },
};

export interface JudgeOptions {
  /** Folder of the cache (default $GENLAB_JUDGE_DIR, else datasets/judges/ beside the datasets). */
  dir?: string;
  /** Retrain even when a valid cached judge exists (default false). */
  retrain?: boolean;
  /** How to train when there is no valid cached judge. */
  training?: JudgeTrainingOptions;
}

/** What the cache stores beside the model. */
export interface JudgeInfo {
  name: JudgeName;
  version: number;
  /** sha256 of the dataset's image file the judge was trained on. */
  datasetSha256: string;
  /** Accuracy on the dataset's full test split (2,000 MNIST / 10,000 Fashion-MNIST images). */
  testAccuracy: number;
  testCount: number;
  trainCount: number;
  training: Required<Omit<JudgeTrainingOptions, 'trainLimit' | 'verbose'>>;
  trainSeconds: number;
  backend: string;
  classes: string[];
}

/** The judge's verdict on a batch of images, as plain arrays. */
export interface Verdict {
  /** The most probable class of each image. */
  labels: number[];
  /** The probability the judge gives that class (softmax), in [0, 1]. */
  confidences: number[];
}

/** A trained classifier with the methods the quality measures need. */
export interface Judge {
  readonly name: JudgeName;
  readonly info: JudgeInfo;
  readonly classes: string[];
  /** The classifier: [N, 28, 28, 1] images in [0, 1] -> [N, 10] logits. */
  readonly model: tf.LayersModel;
  /** Feature statistics of the real test split, the reference of the Fréchet distance. */
  readonly reference: GaussianStats;
  /** Classifies images [N, 28, 28, 1] with pixels in [0, 1] (tanh outputs: data.toUnit first). */
  classify(images: tf.Tensor): Verdict;
  /** Class probabilities [N, 10] (the caller disposes the tensor). */
  probabilities(images: tf.Tensor): tf.Tensor2D;
  /** Penultimate-layer features [N, 128] (the caller disposes the tensor). */
  features(images: tf.Tensor): tf.Tensor2D;
  /** Frees the model's weights. */
  dispose(): void;
}

const FEATURE_LAYER = 'features';
const INFERENCE_BATCH = 500;

/** The judge network, with seeded initial weights. */
export function buildJudgeModel(seed = 1): tf.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 100 + k });
  const model = tf.sequential({ name: 'judge' });
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1) })); // [N, 14, 14, 16]
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(2) })); // [N, 7, 7, 32]
  model.add(tf.layers.flatten()); // [N, 1568]
  model.add(tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(3), name: FEATURE_LAYER })); // [N, 128]
  model.add(tf.layers.dense({ units: 10, kernelInitializer: init(4), name: 'logits' })); // [N, 10]
  return model;
}

/** The cache folder: $GENLAB_JUDGE_DIR, else <datasets>/judges. */
export function judgeDir(): string {
  return process.env.GENLAB_JUDGE_DIR ? path.resolve(process.env.GENLAB_JUDGE_DIR) : path.join(datasetDir(), 'judges');
}

function checkName(name: unknown, caller: string): asserts name is JudgeName {
  if (name !== 'mnist' && name !== 'fashion') {
    throw new Error(`${caller}: name must be 'mnist' or 'fashion', got ${JSON.stringify(name)}`);
  }
}

/**
 * The judge for `name`: loaded from the cache, or trained (a few minutes on wasm, with a
 * progress line) and cached when there is no valid cached one.
 */
export async function judge(name: JudgeName, options: JudgeOptions = {}): Promise<Judge> {
  checkName(name, 'judge');
  const dir = path.join(options.dir ?? judgeDir(), name);
  const sha = datasetSha256(name);
  if (!options.retrain) {
    const cached = await tryLoad(dir, name, sha);
    if (cached) return cached;
  }
  const verbose = options.training?.verbose ?? true;
  if (verbose) console.log(`genlab: training the ${name} judge once (cached in ${dir}; \`npm run judge:train\` does this ahead of time)`);
  const trained = await trainJudge(name, options.training);
  await saveJudge(dir, trained);
  disposeTrained(trained);
  const loaded = await tryLoad(dir, name, sha);
  if (!loaded) throw new Error(`judge: the ${name} judge was trained but could not be read back from ${dir}`);
  return loaded;
}

interface Trained {
  model: tf.Sequential;
  info: JudgeInfo;
  reference: GaussianStats;
}

function disposeTrained(trained: Trained): void {
  trained.model.dispose();
}

/** Trains a judge from scratch (no cache involved). */
export async function trainJudge(name: JudgeName, options: JudgeTrainingOptions = {}): Promise<Trained> {
  checkName(name, 'trainJudge');
  const o = { ...DEFAULT_JUDGE_TRAINING_OPTIONS[name], ...options };
  const dataset = await loadDataset(name, { trainLimit: options.trainLimit });
  const start = Date.now();
  const model = buildJudgeModel(o.seed);
  const optimizer = tf.train.adam(o.learningRate);
  try {
    const trainCount = dataset.train.images.shape[0];
    const stepsPerEpoch = Math.floor(trainCount / o.batchSize);
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      let lossSum = 0;
      for (const batch of batches(dataset.train, { batchSize: o.batchSize, seed: o.seed * 1000 + epoch })) {
        const loss = optimizer.minimize(() => {
          const logits = model.apply(batch.images) as tf.Tensor2D;
          return tf.losses.softmaxCrossEntropy(tf.oneHot(batch.labels, 10), logits) as tf.Scalar;
        }, true)!;
        lossSum += loss.dataSync()[0];
        tf.dispose([loss, batch.images, batch.labels]);
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
      version: JUDGE_VERSION,
      datasetSha256: datasetSha256(name),
      testAccuracy: evaluation.accuracy,
      testCount: dataset.test.images.shape[0],
      trainCount,
      training: { epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, seed: o.seed },
      trainSeconds: (Date.now() - start) / 1000,
      backend: tf.getBackend(),
      classes: dataset.classes,
    };
    if (o.verbose) console.log(`genlab judge ${name}: test accuracy ${(100 * info.testAccuracy).toFixed(2)}% on ${info.testCount} images`);
    return { model, info, reference: evaluation.features };
  } finally {
    optimizer.dispose();
    disposeDataset(dataset);
  }
}

/** Accuracy and feature statistics of `model` on a labelled set, in batches. */
function evaluate(model: tf.LayersModel, images: tf.Tensor4D, labels: tf.Tensor1D): { accuracy: number; features: GaussianStats } {
  const featureModel = tf.model({ inputs: model.inputs, outputs: model.getLayer(FEATURE_LAYER).output as tf.SymbolicTensor });
  const n = images.shape[0];
  const truth = labels.dataSync();
  const featureValues = new Float32Array(n * 128);
  let correct = 0;
  for (let start = 0; start < n; start += INFERENCE_BATCH) {
    const size = Math.min(INFERENCE_BATCH, n - start);
    const [predicted, features] = tf.tidy(() => {
      const x = images.slice(start, size);
      return [(model.predict(x) as tf.Tensor2D).argMax(1), featureModel.predict(x) as tf.Tensor2D];
    });
    const p = predicted.dataSync();
    for (let i = 0; i < size; i++) if (p[i] === truth[start + i]) correct++;
    featureValues.set(features.dataSync(), start * 128);
    tf.dispose([predicted, features]);
  }
  return { accuracy: correct / n, features: gaussianStats(featureValues, n, 128) };
}

function datasetSha256(name: JudgeName): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(datasetDir(), 'manifest.json'), 'utf8'));
  return manifest.datasets[name].files.images.sha256;
}

/**
 * Writes model.json, weights.bin, reference.bin (float64: mean then covariance) and judge.json
 * into a temporary folder beside `dir`, then renames it into place: a reader sees the old judge
 * or the new one, never half of one.
 */
async function saveJudge(dir: string, trained: Trained): Promise<void> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(tmp);
  try {
    await trained.model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightData = artifacts.weightData!;
        const bytes = Array.isArray(weightData) ? tf.io.concatenateArrayBuffers(weightData) : weightData;
        fs.writeFileSync(path.join(tmp, 'weights.bin'), Buffer.from(bytes));
        const modelJson = {
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        };
        fs.writeFileSync(path.join(tmp, 'model.json'), JSON.stringify(modelJson));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const { mean, covariance } = trained.reference;
    const reference = new Float64Array(mean.length + covariance.length);
    reference.set(mean, 0);
    reference.set(covariance, mean.length);
    fs.writeFileSync(path.join(tmp, 'reference.bin'), Buffer.from(reference.buffer));
    const info = { ...trained.info, referenceCount: trained.reference.count, referenceDimension: trained.reference.dimension };
    fs.writeFileSync(path.join(tmp, 'judge.json'), JSON.stringify(info, null, 2) + '\n');
    // Replace the previous judge: move it aside, move the new one in, then delete the old one.
    const old = `${dir}.old-${process.pid}-${Date.now()}`;
    if (fs.existsSync(dir)) fs.renameSync(dir, old);
    fs.renameSync(tmp, dir);
    fs.rmSync(old, { recursive: true, force: true });
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Loads a cached judge, or returns undefined when it is missing, stale or unreadable. */
async function tryLoad(dir: string, name: JudgeName, sha: string): Promise<Judge | undefined> {
  let info: JudgeInfo & { referenceCount: number; referenceDimension: number };
  try {
    info = JSON.parse(fs.readFileSync(path.join(dir, 'judge.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (info.version !== JUDGE_VERSION || info.name !== name || info.datasetSha256 !== sha) return undefined;
  try {
    const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const weights = fs.readFileSync(path.join(dir, 'weights.bin'));
    const referenceBytes = fs.readFileSync(path.join(dir, 'reference.bin'));
    const d = info.referenceDimension;
    if (referenceBytes.length !== 8 * (d + d * d)) return undefined;
    const referenceValues = new Float64Array(referenceBytes.buffer.slice(referenceBytes.byteOffset, referenceBytes.byteOffset + referenceBytes.length));
    const reference: GaussianStats = {
      dimension: d,
      count: info.referenceCount,
      mean: referenceValues.slice(0, d),
      covariance: referenceValues.slice(d),
    };
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
      }),
    );
    return makeJudge(name, info, model, reference);
  } catch {
    return undefined;
  }
}

function makeJudge(name: JudgeName, info: JudgeInfo, model: tf.LayersModel, reference: GaussianStats): Judge {
  const featureModel = tf.model({ inputs: model.inputs, outputs: model.getLayer(FEATURE_LAYER).output as tf.SymbolicTensor });
  const inBatches = <T extends tf.Tensor>(images: tf.Tensor, caller: string, fn: (x: tf.Tensor4D) => T): T => {
    checkImages(images, `${name} judge.${caller}`);
    const n = images.shape[0];
    if (n <= INFERENCE_BATCH) return tf.tidy(() => fn(images as tf.Tensor4D));
    return tf.tidy(() => {
      const parts: T[] = [];
      for (let start = 0; start < n; start += INFERENCE_BATCH) {
        parts.push(fn(images.slice(start, Math.min(INFERENCE_BATCH, n - start)) as tf.Tensor4D));
      }
      return tf.concat(parts, 0) as T;
    });
  };
  return {
    name,
    info,
    classes: info.classes,
    model,
    reference,
    probabilities: (images) => inBatches(images, 'probabilities', (x) => tf.softmax(model.predict(x) as tf.Tensor2D)),
    features: (images) => inBatches(images, 'features', (x) => featureModel.predict(x) as tf.Tensor2D),
    classify(images) {
      const probabilities = inBatches(images, 'classify', (x) => tf.softmax(model.predict(x) as tf.Tensor2D));
      const labels = probabilities.argMax(1);
      const confidences = probabilities.max(1);
      const verdict: Verdict = { labels: Array.from(labels.dataSync()), confidences: Array.from(confidences.dataSync()) };
      tf.dispose([probabilities, labels, confidences]);
      return verdict;
    },
    dispose: () => model.dispose(),
  };
}

/** Throws unless `images` is [N, 28, 28, 1] with values in [0, 1] (a little slack for rounding). */
export function checkImages(images: tf.Tensor, caller: string): void {
  if (!(images instanceof tf.Tensor)) throw new Error(`${caller}: images must be a tf.Tensor [N, 28, 28, 1], got ${typeof images}`);
  const s = images.shape;
  if (s.length !== 4 || s[1] !== 28 || s[2] !== 28 || s[3] !== 1 || s[0] < 1) {
    throw new Error(`${caller}: images must be [N, 28, 28, 1] with N >= 1, got [${s.join(', ')}]`);
  }
  const [min, max] = tf.tidy(() => [images.min().dataSync()[0], images.max().dataSync()[0]]);
  if (min < -0.01 || max > 1.01 || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw new Error(
      `${caller}: images must have pixels in [0, 1], got values in [${min.toFixed(3)}, ${max.toFixed(3)}]` +
        (min < -0.01 && min >= -1.01 ? ' (tanh outputs in [-1, 1]: pass data.toUnit(images))' : ''),
    );
  }
}
