/**
 * DCGAN (Radford, Metz & Chintala 2015, "Unsupervised Representation Learning with Deep
 * Convolutional Generative Adversarial Networks"), sized for 28 x 28 single-channel images.
 *
 * The objective is the GAN's, min_G max_D E[log D(x)] + E[log(1 - D(G(z)))]; what DCGAN changes
 * is the architecture (§3 "architecture guidelines"):
 *   - both networks are convolutional: strided convolutions in D, fractionally-strided
 *     (transposed) convolutions in G; no pooling;
 *   - batch norm in both, except G's output layer and D's input layer;
 *   - no fully connected hidden layers: G projects z to a small feature map, D flattens its last
 *     feature map straight into one logit;
 *   - ReLU in G with tanh at the output; LeakyReLU(0.2) in D;
 *   - weights initialised from N(0, 0.02).
 *
 *   G: z [B, 100] -> dense -> [B, 7, 7, 2F] -> up x2 -> [B, 14, 14, F] -> up x2 -> [B, 28, 28, 1]
 *   D: x [B, 28, 28, 1] -> conv/2 -> [B, 14, 14, F] -> conv/2 -> [B, 7, 7, 2F] -> flatten -> [B, 1]
 *
 * Departures from the paper: the paper's LSUN model is 64 x 64 with four up-sampling steps
 * (4 -> 8 -> 16 -> 32 -> 64); for 28 x 28 two steps from 7 x 7 are needed (28 = 7 * 2 * 2), so
 * 28 x 28 MNIST is used without resizing. Kernels are 4 x 4 (divisible by the stride, which
 * avoids the uneven overlap behind checkerboard artefacts; Odena et al. 2016) rather than 5 x 5.
 * Widths are smaller (F = 64) so a CPU trains it in minutes. Batch norm momentum 0.9 (PyTorch's
 * default, as in its DCGAN example) so the running statistics follow training quickly.
 *
 * Options beyond the paper: `upsampling: 'resize'` (nearest-neighbour x2 then a stride-1
 * convolution, Odena et al. 2016) and `discriminatorNorm: 'none'` (WGAN-GP's critic must not
 * use batch norm) or 'spectral' (Miyato et al. 2018).
 *
 * Conditional variant (Mirza & Osindero 2014, with the cGAN lesson's conditioning): G sees
 * [z, onehot(y)] concatenated before the projection; D sees the image with 10 extra constant
 * channels, one-hot planes of y (channel k is all ones where y = k), so every convolution knows
 * the class from the first layer on. Inputs are [z, onehot] and [image, onehot], as in cgan.ts.
 *
 * InfoGAN variant (Chen et al. 2016, "InfoGAN: Interpretable Representation Learning by
 * Information Maximizing Generative Adversarial Nets"): unconditional, no labels anywhere. G sees
 * [z, onehot(c)] with a categorical code c drawn uniformly from K categories; D gains a second
 * head Q(c | x) on its last features (the paper's MNIST head: FC 128, LeakyReLU, FC K; here
 * without the head's batch norm) that must recover c from G's image. Training adds
 * lambda * CE(Q(G(z, c)), c) to both losses (see train/gan.ts), so G has to make the
 * K codes *distinguishable*. Chen et al. report that on MNIST the codes become the digits; in
 * the course's run (`npm run experiment -- dcgan-steps --name info --info 1 --steps 4500`, lesson 06,
 * recorded as dcgan-steps.info.G.codePurity) they did not: Q read the code back almost perfectly,
 * yet on average only about a quarter (26%) of a code's samples were its most common digit (code
 * purity; 10% would be no link at all). Distinguishable codes can stand for styles as well as
 * digits, and nothing in the objective prefers the digits.
 */
import * as tf from '@tensorflow/tfjs';
import { layerSeed } from '../random';
import { SpectralNormConv2D, SpectralNormDense } from './spectral-norm';
import { GenlabError, checkModel, resolveOptions } from '../errors';

