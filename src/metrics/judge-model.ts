/**
 * The judge's network: a small convolutional classifier, the same for MNIST and Fashion-MNIST
 * (LeNet-like, with strided convolutions instead of pooling to keep training on the wasm backend
 * short; DEFAULT_JUDGE_MODEL_OPTIONS):
 *   image [N, 28, 28, 1] -> conv 3x3/2, 32, ReLU [N, 14, 14, 32] -> conv 3x3/2, 64, ReLU
 *   [N, 7, 7, 64] -> flatten [N, 3136] -> dense 128, ReLU = features [N, 128] -> dense 10 = logits
 * The 128 features are the input of the Fréchet distance (./quality.ts). How it is trained:
 * ./judge-training.ts; how it is cached: ./judge-cache.ts; the judge itself: ./judge.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { DatasetName } from '../data/datasets';
import { layerSeed } from '../random';
import { GenlabError } from '../errors';

export type JudgeName = DatasetName;

/**
 * The version of each judge. Bump a judge's number when its architecture or training recipe
 * changes: that judge's cache then retrains, the other judge's cache stays valid.
 * (Fashion 3: the wider network, flips and the cosine decay; version 2 had the 16/32-channel 5x5
 * network, 3 epochs at a constant 1e-3, and reached 88.8%. MNIST 3: the Fashion network, rotations and
 * size changes, noise images and the cosine decay; version 2, 16/32 channels 5x5 for 10 epochs
 * at a constant 1e-3 with shifts only, reached 97.65-97.85%, was sure of 92.7% of real test
 * digits and of 100% of uniform-noise images.)
 */
export const JUDGE_VERSIONS: Readonly<Record<JudgeName, number>> = { mnist: 3, fashion: 3 };

/** One strided convolution of the judge (ReLU, 'same' padding). */
export interface JudgeConvolution {
  /** Output channels. */
  filters: number;
  /** Side of the square kernel. */
  kernelSize: number;
  /** Stride in both directions (2 halves the image side). */
  strides: number;
}

export interface JudgeModelOptions {
  /** The convolutions, input side first. */
  convolutions: JudgeConvolution[];
  /** Units of the dense ReLU layer whose outputs are the judge's features (128 for both). */
  featureUnits: number;
}

export const DEFAULT_JUDGE_MODEL_OPTIONS: Readonly<Record<JudgeName, JudgeModelOptions>> = {
  mnist: {
    convolutions: [
      { filters: 32, kernelSize: 3, strides: 2 },
      { filters: 64, kernelSize: 3, strides: 2 },
    ],
    featureUnits: 128,
  },
  fashion: {
    convolutions: [
      { filters: 32, kernelSize: 3, strides: 2 },
      { filters: 64, kernelSize: 3, strides: 2 },
    ],
    featureUnits: 128,
  },
};

/** The name of the judge's feature layer, whose outputs [N, 128] are the judge's features. */
export const FEATURE_LAYER = 'features';
/** Images per forward pass when the judge scores many images. */
export const INFERENCE_BATCH = 500;

/**
 * The judge network, with seeded initial weights: strided convolutions, then the dense feature
 * layer, then 10 logits. `buildJudgeModel(DEFAULT_JUDGE_MODEL_OPTIONS.fashion)` for the
 * Fashion-MNIST judge.
 */
export function buildJudgeModel(options: JudgeModelOptions = DEFAULT_JUDGE_MODEL_OPTIONS.mnist, seed = 1): tf.Sequential {
  const { convolutions, featureUnits } = options;
  if (!Array.isArray(convolutions) || convolutions.length < 1) {
    throw new GenlabError(`buildJudgeModel: options.convolutions must list at least one convolution, got ${JSON.stringify(convolutions)}`);
  }
  // Seeds seed * 100 + 1, 2, ... in layer order (the MNIST judge's weights depend on them).
  const init = (k: number) => tf.initializers.glorotUniform({ seed: layerSeed(seed, k, 100) });
  const model = tf.sequential({ name: 'judge' });
  convolutions.forEach(({ filters, kernelSize, strides }, i) => {
    // Side 28 -> ceil(28 / strides) per layer ('same' padding): [N, 14, 14, filters] at stride 2.
    model.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [28, 28, 1] } : {}),
        filters,
        kernelSize,
        strides,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(i + 1),
      }),
    );
  });
  model.add(tf.layers.flatten()); // [N, side * side * filters], 7 * 7 * 64 = 3136 for both judges
  model.add(tf.layers.dense({ units: featureUnits, activation: 'relu', kernelInitializer: init(convolutions.length + 1), name: FEATURE_LAYER })); // [N, 128]
  model.add(tf.layers.dense({ units: 10, kernelInitializer: init(convolutions.length + 2), name: 'logits' })); // [N, 10]
  return model;
}

/** The cache folder: $GENLAB_JUDGE_DIR, else <datasets>/judges. */

/** Throws unless `name` is a judge's name. */
export function checkJudgeName(name: unknown, caller: string): asserts name is JudgeName {
  if (name !== 'mnist' && name !== 'fashion') {
    throw new GenlabError(`${caller}: name must be 'mnist' or 'fashion', got ${JSON.stringify(name)}`);
  }
}
