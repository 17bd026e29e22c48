/**
 * Variational autoencoder (Kingma & Welling 2014, "Auto-Encoding Variational Bayes") and its
 * conditional variant (Sohn, Lee & Yan 2015, "Learning structured output representation using
 * deep conditional generative models").
 *
 *   encoder q(z | x [, y]) = N(mean(x), diag(exp(logVar(x))))
 *   z = mean + exp(0.5 * logVar) * eps,  eps ~ N(0, I)          (reparameterisation, Sec. 2.4)
 *   decoder p(x | z [, y]) = prod_i Bernoulli(x_i; sigmoid(logits_i(z)))
 *   objective: ELBO = E_q[log p(x|z)] - beta * KL(q(z|x) || N(0, I))   (see losses/vae.ts)
 *
 * The networks are the paper's MLPs (one hidden layer each way), with ReLU instead of the paper's
 * tanh and 512 hidden units, as in the Keras variational_autoencoder example that tfjs-examples'
 * fashion-mnist-vae ports. A plain VAE is unconditional: it models p(x). The conditional VAE feeds
 * the one-hot label y to both the encoder and the decoder and so models p(x | y).
 * Code vs paper: logVar is log sigma^2 (the paper's log sigma^2 too); "logits" are the
 * pre-sigmoid Bernoulli parameters the paper calls y.
 */
import * as tf from '@tensorflow/tfjs';
import { layerSeed, tfSeed } from '../random';
import { checkVae } from './vae-check';
import { checkLabels, checkNumber, checkPositiveInteger, checkSameShape, checkTensor, fail, GenlabError, resolveOptions } from '../errors';

export interface VaeOptions {
  /** Image shape [H, W, C] (default [28, 28, 1], MNIST / Fashion-MNIST). */
  imageShape?: [number, number, number];
  /** Size of z (default 2, tfjs-examples fashion-mnist-vae: pictures of the latent space; use 16-32 for quality). */
  latentSize?: number;
  /** Hidden units of the encoder's and the decoder's one hidden layer (default 512, Keras/tfjs-examples VAE; Kingma & Welling used 500). */
  hiddenUnits?: number;
  /** Number of classes of a conditional VAE; 0 (default) builds a plain, unconditional VAE. */
  numClasses?: number;
  /** Weight of the KL term the training loop uses (default 1: the ELBO; > 1 is a beta-VAE, Higgins et al. 2017). */
  beta?: number;
  /** Seed of the initial weights (default 0). */
  seed?: number;
}

export const DEFAULT_VAE_OPTIONS: Required<VaeOptions> = {
  imageShape: [28, 28, 1],
  latentSize: 2,
  hiddenUnits: 512,
  numClasses: 0,
  beta: 1,
  seed: 0,
};

/** A VAE: two networks and the options they were built with. */
export interface Vae {
  /** images [B, H, W, C] (and one-hot labels [B, K] when conditional) -> [mean [B, L], logVar [B, L]]. */
  encoder: tf.LayersModel;
  /** z [B, L] (and one-hot labels [B, K] when conditional) -> Bernoulli logits [B, H, W, C]. */
  decoder: tf.LayersModel;
  options: Required<VaeOptions>;
}

