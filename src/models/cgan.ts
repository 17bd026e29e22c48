/**
 * Conditional GAN (Mirza & Osindero, 2014, "Conditional Generative Adversarial Nets"):
 * both networks see the label y.
 *
 *   min_G max_D V(D, G) = E_{x,y}[log D(x | y)] + E_{z,y}[log(1 - D(G(z | y) | y))]   (Eq. 2)
 *
 * G: [z, onehot(y)] concatenated -> MLP -> image in [-1, 1].
 * D: [flatten(image), onehot(y)] concatenated -> MLP -> one logit.
 * With `labelEmbedding` > 0 the one-hot first goes through a learned Dense layer (an embedding
 * table, as in PyTorch-GAN's `cgan.py`). The hidden layers are those of the MLP GAN.
 *
 * Common misconception: concatenating a 784-value label map to the image as extra *channels*
 * ("3 + 784 channels"), as some tutorials do, does not condition anything sensible; the label
 * goes next to z in G and next to the image features in D.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_GAN_OPTIONS, DEFAULT_LATENT_OPTIONS, ganOptions, mlpHidden, sampleLatent, LayerSeeds, type GanOptions, type LatentOptions } from './gan';
import { checkLabels, checkModel, checkPositiveInteger, checkSeed, GenlabError, resolveOptions } from '../errors';

export interface CganOptions extends GanOptions {
  /** Number of classes of the label y (default 10). */
  numClasses?: number;
  /** 0 (default): feed the one-hot label; n > 0: a learned n-dimensional embedding of it. */
  labelEmbedding?: number;
}

export const DEFAULT_CGAN_OPTIONS: Required<CganOptions> = {
  ...DEFAULT_GAN_OPTIONS,
  // D judges "is this a real 7", not just "is this a digit": a little wider than the GAN's
  // [256, 128] (PyTorch-GAN's cgan.py uses 512 x 3; this is sized for 2 CPU cores).
  discriminatorUnits: [256, 256],
  numClasses: 10,
  labelEmbedding: 0,
};

function cganOptions(options: CganOptions, caller: string): Required<CganOptions> {
  const o = resolveOptions(caller, DEFAULT_CGAN_OPTIONS, options);
  const { numClasses: _numClasses, labelEmbedding: _labelEmbedding, ...shared } = o;
  ganOptions(shared, caller); // checks the options shared with the MLP GAN
  if (!Number.isInteger(o.numClasses) || o.numClasses < 2) throw new GenlabError(`${caller}: options.numClasses must be an integer >= 2, got ${o.numClasses}`);
  if (!Number.isInteger(o.labelEmbedding) || o.labelEmbedding < 0) {
    throw new GenlabError(`${caller}: options.labelEmbedding must be 0 (one-hot) or a positive integer, got ${o.labelEmbedding}`);
  }
  return o;
}

function labelFeatures(label: tf.SymbolicTensor, o: Required<CganOptions>, seeds: LayerSeeds, prefix: string): tf.SymbolicTensor {
  if (o.labelEmbedding === 0) return label; //                                           [B, numClasses]
  return tf.layers
    .dense({ units: o.labelEmbedding, useBias: false, kernelInitializer: seeds.glorot(), name: `${prefix}_label_embedding` })
    .apply(label) as tf.SymbolicTensor; //                                                  [B, labelEmbedding]
}

/** G: [z [B, latentSize], label one-hot [B, numClasses]] -> image [B, H, W, C] in [-1, 1]. */
export function buildCganGenerator(options: CganOptions = {}): tf.LayersModel {
  const o = cganOptions(options, 'buildCganGenerator');
  const seeds = new LayerSeeds(o.seed);
  const pixels = o.imageShape[0] * o.imageShape[1] * o.imageShape[2];
  const z = tf.input({ shape: [o.latentSize], name: 'z' }); //                            [B, latent]
  const label = tf.input({ shape: [o.numClasses], name: 'label' }); //                    [B, numClasses]
  const joined = tf.layers.concatenate({ name: 'g_concat' }).apply([z, labelFeatures(label, o, seeds, 'g')]) as tf.SymbolicTensor; // [B, latent + label]
  const h = mlpHidden(joined, o.generatorUnits, { batchNorm: o.batchNorm, leakySlope: o.leakySlope, seeds, prefix: 'g' });
  const flat = tf.layers.dense({ units: pixels, activation: 'tanh', kernelInitializer: seeds.glorot(), name: 'g_out' }).apply(h);
  const image = tf.layers.reshape({ targetShape: o.imageShape, name: 'g_image' }).apply(flat) as tf.SymbolicTensor; // [B, H, W, C]
  return tf.model({ inputs: [z, label], outputs: image, name: 'cgan_generator' });
}