export interface DcganOptions {
  /** Size of z (Radford et al. 2015: 100). */
  latentSize?: number;
  /** [H, W, C] of the images; H and W divisible by 4 (two stride-2 steps). MNIST: [28, 28, 1]. */
  imageShape?: [number, number, number];
  /** F: channels of G's 14 x 14 layer (its projection has 2F) and of D's first layer (64, as the paper's first D layer). */
  filters?: number;
  /** Square kernel size of every convolution (4: divisible by the stride 2). */
  kernelSize?: number;
  /** G's up-sampling: 'transposed' (the paper) or 'resize' (nearest x2 + conv, Odena et al. 2016). */
  upsampling?: 'transposed' | 'resize';
  /** D's normalisation: 'batch' (the paper), 'none' (WGAN-GP critic) or 'spectral' (SNGAN). */
  discriminatorNorm?: 'batch' | 'none' | 'spectral';
  /** Slope of D's LeakyReLU for negative inputs (the paper: 0.2). */
  leakySlope?: number;
  /** Standard deviation of the N(0, s) weight initialiser (the paper: 0.02). */
  initStddev?: number;
  /** Batch norm momentum of the running statistics (PyTorch default 0.1, i.e. 0.9 here). */
  batchNormMomentum?: number;
  /** Number of classes for the conditional builders (10 for MNIST and Fashion-MNIST), or of the InfoGAN code's categories. */
  numClasses?: number;
  /**
   * How the conditional D sees the label: 'planes' (one-hot planes as extra input channels),
   * 'projection' (Miyato & Koyama 2018: the logit gains embed(y) . phi(x)) or 'both'.
   */
  labelConditioning?: 'planes' | 'projection' | 'both';
  /** Seed of every initialiser: the same seed builds the same weights. */
  seed?: number;
}

export const DEFAULT_DCGAN_OPTIONS: Required<DcganOptions> = {
  latentSize: 100,
  imageShape: [28, 28, 1],
  filters: 64,
  kernelSize: 4,
  upsampling: 'transposed',
  discriminatorNorm: 'batch',
  leakySlope: 0.2,
  initStddev: 0.02,
  batchNormMomentum: 0.9,
  numClasses: 10,
  labelConditioning: 'planes',
  seed: 0,
};

function dcganOptions(options: DcganOptions, caller: string): Required<DcganOptions> {
  const o = resolveOptions(caller, DEFAULT_DCGAN_OPTIONS, options);
  const positive = ['latentSize', 'filters', 'kernelSize', 'numClasses'] as const;
  for (const key of positive) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new GenlabError(`${caller}: options.${key} must be a positive integer, got ${o[key]}`);
  }
  const [h, w, c] = o.imageShape;
  if (o.imageShape.length !== 3 || h % 4 !== 0 || w % 4 !== 0 || !(c >= 1)) {
    throw new GenlabError(`${caller}: options.imageShape must be [H, W, C] with H and W divisible by 4, got ${JSON.stringify(o.imageShape)}`);
  }
  if (o.upsampling !== 'transposed' && o.upsampling !== 'resize') {
    throw new GenlabError(`${caller}: options.upsampling must be 'transposed' or 'resize', got '${o.upsampling}'`);
  }
  if (!['batch', 'none', 'spectral'].includes(o.discriminatorNorm)) {
    throw new GenlabError(`${caller}: options.discriminatorNorm must be 'batch', 'none' or 'spectral', got '${o.discriminatorNorm}'`);
  }
  if (!['planes', 'projection', 'both'].includes(o.labelConditioning)) {
    throw new GenlabError(`${caller}: options.labelConditioning must be 'planes', 'projection' or 'both', got '${o.labelConditioning}'`);
  }
  if (!Number.isInteger(o.seed)) throw new GenlabError(`${caller}: options.seed must be an integer, got ${o.seed}`);
  return o;
}

/**
 * A fresh seed per layer, so that equal seeds give equal models and no two layers share weights:
 * layerSeed(seed, k, 1000) for k = 1, 2, ... (never 0, because tfjs's random ops treat a seed of
 * 0 as "no seed" and draw from Math.random; tfjs-core rand_util: `seed ? seed : Math.random()`).
 */
class Seeds {
  private next = 1;
  constructor(private readonly base: number, private readonly stddev: number) {}
  seed(): number {
    return layerSeed(this.base, this.next++, 1000);
  }
  normal(): ReturnType<typeof tf.initializers.randomNormal> {
    return tf.initializers.randomNormal({ mean: 0, stddev: this.stddev, seed: this.seed() });
  }
  /** Batch-norm scale gamma ~ N(1, 0.02), as in the PyTorch DCGAN example's weights_init. */
  gamma(): ReturnType<typeof tf.initializers.randomNormal> {
    return tf.initializers.randomNormal({ mean: 1, stddev: this.stddev, seed: this.seed() });
  }
}

