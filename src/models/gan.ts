/**
 * The MLP GAN of Goodfellow et al. (2014), "Generative Adversarial Nets":
 *
 *   min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]      (Eq. 1)
 *
 * G maps noise z ~ N(0, I) to an image in [-1, 1] (tanh output, so real images are scaled to
 * [-1, 1] too); D maps an image to ONE logit, the log-odds that it is real (D(x) = sigmoid(logit)).
 * The losses live in losses/gan.ts and the training loop in train/.
 *
 * Departures from the paper, taken from common practice since then: N(0, I) noise instead of
 * uniform, LeakyReLU(0.2) and Adam(2e-4, beta1 0.5) from Radford et al. (2015, DCGAN §4),
 * batch norm in G's hidden layers and no maxout and (by default) no dropout in D (as in the widely
 * used PyTorch-GAN `gan.py` reference).
 */
import * as tf from '@tensorflow/tfjs';
import { layerSeed, makeRandom, tfSeed } from '../random';
import { checkModel, checkPositiveInteger, checkSeed, GenlabError, resolveOptions } from '../errors';

export interface GanOptions {
  /** Size of the noise vector z (100 in Goodfellow et al., 2014 and Radford et al., 2015). */
  latentSize?: number;
  /** Shape of one image [H, W, C] (default MNIST's [28, 28, 1]). */
  imageShape?: [number, number, number];
  /**
   * Units of G's hidden layers (default [128, 256, 512]: PyTorch-GAN's MLP GAN uses
   * [256, 512, 1024]; half the width trains about 3x faster on 2 CPU cores, and in a
   * 10-minute budget more steps beat more width).
   */
  generatorUnits?: number[];
  /** Units of D's hidden layers (default [256, 128]: half of PyTorch-GAN's [512, 256], as for G). */
  discriminatorUnits?: number[];
  /** Batch norm after every hidden layer of G but the first (default true; Radford et al., 2015 §3). */
  batchNorm?: boolean;
  /**
   * Dropout rate after every hidden layer of D (default 0: none; Goodfellow et al., 2014 train
   * their maxout D with dropout, and PyTorch MNIST GAN tutorials use 0.3). In lesson 02's
   * 10-minute budget 0.3 slowed learning: its EMA samples were 66% recognisable after 6,000
   * steps at learning rate 1e-3, against 72% without (judge version 2, `npm run experiment -- measure-gan`).
   */
  discriminatorDropout?: number;
  /** Negative slope of LeakyReLU in both networks (default 0.2, Radford et al., 2015 §4). */
  leakySlope?: number;
  /** Seed of the weight initialisation (default 0). */
  seed?: number;
}

export const DEFAULT_GAN_OPTIONS: Required<GanOptions> = {
  latentSize: 100,
  imageShape: [28, 28, 1],
  generatorUnits: [128, 256, 512],
  discriminatorUnits: [256, 128],
  batchNorm: true,
  discriminatorDropout: 0,
  leakySlope: 0.2,
  seed: 0,
};

/**
 * Seeds for the layers of one network, layerSeed(seed, k, 1000) for k = 0, 1, … in layer order
 * for the weights, and a separate sequence from k = 500 for dropout masks (so adding dropout
 * leaves the initial weights unchanged).
 */
export class LayerSeeds {
  private next = 0;
  private nextDropout = 500;
  constructor(private readonly seed: number) {
    if (!Number.isInteger(seed)) throw new GenlabError(`options.seed must be an integer, got ${seed}`);
  }
  /** A Glorot-uniform initialiser (Keras's default) with the next seed. */
  glorot(): ReturnType<typeof tf.initializers.glorotUniform> {
    return tf.initializers.glorotUniform({ seed: layerSeed(this.seed, this.next++, 1000) });
  }
  /** The seed of the next dropout layer's masks. */
  dropout(): number {
    return layerSeed(this.seed, this.nextDropout++, 1000);
  }
}