/** Builds a VAE (or, with numClasses > 0, a conditional VAE). */
export function buildVae(options: VaeOptions = {}): Vae {
  const o = resolveOptions('buildVae', DEFAULT_VAE_OPTIONS, options);
  for (const key of ['latentSize', 'hiddenUnits'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new GenlabError(`buildVae: options.${key} must be a positive integer, got ${o[key]}`);
  }
  if (!Number.isInteger(o.numClasses) || o.numClasses < 0) {
    throw new GenlabError(`buildVae: options.numClasses must be 0 (unconditional) or a positive integer, got ${o.numClasses}`);
  }
  if (!Number.isFinite(o.beta) || o.beta < 0) throw new GenlabError(`buildVae: options.beta must be a number >= 0, got ${o.beta}`);
  if (!Array.isArray(o.imageShape) || o.imageShape.length !== 3 || o.imageShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new GenlabError(`buildVae: options.imageShape must be [H, W, C], got ${JSON.stringify(o.imageShape)}`);
  }
  const pixels = o.imageShape[0] * o.imageShape[1] * o.imageShape[2];
  const conditional = o.numClasses > 0;
  const init = (k: number) => tf.initializers.glorotUniform({ seed: layerSeed(o.seed, k, 100) });

  // Encoder: x [B, H, W, C] -> flatten [B, P] (++ y [B, K]) -> hidden [B, U] -> mean, logVar [B, L].
  const image = tf.input({ shape: o.imageShape, name: 'image' });
  const encoderLabel = conditional ? tf.input({ shape: [o.numClasses], name: 'label' }) : undefined;
  let x = tf.layers.flatten().apply(image) as tf.SymbolicTensor; // [B, P]
  if (encoderLabel) x = tf.layers.concatenate().apply([x, encoderLabel]) as tf.SymbolicTensor; // [B, P + K]
  const hidden = tf.layers.dense({ units: o.hiddenUnits, activation: 'relu', kernelInitializer: init(1), name: 'encoder_hidden' }).apply(x) as tf.SymbolicTensor; // [B, U]
  const mean = tf.layers.dense({ units: o.latentSize, kernelInitializer: init(2), name: 'z_mean' }).apply(hidden) as tf.SymbolicTensor; // [B, L]
  const logVar = tf.layers.dense({ units: o.latentSize, kernelInitializer: init(3), name: 'z_log_var' }).apply(hidden) as tf.SymbolicTensor; // [B, L]
  const encoder = tf.model({ inputs: encoderLabel ? [image, encoderLabel] : image, outputs: [mean, logVar], name: 'encoder' });

  // Decoder: z [B, L] (++ y [B, K]) -> hidden [B, U] -> logits [B, P] -> [B, H, W, C].
  const z = tf.input({ shape: [o.latentSize], name: 'z' });
  const decoderLabel = conditional ? tf.input({ shape: [o.numClasses], name: 'label' }) : undefined;
  let h = z;
  if (decoderLabel) h = tf.layers.concatenate().apply([z, decoderLabel]) as tf.SymbolicTensor; // [B, L + K]
  h = tf.layers.dense({ units: o.hiddenUnits, activation: 'relu', kernelInitializer: init(4), name: 'decoder_hidden' }).apply(h) as tf.SymbolicTensor; // [B, U]
  const flatLogits = tf.layers.dense({ units: pixels, kernelInitializer: init(5), name: 'logits' }).apply(h) as tf.SymbolicTensor; // [B, P]
  const logits = tf.layers.reshape({ targetShape: o.imageShape }).apply(flatLogits) as tf.SymbolicTensor; // [B, H, W, C]
  const decoder = tf.model({ inputs: decoderLabel ? [z, decoderLabel] : z, outputs: logits, name: 'decoder' });

  return { encoder, decoder, options: o };
}

/** One-hot labels [B, K] for a conditional VAE, or undefined for a plain one (checked). */
function labelInput(vae: Vae, labels: tf.Tensor | ReadonlyArray<number> | undefined, batch: number, caller: string): tf.Tensor2D | undefined {
  const k = vae.options.numClasses;
  if (k === 0) {
    if (labels !== undefined) throw new GenlabError(`${caller}: labels were given, but this VAE is unconditional (numClasses 0)`);
    return undefined;
  }
  if (labels === undefined) throw new GenlabError(`${caller}: this conditional VAE needs labels (one class 0-${k - 1} per image)`);
  checkLabels(caller, 'labels', labels, k);
  const size = labels instanceof tf.Tensor ? labels.shape[0] : labels.length;
  if (size !== batch || (labels instanceof tf.Tensor && labels.rank !== 1)) {
    throw new GenlabError(`${caller}: labels must be ${batch} class indices, got ${labels instanceof tf.Tensor ? `[${labels.shape.join(', ')}]` : size}`);
  }
  return tf.tidy(() => tf.oneHot(labels instanceof tf.Tensor ? labels.toInt() : tf.tensor1d(labels as number[], 'int32'), k).toFloat() as tf.Tensor2D);
}

/** q(z|x): the encoder's mean and log-variance [B, L] of each image. */

/** Throws unless `images` are [N, H, W, C] float32 images of the VAE's image shape. */
function checkVaeImages(fn: string, vae: Vae, images: unknown): void {
  checkTensor(fn, 'images', images, { shape: [null, ...vae.options.imageShape], layout: `[N, ${vae.options.imageShape.join(', ')}]`, dtype: 'float32' });
}

export function encode(vae: Vae, images: tf.Tensor, labels?: tf.Tensor | ReadonlyArray<number>): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
  checkVae('encode', vae);
  checkVaeImages('encode', vae, images);
  const y = labelInput(vae, labels, images.shape[0], 'encode');
  const [mean, logVar] = vae.encoder.apply(y ? [images, y] : images) as tf.Tensor2D[];
  y?.dispose();
  return { mean, logVar };
}