function batchNorm(x: tf.SymbolicTensor, o: Required<DcganOptions>, seeds: Seeds, name: string): tf.SymbolicTensor {
  return tf.layers
    .batchNormalization({ momentum: o.batchNormMomentum, epsilon: 1e-5, gammaInitializer: seeds.gamma(), name })
    .apply(x) as tf.SymbolicTensor;
}

/** One x2 up-sampling to `filters` channels, transposed or resize-convolution. */
function upsample(x: tf.SymbolicTensor, filters: number, o: Required<DcganOptions>, seeds: Seeds, name: string, activation?: 'tanh'): tf.SymbolicTensor {
  const conv = { filters, kernelSize: o.kernelSize, padding: 'same' as const, kernelInitializer: seeds.normal(), activation };
  if (o.upsampling === 'transposed') {
    return tf.layers.conv2dTranspose({ ...conv, strides: 2, useBias: activation !== undefined, name }).apply(x) as tf.SymbolicTensor;
  }
  const resized = tf.layers.upSampling2d({ size: [2, 2], name: `${name}_resize` }).apply(x) as tf.SymbolicTensor;
  return tf.layers.conv2d({ ...conv, strides: 1, useBias: activation !== undefined, name }).apply(resized) as tf.SymbolicTensor;
}

/** G's body from its input vector (z, or [z, onehot]) [B, n] to an image [B, H, W, C] in [-1, 1]. */
function generatorBody(input: tf.SymbolicTensor, o: Required<DcganOptions>, seeds: Seeds): tf.SymbolicTensor {
  const [h, w, c] = o.imageShape;
  const base = [h / 4, w / 4, 2 * o.filters]; // [7, 7, 2F] for MNIST
  // Projection: one linear map to the smallest feature map, no bias (batch norm follows).
  let x = tf.layers.dense({ units: base[0] * base[1] * base[2], useBias: false, kernelInitializer: seeds.normal(), name: 'g_project' }).apply(input) as tf.SymbolicTensor; // [B, 7*7*2F]
  x = tf.layers.reshape({ targetShape: base, name: 'g_reshape' }).apply(x) as tf.SymbolicTensor; //   [B, 7, 7, 2F]
  x = batchNorm(x, o, seeds, 'g_bn0');
  x = tf.layers.reLU({ name: 'g_relu0' }).apply(x) as tf.SymbolicTensor;
  x = upsample(x, o.filters, o, seeds, 'g_up1'); //                                                  [B, 14, 14, F]
  x = batchNorm(x, o, seeds, 'g_bn1');
  x = tf.layers.reLU({ name: 'g_relu1' }).apply(x) as tf.SymbolicTensor;
  return upsample(x, c, o, seeds, 'g_up2', 'tanh'); //                                               [B, 28, 28, C]
}

/** D's body from its input feature map [B, H, W, C'] to its last features [B, 7*7*2F] and one logit [B, 1]. */
function discriminatorBody(input: tf.SymbolicTensor, o: Required<DcganOptions>, seeds: Seeds): { features: tf.SymbolicTensor; logit: tf.SymbolicTensor } {
  const spectral = o.discriminatorNorm === 'spectral';
  const conv = (x: tf.SymbolicTensor, filters: number, name: string) =>
    (spectral
      ? new SpectralNormConv2D({ filters, kernelSize: o.kernelSize, strides: 2, padding: 'same', stddev: o.initStddev, seed: seeds.seed(), name })
      : tf.layers.conv2d({ filters, kernelSize: o.kernelSize, strides: 2, padding: 'same', kernelInitializer: seeds.normal(), name })
    ).apply(x) as tf.SymbolicTensor;
  const leaky = (x: tf.SymbolicTensor, name: string) => tf.layers.leakyReLU({ alpha: o.leakySlope, name }).apply(x) as tf.SymbolicTensor;
  // No batch norm on D's input layer (Radford et al. §3).
  let x = leaky(conv(input, o.filters, 'd_conv1'), 'd_leaky1'); //                                   [B, 14, 14, F]
  x = conv(x, 2 * o.filters, 'd_conv2'); //                                                         [B, 7, 7, 2F]
  if (o.discriminatorNorm === 'batch') x = batchNorm(x, o, seeds, 'd_bn2');
  x = leaky(x, 'd_leaky2');
  x = tf.layers.flatten({ name: 'd_flatten' }).apply(x) as tf.SymbolicTensor; //                    [B, 7*7*2F]
  // The flattened last feature map goes straight to one logit: no hidden dense layer.
  const logit = spectral
    ? new SpectralNormDense({ units: 1, stddev: o.initStddev, seed: seeds.seed(), name: 'd_logit' })
    : tf.layers.dense({ units: 1, kernelInitializer: seeds.normal(), name: 'd_logit' });
  return { features: x, logit: logit.apply(x) as tf.SymbolicTensor }; //                              [B, 1]
}

