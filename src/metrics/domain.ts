/**
 * A small domain classifier for unpaired translation: trained on real images of domain A
 * (label 0) and domain B (label 1), it tells which domain a translated image looks like. A
 * CycleGAN has done the "style" half of its job when the classifier calls G(a) "B" and F(b)
 * "A"; the judge (judge.ts) checks the "content" half.
 *
 * Architecture: conv 3x3 (8) stride 2, ReLU, conv 3x3 (16) stride 2, ReLU, global average
 * pooling, dense 1 (logit). Seeded initialisers and batch order: the same inputs give the same
 * classifier.
 */
import * as tf from '@tensorflow/tfjs';
import { layerSeed, permutation } from '../random';
import { GenlabError, checkOptionValues, checkTensor, resolveOptions } from '../errors';

export interface DomainClassifierOptions {
  /** Passes over the training images (default 6). */
  epochs?: number;
  /** Images per batch (default 64). */
  batchSize?: number;
  /** Seed of the weights and the batch order (default 0). */
  seed?: number;
}

export const DEFAULT_DOMAIN_CLASSIFIER_OPTIONS = { epochs: 6, batchSize: 64, seed: 0 };

export interface DomainClassifier {
  /** Probability that each image belongs to domain B: plain numbers, one per image. */
  probabilityB(images: tf.Tensor4D): number[];
  /** Share of `images` called domain B (probability > 0.5). */
  shareB(images: tf.Tensor4D): number;
  model: tf.LayersModel;
  dispose(): void;
}

/** Trains the classifier on real images a [N_A, H, W, C] (domain A) and b [N_B, H, W, C] (domain B). */
export async function trainDomainClassifier(a: tf.Tensor4D, b: tf.Tensor4D, options: DomainClassifierOptions = {}): Promise<DomainClassifier> {
  const { epochs, batchSize, seed } = resolveOptions('trainDomainClassifier', DEFAULT_DOMAIN_CLASSIFIER_OPTIONS, options);
  checkTensor('trainDomainClassifier', 'a', a, { rank: 4, layout: '[N, H, W, C]', dtype: 'float32' });
  checkTensor('trainDomainClassifier', 'b', b, { rank: 4, layout: '[N, H, W, C]', dtype: 'float32' });
  checkOptionValues('trainDomainClassifier', { epochs, batchSize, seed }, { epochs: 'positiveInteger', batchSize: 'positiveInteger', seed: 'finite' });
  if (a.rank !== 4 || b.rank !== 4 || !tf.util.arraysEqual(a.shape.slice(1), b.shape.slice(1))) {
    throw new GenlabError(`trainDomainClassifier: a and b must be [N, H, W, C] images of one size, got [${a.shape}] and [${b.shape}]`);
  }
  const [, h, w, c] = a.shape;
  const init = (k: number) => tf.initializers.glorotUniform({ seed: layerSeed(seed, k) });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [h, w, c], filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 1, kernelInitializer: init(3) }),
    ],
  });
  const n = a.shape[0] + b.shape[0];
  const order = tf.tensor1d(permutation(n, `domain:${seed}`), 'int32');
  const x = tf.tidy(() => tf.gather(tf.concat([a, b]), order));
  const y = tf.tidy(() => tf.gather(tf.concat([tf.zeros([a.shape[0], 1]), tf.ones([b.shape[0], 1])]), order));
  const optimizer = tf.train.adam(1e-2);
  model.compile({ optimizer, loss: (yTrue: tf.Tensor, logits: tf.Tensor) => tf.losses.sigmoidCrossEntropy(yTrue, logits) });
  await model.fit(x, y, { epochs, batchSize, shuffle: false, verbose: 0 });
  tf.dispose([order, x, y]);
  const probabilityB = (images: tf.Tensor4D) => Array.from(tf.tidy(() => tf.sigmoid(model.predict(images, { batchSize: 256 }) as tf.Tensor).dataSync()));
  return {
    model,
    probabilityB,
    shareB: (images) => {
      const p = probabilityB(images);
      return p.filter((v) => v > 0.5).length / p.length;
    },
    dispose: () => {
      model.dispose();
      optimizer.dispose();
    },
  };
}