/**
 * The reparameterisation trick: z = mean + exp(0.5 * logVar) * eps with eps ~ N(0, I) drawn
 * outside the network, so z is a differentiable function of mean and logVar. The one place the
 * library samples q(z|x): training (train/vae.ts) and the ELBO's evaluation (metrics/elbo.ts) call it too.
 * `noise` is the seed eps is drawn with (default: unseeded), or eps itself, a tensor of mean's
 * shape (the trainer passes its own seeded draw).
 */
export function reparameterize(mean: tf.Tensor, logVar: tf.Tensor, noise?: number | tf.Tensor): tf.Tensor2D {
  checkSameShape('reparameterize', ['mean', 'logVar'], mean, logVar);
  if (noise instanceof tf.Tensor) checkSameShape('reparameterize', ['mean', 'eps'], mean, noise);
  else if (noise !== undefined) checkNumber('reparameterize', 'seed', noise);
  return tf.tidy(() => {
    const eps = noise instanceof tf.Tensor ? noise : tf.randomNormal(mean.shape, 0, 1, 'float32', noise === undefined ? undefined : tfSeed(noise)); // [B, L]
    return mean.add(logVar.mul(0.5).exp().mul(eps)) as tf.Tensor2D; //   z = mean + sigma * eps   [B, L]
  });
}

/** p(x|z): Bernoulli logits [B, H, W, C] of the images decoded from z [B, L]. */
export function decodeLogits(vae: Vae, z: tf.Tensor, labels?: tf.Tensor | ReadonlyArray<number>, fn = 'decodeLogits'): tf.Tensor4D {
  checkVae(fn, vae);
  checkTensor(fn, 'z', z, { shape: [null, vae.options.latentSize], layout: `[B, ${vae.options.latentSize}]`, dtype: 'float32' });
  const y = labelInput(vae, labels, z.shape[0], fn);
  const logits = vae.decoder.apply(y ? [z, y] : z) as tf.Tensor4D;
  y?.dispose();
  return logits;
}

/** Decoded images: the Bernoulli means sigmoid(logits) in [0, 1], [B, H, W, C]. */
export function decode(vae: Vae, z: tf.Tensor, labels?: tf.Tensor | ReadonlyArray<number>): tf.Tensor4D {
  return tf.tidy(() => tf.sigmoid(decodeLogits(vae, z, labels, 'decode')) as tf.Tensor4D);
}

/** New images from the prior: z ~ N(0, I), decoded to Bernoulli means in [0, 1]. */
export function sampleVae(vae: Vae, count: number, options: { seed?: number; labels?: tf.Tensor | ReadonlyArray<number> } = {}): tf.Tensor4D {
  checkVae('sampleVae', vae);
  checkPositiveInteger('sampleVae', 'count', count);
  resolveOptions('sampleVae', {}, options, ['seed', 'labels']);
  if (options.seed !== undefined) checkNumber('sampleVae', 'options.seed', options.seed);
  labelInput(vae, options.labels, count, 'sampleVae')?.dispose();
  return tf.tidy(() => decode(vae, tf.randomNormal([count, vae.options.latentSize], 0, 1, 'float32', options.seed === undefined ? undefined : tfSeed(options.seed)), options.labels));
}

/** Encode, then decode the mean: the reconstruction of each image, in [0, 1]. */
export function reconstruct(vae: Vae, images: tf.Tensor, labels?: tf.Tensor | ReadonlyArray<number>): tf.Tensor4D {
  checkVae('reconstruct', vae);
  checkVaeImages('reconstruct', vae, images);
  labelInput(vae, labels, images.shape[0], 'reconstruct')?.dispose();
  return tf.tidy(() => decode(vae, encode(vae, images, labels).mean, labels));
}

/** Frees both networks. */
export function disposeVae(vae: Vae): void {
  checkVae('disposeVae', vae);
  vae.encoder.dispose();
  vae.decoder.dispose();
}
