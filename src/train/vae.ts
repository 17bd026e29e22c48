/**
 * Training and evaluating a VAE (Kingma & Welling 2014, Algorithm 1: minibatch SGVB with one
 * sample of eps per image, M = 100 in the paper, Adam here).
 *
 * A VAE has one optimizer update per step, so it runs on the course's shared trainer
 * (./adversarial.ts) as a single phase that trains the encoder and the decoder together; it
 * inherits the seeded noise, history, progress line with ETA, NaN guard and checkpoints.
 *
 *   loss = -ELBO = -(E_q[log p(x|z)] - beta * KL(q(z|x) || N(0, I)))     (losses/vae.ts)
 *
 * History per step: vaeLoss (= -ELBO, nats per image), reconstruction (E_q log p(x|z)), kl.
 *
 * Binarised MNIST: each pixel x in [0, 1] becomes 1 with probability x (stochastic
 * binarisation, Salakhutdinov & Murray 2008). Training draws a fresh binarisation every batch
 * ("dynamic", a regulariser that matters with only 8,000 training digits); evaluation uses one
 * fixed, seeded binarisation of the test split so that every model is scored on the same data.
 */
import * as tf from '@tensorflow/tfjs';
import { tfSeed } from '../data/random';
import { elbo } from '../losses/vae';
import { encode, decodeLogits, reparameterize, type Vae } from '../models/vae';
import { checkVae } from '../models/vae-check';
import { PhasedTrainer } from './phased';
import { batchSampler } from './batches';
import { checkBoolean, checkLabels, checkNumber, checkPixelRange, checkPositiveInteger, GenlabError, resolveOptions } from '../errors';

/** A batch of training images in [0, 1] and, for a conditional VAE, their labels. */
export interface VaeBatch extends tf.TensorContainerObject {
  images: tf.Tensor4D;
  labels?: tf.Tensor1D;
}

export interface VaeTrainerOptions {
  vae: Vae;
  /** Training images [N, H, W, C] with pixels in [0, 1]. */
  images: tf.Tensor4D;
  /** int32 [N] labels: required for a conditional VAE, ignored otherwise. */
  labels?: tf.Tensor1D;
  /** Images per batch (default 100: Kingma & Welling 2014, Sec. 5, M = 100). */
  batchSize?: number;
  /** Adam learning rate (default 1e-3, Kingma & Ba 2015; the tfjs-examples VAE uses 1e-3 too). */
  learningRate?: number;
  /** Weight of the KL term (default: vae.options.beta, itself 1 by default). */
  beta?: number;
  /** Train on stochastically binarised images, redrawn every batch (default true). */
  binarize?: boolean;
  /** Seed of batches, binarisation and eps (default 0). */
  seed?: number;
}

export const DEFAULT_VAE_TRAINER_OPTIONS = { batchSize: 100, learningRate: 1e-3, binarize: true, seed: 0 };

/** Builds the trainer: `createVaeTrainer({ vae, images })`, then `await trainer.run({ steps })`. */
export function createVaeTrainer(options: VaeTrainerOptions): PhasedTrainer<VaeBatch> {
  const o = resolveOptions('createVaeTrainer', DEFAULT_VAE_TRAINER_OPTIONS, options, ['vae', 'images', 'labels', 'beta']);
  const fn = 'createVaeTrainer';
  const vae = checkVae(fn, o.vae);
  const beta = o.beta ?? vae.options.beta;
  const conditional = vae.options.numClasses > 0;
  checkImages(o.images, vae, fn, 'options.images');
  if (conditional && !(o.labels instanceof tf.Tensor)) {
    throw new GenlabError('createVaeTrainer: options.labels (int32 [N]) are required to train a conditional VAE');
  }
  checkPositiveInteger(fn, 'options.batchSize', o.batchSize);
  checkNumber(fn, 'options.learningRate', o.learningRate, { above: 0 });
  checkNumber(fn, 'options.beta', beta, { min: 0 });
  checkBoolean(fn, 'options.binarize', o.binarize);
  checkNumber(fn, 'options.seed', o.seed);
  if (conditional) checkEveryLabel(fn, o.labels as tf.Tensor1D, o.images.shape[0], vae.options.numClasses);
  const sample = conditional
    ? batchSampler({ images: o.images, labels: o.labels as tf.Tensor1D }, { batchSize: o.batchSize, seed: o.seed })
    : batchSampler({ images: o.images }, { batchSize: o.batchSize, seed: o.seed });

  return new PhasedTrainer<VaeBatch>({
    networks: { encoder: vae.encoder, decoder: vae.decoder },
    seed: o.seed,
    batch: sample as (index: number) => VaeBatch,
    phases: [
      {
        name: 'vae',
        trains: ['encoder', 'decoder'],
        optimizer: tf.train.adam(o.learningRate),
        loss: ({ images, labels }, context) => {
          const x = o.binarize ? context.randomUniform(images.shape).less(images).toFloat() : images; // [B, H, W, C]
          const { mean, logVar } = encode(vae, x, labels); //                              [B, L] each
          const eps = context.randomNormal(mean.shape); //                                   [B, L]
          const z = mean.add(logVar.mul(0.5).exp().mul(eps)); //   z = mean + sigma * eps   [B, L]
          const logits = decodeLogits(vae, z, labels); //                                     [B, H, W, C]
          const parts = elbo(logits, x, mean, logVar, { beta });
          return { loss: parts.total, reconstruction: parts.reconstruction, kl: parts.kl };
        },
      },
    ],
  });
}

