/**
 * The judge: a small convolutional classifier, one for MNIST and one for Fashion-MNIST, that
 * turns "the samples look good" into numbers (see ./quality.ts). It plays the role the
 * Inception network plays for the Inception Score and FID (Salimans et al. 2016; Heusel et al.
 * 2017), scaled down to 28 x 28 grey images. Its network: ./judge-model.ts; its training:
 * ./judge-training.ts; its cache: ./judge-cache.ts.
 *
 * Trained once, seeded, by `npm run judge:train` or lazily by the first `judge(name)` call, and
 * cached under datasets/judges/<name>/. The cache is keyed by the judge's own version
 * (JUDGE_VERSIONS) and the dataset's checksum: a changed architecture, recipe or dataset retrains
 * that judge only. A cached judge that is damaged (an unreadable or truncated file) is not
 * trusted: `judge(name)` says which folder and why, and trains the judge again, as
 * `npm run judge:train -- <name>` does ahead of time.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'path';
import type { GaussianStats } from './frechet';
import { checkJudgeName, FEATURE_LAYER, INFERENCE_BATCH, type JudgeName } from './judge-model';
import { trainJudge, judgeDatasetSha256, type JudgeInfo, type JudgeTrainingOptions } from './judge-training';
import { judgeDir, loadCachedJudge, saveJudge } from './judge-cache';
import { GenlabError, checkOptionValues, fail, resolveOptions } from '../errors';

export interface JudgeOptions {
  /** Folder of the cache (default $GENLAB_JUDGE_DIR, else datasets/judges/ beside the datasets). */
  dir?: string;
  /** Retrain even when a valid cached judge exists (default false). */
  retrain?: boolean;
  /** How to train when there is no valid cached judge. */
  training?: JudgeTrainingOptions;
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
  /** Classifies images [N, 28, 28, 1] with pixels in [0, 1] (tanh outputs: data.toRange(images, 'symmetric', 'unit') first). */
  classify(images: tf.Tensor): Verdict;
  /** Class probabilities [N, 10] (the caller disposes the tensor). */
  probabilities(images: tf.Tensor): tf.Tensor2D;
  /** The feature layer's outputs [N, 128] (the caller disposes the tensor). */
  features(images: tf.Tensor): tf.Tensor2D;
  /** Frees the model's weights. */
  dispose(): void;
}

/**
 * The judge for `name`: loaded from the cache, or trained (a few minutes on wasm, with a
 * progress line) and cached when there is no valid cached one. A cached judge of another version
 * or dataset, or a damaged one, is trained again, with a line that says which folder and why.
 */
export async function judge(name: JudgeName, options: JudgeOptions = {}): Promise<Judge> {
  checkJudgeName(name, 'judge');
  resolveOptions('judge', {}, options, ['dir', 'retrain', 'training']);
  checkOptionValues('judge', options, { retrain: 'boolean' });
  if (options.dir !== undefined && typeof options.dir !== 'string') fail('judge', 'options.dir', 'a folder path', options.dir);
  const dir = path.join(options.dir ?? judgeDir(), name);
  const sha = judgeDatasetSha256(name);
  const verbose = options.training?.verbose ?? true;
  if (!options.retrain) {
    const cached = await loadCachedJudge(dir, name, sha);
    if (cached.state === 'loaded') return makeJudge(name, cached.info, cached.model, cached.reference);
    // A damaged judge is news even when training is quiet; an out-of-date one is expected after an update.
    if (cached.state === 'corrupt') {
      console.warn(`genlab: the cached ${name} judge in ${dir} is damaged (${cached.reason}); training it again (\`npm run judge:train -- ${name}\` rebuilds it from a terminal)`);
    } else if (cached.state === 'stale' && verbose) {
      console.log(`genlab: the cached ${name} judge in ${dir} is out of date (${cached.reason})`);
    }
  }
  if (verbose) console.log(`genlab: training the ${name} judge once (cached in ${dir}; \`npm run judge:train\` does this ahead of time)`);
  const trained = await trainJudge(name, options.training);
  await saveJudge(dir, trained);
  trained.model.dispose();
  const loaded = await loadCachedJudge(dir, name, sha);
  if (loaded.state !== 'loaded') {
    throw new GenlabError(`judge: the ${name} judge was trained but could not be read back from ${dir} (${loaded.state === 'missing' ? 'no judge.json' : loaded.reason})`);
  }
  return makeJudge(name, loaded.info, loaded.model, loaded.reference);
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
  if (!(images instanceof tf.Tensor)) throw new GenlabError(`${caller}: images must be a tf.Tensor [N, 28, 28, 1], got ${typeof images}`);
  const s = images.shape;
  if (s.length !== 4 || s[1] !== 28 || s[2] !== 28 || s[3] !== 1 || s[0] < 1) {
    throw new GenlabError(`${caller}: images must be [N, 28, 28, 1] with N >= 1, got [${s.join(', ')}]`);
  }
  const [min, max] = tf.tidy(() => [images.min().dataSync()[0], images.max().dataSync()[0]]);
  if (min < -0.01 || max > 1.01 || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw new GenlabError(
      `${caller}: images must have pixels in [0, 1], got values in [${min.toFixed(3)}, ${max.toFixed(3)}]` +
        (min < -0.01 && min >= -1.01 ? " (tanh outputs in [-1, 1]: pass data.toRange(images, 'symmetric', 'unit'))" : ''),
    );
  }
}