/**
 * Hidden layers of an MLP: Dense -> [BatchNorm] -> LeakyReLU -> [Dropout] for each entry of
 * `units`; batch norm on every layer but the first when `batchNorm` is set, dropout when
 * `dropout` > 0 (active in training only).
 */
export function mlpHidden(
  x: tf.SymbolicTensor,
  units: number[],
  options: { batchNorm: boolean; leakySlope: number; seeds: LayerSeeds; prefix: string; dropout?: number },
): tf.SymbolicTensor {
  let h = x;
  units.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 1) throw new GenlabError(`${options.prefix}: hidden units must be positive integers, got ${JSON.stringify(units)}`);
    h = tf.layers.dense({ units: n, kernelInitializer: options.seeds.glorot(), name: `${options.prefix}_dense${i + 1}` }).apply(h) as tf.SymbolicTensor;
    if (options.batchNorm && i > 0) {
      h = tf.layers.batchNormalization({ momentum: 0.8, name: `${options.prefix}_bn${i + 1}` }).apply(h) as tf.SymbolicTensor;
    }
    h = tf.layers.leakyReLU({ alpha: options.leakySlope, name: `${options.prefix}_lrelu${i + 1}` }).apply(h) as tf.SymbolicTensor;
    if (options.dropout) {
      h = tf.layers.dropout({ rate: options.dropout, seed: options.seeds.dropout(), name: `${options.prefix}_dropout${i + 1}` }).apply(h) as tf.SymbolicTensor;
    }
  });
  return h;
}

/** Checks and completes GAN options. */
export function ganOptions(options: GanOptions, caller: string): Required<GanOptions> {
  const o = resolveOptions(caller, DEFAULT_GAN_OPTIONS, options);
  if (!Number.isInteger(o.latentSize) || o.latentSize < 1) throw new GenlabError(`${caller}: options.latentSize must be a positive integer, got ${o.latentSize}`);
  if (!Array.isArray(o.imageShape) || o.imageShape.length !== 3 || !o.imageShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new GenlabError(`${caller}: options.imageShape must be [H, W, C] of positive integers, got ${JSON.stringify(o.imageShape)}`);
  }
  if (!(o.discriminatorDropout >= 0 && o.discriminatorDropout < 1)) {
    throw new GenlabError(`${caller}: options.discriminatorDropout must be in [0, 1), got ${o.discriminatorDropout}`);
  }
  return o;
}

/** G: z [B, latentSize] -> image [B, H, W, C] in [-1, 1]. */
export function buildGanGenerator(options: GanOptions = {}): tf.LayersModel {
  const o = ganOptions(options, 'buildGanGenerator');
  const seeds = new LayerSeeds(o.seed);
  const pixels = o.imageShape[0] * o.imageShape[1] * o.imageShape[2];
  const z = tf.input({ shape: [o.latentSize], name: 'z' }); //                         [B, latent]
  const h = mlpHidden(z, o.generatorUnits, { batchNorm: o.batchNorm, leakySlope: o.leakySlope, seeds, prefix: 'g' }); // [B, 512]
  const flat = tf.layers.dense({ units: pixels, activation: 'tanh', kernelInitializer: seeds.glorot(), name: 'g_out' }).apply(h); // [B, H*W*C]
  const image = tf.layers.reshape({ targetShape: o.imageShape, name: 'g_image' }).apply(flat) as tf.SymbolicTensor; // [B, H, W, C]
  return tf.model({ inputs: z, outputs: image, name: 'generator' });
}

/** D: image [B, H, W, C] -> one logit [B, 1] (no sigmoid: the losses take logits). */
export function buildGanDiscriminator(options: GanOptions = {}): tf.LayersModel {
  const o = ganOptions(options, 'buildGanDiscriminator');
  const seeds = new LayerSeeds(o.seed + 1);
  const image = tf.input({ shape: o.imageShape, name: 'image' }); //                   [B, H, W, C]
  const flat = tf.layers.flatten({ name: 'd_flatten' }).apply(image) as tf.SymbolicTensor; // [B, H*W*C]
  const h = mlpHidden(flat, o.discriminatorUnits, { batchNorm: false, leakySlope: o.leakySlope, seeds, prefix: 'd', dropout: o.discriminatorDropout }); // [B, 128]
  const logit = tf.layers.dense({ units: 1, kernelInitializer: seeds.glorot(), name: 'd_logit' }).apply(h) as tf.SymbolicTensor; // [B, 1]
  return tf.model({ inputs: image, outputs: logit, name: 'discriminator' });
}