/** DCGAN generator: z [B, latentSize] -> image [B, H, W, C] in [-1, 1]. */
export function buildDcganGenerator(options: DcganOptions = {}): tf.LayersModel {
  const o = dcganOptions(options, 'buildDcganGenerator');
  const z = tf.input({ shape: [o.latentSize], name: 'z' });
  return tf.model({ inputs: z, outputs: generatorBody(z, o, new Seeds(o.seed, o.initStddev)), name: 'dcgan_generator' });
}

/** DCGAN discriminator: image [B, H, W, C] in [-1, 1] -> one logit [B, 1] (no sigmoid). */
export function buildDcganDiscriminator(options: DcganOptions = {}): tf.LayersModel {
  const o = dcganOptions(options, 'buildDcganDiscriminator');
  const image = tf.input({ shape: o.imageShape, name: 'image' });
  return tf.model({ inputs: image, outputs: discriminatorBody(image, o, new Seeds(o.seed + 1, o.initStddev)).logit, name: 'dcgan_discriminator' });
}

/** G with a second input (a label or an InfoGAN code) concatenated to z. */
function generatorWithSecondInput(o: Required<DcganOptions>, inputName: 'label' | 'code', modelName: string): tf.LayersModel {
  const z = tf.input({ shape: [o.latentSize], name: 'z' }); //                                      [B, latent]
  const second = tf.input({ shape: [o.numClasses], name: inputName }); //                           [B, K]
  const joined = tf.layers.concatenate({ name: 'g_concat' }).apply([z, second]) as tf.SymbolicTensor; // [B, latent + K]
  return tf.model({ inputs: [z, second], outputs: generatorBody(joined, o, new Seeds(o.seed, o.initStddev)), name: modelName });
}

/** Conditional DCGAN generator: [z [B, latentSize], onehot(y) [B, numClasses]] -> image [B, H, W, C]. */
export function buildConditionalDcganGenerator(options: DcganOptions = {}): tf.LayersModel {
  return generatorWithSecondInput(dcganOptions(options, 'buildConditionalDcganGenerator'), 'label', 'conditional_dcgan_generator');
}

/**
 * InfoGAN DCGAN generator: [z [B, latentSize], onehot(c) [B, numClasses]] -> image [B, H, W, C].
 * The same network as the conditional one; the difference is what feeds the second input: a
 * code drawn uniformly at random, never a label. Its input is named 'code' (the conditional
 * generator's is 'label'), which is how `isInfoGenerator` and the quality measures tell them apart.
 */
export function buildInfoDcganGenerator(options: DcganOptions = {}): tf.LayersModel {
  return generatorWithSecondInput(dcganOptions(options, 'buildInfoDcganGenerator'), 'code', 'info_dcgan_generator');
}

/** True for a generator built by `buildInfoDcganGenerator` (inputs [z, code]). */
export function isInfoGenerator(generator: tf.LayersModel): boolean {
  checkModel('isInfoGenerator', 'generator', generator);
  return generator.inputs.length === 2 && generator.inputLayers[1].name.startsWith('code');
}

/**
 * InfoGAN DCGAN discriminator: image [B, H, W, C] -> [logit [B, 1], code logits [B, numClasses]].
 * The code head Q(c | x) shares every convolution with D (Chen et al. 2016, §6: Q costs almost
 * nothing on top of D): last features -> dense 128 -> LeakyReLU -> dense K.
 */