export interface EvaluateElboOptions {
  /** Labels of the images, for a conditional VAE. */
  labels?: tf.Tensor1D;
  /** Score a seeded stochastic binarisation of the images (default true). */
  binarize?: boolean;
  /** Seed of the binarisation and of eps (default 0: the same test set for every model). */
  seed?: number;
  /** Images per forward pass (default 500). */
  batchSize?: number;
}

export const DEFAULT_EVALUATE_ELBO_OPTIONS = { binarize: true, seed: 0, batchSize: 500 };

/** The ELBO and its parts, in nats per image (plain numbers). */
export interface ElboEstimate {
  /** E_q[log p(x|z)] - KL: a lower bound on log p(x) (beta does not enter: this is the true ELBO). */
  elbo: number;
  reconstruction: number;
  kl: number;
  count: number;
}

/**
 * The ELBO of a trained VAE on a set of images (e.g. the test split), averaged over images, with
 * one seeded sample of z per image. Always with beta = 1, whatever the model was trained with.
 */
export function evaluateElbo(vae: Vae, images: tf.Tensor4D, options: EvaluateElboOptions = {}): ElboEstimate {
  const o = resolveOptions('evaluateElbo', DEFAULT_EVALUATE_ELBO_OPTIONS, options, ['labels']);
  checkVae('evaluateElbo', vae);
  checkImages(images, vae, 'evaluateElbo');
  checkPositiveInteger('evaluateElbo', 'options.batchSize', o.batchSize);
  checkBoolean('evaluateElbo', 'options.binarize', o.binarize);
  checkNumber('evaluateElbo', 'options.seed', o.seed);
  if (vae.options.numClasses > 0 && o.labels instanceof tf.Tensor) checkEveryLabel('evaluateElbo', o.labels, images.shape[0], vae.options.numClasses);
  const n = images.shape[0];
  if (vae.options.numClasses > 0 && !(o.labels instanceof tf.Tensor)) {
    throw new GenlabError('evaluateElbo: options.labels are required to evaluate a conditional VAE');
  }
  let reconstruction = 0;
  let kl = 0;
  for (let start = 0, part = 0; start < n; start += o.batchSize, part++) {
    const size = Math.min(o.batchSize, n - start);
    const [r, k] = tf.tidy(() => {
      const grey = images.slice(start, size);
      const x = o.binarize ? tf.randomUniform(grey.shape, 0, 1, 'float32', tfSeed(o.seed * 7919 + part)).less(grey).toFloat() : grey;
      const labels = o.labels?.slice(start, size);
      const { mean, logVar } = encode(vae, x, labels);
      const z = reparameterize(mean, logVar, o.seed * 7919 + part + 104729);
      const parts = elbo(decodeLogits(vae, z, labels), x, mean, logVar);
      return [parts.reconstruction.dataSync()[0], parts.kl.dataSync()[0]];
    });
    reconstruction += r * size;
    kl += k * size;
  }
  return { elbo: (reconstruction - kl) / n, reconstruction: reconstruction / n, kl: kl / n, count: n };
}

function checkEveryLabel(fn: string, labels: tf.Tensor, n: number, classes: number): void {
  checkLabels(fn, 'options.labels', labels, classes);
  if (labels.shape[0] !== n) throw new GenlabError(`${fn}: options.labels must have one label per image (${n}), got ${labels.shape[0]}`);
}

function checkImages(images: tf.Tensor, vae: Vae, caller: string, argument = 'images'): void {
  const [h, w, c] = vae.options.imageShape;
  const s = images instanceof tf.Tensor ? images.shape : [];
  if (s.length !== 4 || s[1] !== h || s[2] !== w || s[3] !== c || s[0] === 0 || images.dtype !== 'float32') {
    throw new GenlabError(`${caller}: ${argument} must be float32 [N >= 1, ${h}, ${w}, ${c}] with pixels in [0, 1], got ${images instanceof tf.Tensor ? `a ${images.dtype} tensor [${s.join(', ')}]` : typeof images}`);
  }
  checkPixelRange(caller, argument, images, [0, 1]);
}