/** How z is drawn for sampling (not for training: G always trains on z ~ N(0, I)). */
export interface LatentOptions {
  /**
   * The truncation trick's threshold psi (Brock et al. 2019, BigGAN §3.1; Marchesi 2017): every
   * component z_i with |z_i| > psi is drawn again from N(0, 1) until it lies within psi, so z
   * follows N(0, I) truncated to the cube |z_i| <= psi. Smaller psi: samples nearer the
   * centre of G's input space, more typical and less varied. Default Infinity: no truncation.
   */
  truncation?: number;
}

export const DEFAULT_LATENT_OPTIONS: Required<LatentOptions> = { truncation: Infinity };

/**
 * Seeded noise z ~ N(0, I): [count, latentSize]; with `options.truncation` = psi, z ~ N(0, I)
 * truncated to |z_i| <= psi. Truncation keeps every component of the untruncated draw that
 * already lies within psi and redraws only the others, so the same seed gives the same z pulled
 * towards 0.
 */
export function sampleLatent(count: number, latentSize: number, seed = 0, options: LatentOptions = {}): tf.Tensor2D {
  if (!Number.isInteger(count) || count < 1) throw new GenlabError(`sampleLatent: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(latentSize) || latentSize < 1) throw new GenlabError(`sampleLatent: latentSize must be a positive integer, got ${latentSize}`);
  checkSeed('sampleLatent', 'seed', seed);
  const { truncation } = resolveOptions('sampleLatent', DEFAULT_LATENT_OPTIONS, options);
  if (typeof truncation !== 'number' || !(truncation > 0)) {
    throw new GenlabError(`sampleLatent: options.truncation must be a positive threshold psi for |z_i| (or Infinity for none), got ${truncation}`);
  }
  const z = tf.randomNormal([count, latentSize], 0, 1, 'float32', tfSeed(seed)) as tf.Tensor2D; // [count, latent]
  if (truncation === Infinity) return z;
  const values = z.dataSync() as Float32Array;
  z.dispose();
  // Redraws from their own seeded stream (Box-Muller on seedrandom's uniforms); a redraw is kept
  // with probability P(|z_i| <= psi), 0.68 at psi = 1 and 0.38 at psi = 0.5.
  const uniform = makeRandom(`${seed}/truncation`);
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const truncated = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let value = values[i];
    while (Math.abs(value) > truncation) value = normal();
    truncated[i] = value;
  }
  return tf.tensor2d(truncated, [count, latentSize]);
}

/**
 * `count` images from a generator whose single input is z: [count, H, W, C] in the generator's
 * range ([-1, 1] for tanh). Inference mode (batch norm uses its running statistics).
 * `options.truncation`: draw z with the truncation trick (see LatentOptions).
 */
export function generateImages(generator: tf.LayersModel, count: number, seed = 0, options: LatentOptions = {}): tf.Tensor {
  checkModel('generateImages', 'generator', generator);
  if (generator.inputs.length !== 1) throw new GenlabError(`generateImages: generator must take z alone (one input), got ${generator.inputs.length} inputs (for a conditional generator use models.generateConditional)`);
  checkPositiveInteger('generateImages', 'count', count);
  checkSeed('generateImages', 'seed', seed);
  resolveOptions('generateImages', DEFAULT_LATENT_OPTIONS, options);
  const latentSize = generator.inputs[0].shape[1] as number;
  return tf.tidy(() => generator.predict(sampleLatent(count, latentSize, seed, options)) as tf.Tensor);
}
