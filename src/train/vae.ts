/**
 * Training a VAE (Kingma & Welling 2014, Algorithm 1: minibatch SGVB with one sample of eps per
 * image, M = 100 in the paper, Adam here). Its test ELBO: metrics/elbo.ts.
 *
 * A VAE has one optimizer update per step, so it runs on the course's shared trainer
 * (./phased.ts) as a single phase that trains the encoder and the decoder together; it
 * inherits the seeded noise, history, progress line with ETA, NaN guard and checkpoints.
 *
 *   loss = -ELBO = -(E_q[log p(x|z)] - beta * KL(q(z|x) || N(0, I)))     (losses/vae.ts)
 *
 * History per step: vaeLoss (= -ELBO, nats per image), reconstruction (E_q log p(x|z)), kl.
 *
 * Binarised MNIST: each pixel x in [0, 1] becomes 1 with probability x (stochastic
 * binarisation, Salakhutdinov & Murray 2008). Training draws a fresh binarisation every batch
 * ("dynamic", a regulariser that matters with only 8,000 training digits).
 */
import * as tf from '@tensorflow/tfjs';
import { elbo } from '../losses/vae';
import { encode, decodeLogits, reparameterize, type Vae } from '../models/vae';
import { checkEveryLabel, checkVae, checkVaeTrainingImages } from '../models/vae-check';
import { PhasedTrainer } from './phased';
import { batchSampler } from './batches';
import { checkBoolean, checkNumber, checkPositiveInteger, GenlabError, resolveOptions } from '../errors';

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
  checkVaeTrainingImages(o.images, vae, fn, 'options.images');
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
          const z = reparameterize(mean, logVar, context.randomNormal(mean.shape)); //       [B, L]
          const logits = decodeLogits(vae, z, labels); //                                     [B, H, W, C]
          const parts = elbo(logits, x, mean, logVar, { beta });
          return { loss: parts.total, reconstruction: parts.reconstruction, kl: parts.kl };
        },
      },
    ],
  });
}