/** D: [image [B, H, W, C], label one-hot [B, numClasses]] -> one logit [B, 1]. */
export function buildCganDiscriminator(options: CganOptions = {}): tf.LayersModel {
  const o = cganOptions(options, 'buildCganDiscriminator');
  const seeds = new LayerSeeds(o.seed + 1);
  const image = tf.input({ shape: o.imageShape, name: 'image' }); //                      [B, H, W, C]
  const label = tf.input({ shape: [o.numClasses], name: 'label' }); //                    [B, numClasses]
  const flat = tf.layers.flatten({ name: 'd_flatten' }).apply(image) as tf.SymbolicTensor; // [B, H*W*C]
  const joined = tf.layers.concatenate({ name: 'd_concat' }).apply([flat, labelFeatures(label, o, seeds, 'd')]) as tf.SymbolicTensor;
  const h = mlpHidden(joined, o.discriminatorUnits, { batchNorm: false, leakySlope: o.leakySlope, seeds, prefix: 'd', dropout: o.discriminatorDropout });
  const logit = tf.layers.dense({ units: 1, kernelInitializer: seeds.glorot(), name: 'd_logit' }).apply(h) as tf.SymbolicTensor; // [B, 1]
  return tf.model({ inputs: [image, label], outputs: logit, name: 'cgan_discriminator' });
}

/** One-hot labels: int [B] -> float32 [B, numClasses]. */
export function oneHotLabels(labels: tf.Tensor | ArrayLike<number>, numClasses: number): tf.Tensor2D {
  checkPositiveInteger('oneHotLabels', 'numClasses', numClasses);
  checkLabels('oneHotLabels', 'labels', labels, numClasses);
  return tf.tidy(() => {
    const ids = labels instanceof tf.Tensor ? labels.cast('int32') : tf.tensor1d(Array.from(labels), 'int32');
    if (ids.rank !== 1) throw new GenlabError(`oneHotLabels: labels must be [B], got [${ids.shape.join(', ')}]`);
    return tf.oneHot(ids as tf.Tensor1D, numClasses).cast('float32') as tf.Tensor2D;
  });
}

/**
 * Images of the given labels from a conditional generator: [labels.length, H, W, C].
 * The same seed gives the same z for every call, so two calls with different labels show the
 * same "style" with a different class. `options.truncation`: draw z with the truncation trick
 * (see LatentOptions in ./gan.ts).
 */
export function generateConditional(generator: tf.LayersModel, labels: ArrayLike<number> | tf.Tensor1D, seed = 0, options: LatentOptions = {}): tf.Tensor {
  checkModel('generateConditional', 'generator', generator);
  if (generator.inputs.length !== 2) throw new GenlabError(`generateConditional: generator must take [z, label] (two inputs), got ${generator.inputs.length} input(s)`);
  const latentSize = generator.inputs[0].shape[1] as number;
  const numClasses = generator.inputs[1].shape[1] as number;
  checkLabels('generateConditional', 'labels', labels, numClasses);
  checkSeed('generateConditional', 'seed', seed);
  resolveOptions('generateConditional', DEFAULT_LATENT_OPTIONS, options);
  return tf.tidy(() => {
    const y = oneHotLabels(labels, numClasses);
    return generator.predict([sampleLatent(y.shape[0], latentSize, seed, options), y]) as tf.Tensor;
  });
}