export function buildInfoDcganDiscriminator(options: DcganOptions = {}): tf.LayersModel {
  const o = dcganOptions(options, 'buildInfoDcganDiscriminator');
  const seeds = new Seeds(o.seed + 1, o.initStddev);
  const image = tf.input({ shape: o.imageShape, name: 'image' }); //                                [B, H, W, C]
  const { features, logit } = discriminatorBody(image, o, seeds); //                                [B, N], [B, 1]
  let q = tf.layers.dense({ units: 128, kernelInitializer: seeds.normal(), name: 'q_hidden' }).apply(features) as tf.SymbolicTensor; // [B, 128]
  q = tf.layers.leakyReLU({ alpha: o.leakySlope, name: 'q_leaky' }).apply(q) as tf.SymbolicTensor;
  const codeLogits = tf.layers.dense({ units: o.numClasses, kernelInitializer: seeds.normal(), name: 'q_code' }).apply(q) as tf.SymbolicTensor; // [B, K]
  return tf.model({ inputs: image, outputs: [logit, codeLogits], name: 'info_dcgan_discriminator' });
}

/** Conditional DCGAN discriminator: [image [B, H, W, C], onehot(y) [B, numClasses]] -> one logit [B, 1]. */
export function buildConditionalDcganDiscriminator(options: DcganOptions = {}): tf.LayersModel {
  const o = dcganOptions(options, 'buildConditionalDcganDiscriminator');
  const [h, w] = o.imageShape;
  const seeds = new Seeds(o.seed + 1, o.initStddev);
  const image = tf.input({ shape: o.imageShape, name: 'image' }); //                                [B, H, W, C]
  const label = tf.input({ shape: [o.numClasses], name: 'label' }); //                              [B, K]
  let input = image;
  if (o.labelConditioning !== 'projection') {
    // One-hot planes: repeat the one-hot vector at every pixel.
    const repeated = tf.layers.repeatVector({ n: h * w, name: 'd_label_repeat' }).apply(label) as tf.SymbolicTensor; // [B, H*W, K]
    const planes = tf.layers.reshape({ targetShape: [h, w, o.numClasses], name: 'd_label_planes' }).apply(repeated) as tf.SymbolicTensor; // [B, H, W, K]
    input = tf.layers.concatenate({ axis: -1, name: 'd_concat' }).apply([image, planes]) as tf.SymbolicTensor; // [B, H, W, C + K]
  }
  const { features, logit } = discriminatorBody(input, o, seeds); //                             [B, N], [B, 1]
  if (o.labelConditioning === 'planes') {
    return tf.model({ inputs: [image, label], outputs: logit, name: 'conditional_dcgan_discriminator' });
  }
  // Projection (Miyato & Koyama 2018, Eq. 3): logit(x, y) = psi(phi(x)) + embed(y) . phi(x), with
  // phi(x) D's last features and embed(y) = V^T onehot(y) a learned vector per class [B, N].
  const embedded = tf.layers.dense({ units: features.shape[1] as number, useBias: false, kernelInitializer: seeds.normal(), name: 'd_label_embedding' }).apply(label) as tf.SymbolicTensor; // [B, N]
  const projection = tf.layers.dot({ axes: 1, name: 'd_projection' }).apply([features, embedded]) as tf.SymbolicTensor; // [B, 1]
  const total = tf.layers.add({ name: 'd_logit_total' }).apply([logit, projection]) as tf.SymbolicTensor; // [B, 1]
  return tf.model({ inputs: [image, label], outputs: total, name: 'conditional_dcgan_discriminator' });
}

/** One row of an architecture table. */
export interface LayerRow {
  /** Layer name, e.g. 'g_up1'. */
  name: string;
  /** tfjs class, e.g. 'Conv2DTranspose'. */
  type: string;
  /** Output shape with the batch size as null, e.g. [null, 14, 14, 64]. */
  outputShape: Array<number | null>;
  /** Number of weights (trainable and not). */
  parameters: number;
}

/** The layers of a model with their output shapes and parameter counts, in order. */
export function architectureTable(model: tf.LayersModel): LayerRow[] {
  checkModel('architectureTable', 'model', model);
  return model.layers.map((layer) => ({
    name: layer.name,
    type: layer.getClassName(),
    outputShape: (Array.isArray(layer.outputShape[0]) ? layer.outputShape[0] : layer.outputShape) as Array<number | null>,
    parameters: layer.countParams(),
  }));
}
