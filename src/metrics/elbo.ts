/**
 * The ELBO of a trained VAE on held-out images (Kingma & Welling 2014, Eq. 3), in nats per image:
 *
 *   ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || N(0, I)) <= log p(x)      (losses/vae.ts)
 *
 * estimated with one seeded sample of z per image, always with beta = 1. Binarised MNIST: each
 * pixel x in [0, 1] becomes 1 with probability x (stochastic binarisation, Salakhutdinov &
 * Murray 2008); the evaluation uses one fixed, seeded binarisation of the images, so that every
 * model is scored on the same data. Part k of the images (batchSize each) draws its binarisation
 * with layerSeed(seed, k, 7919) and its eps with layerSeed(seed, k + 104729, 7919).
 */
import * as tf from '@tensorflow/tfjs';
import { layerSeed } from '../random';
import { elbo } from '../losses/vae';
import { encode, decodeLogits, reparameterize, type Vae } from '../models/vae';
import { checkEveryLabel, checkVae, checkVaeTrainingImages } from '../models/vae-check';
import { checkBoolean, checkNumber, checkPositiveInteger, GenlabError, resolveOptions } from '../errors';

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
  checkVaeTrainingImages(images, vae, 'evaluateElbo');
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
      const x = o.binarize ? tf.randomUniform(grey.shape, 0, 1, 'float32', layerSeed(o.seed, part, 7919)).less(grey).toFloat() : grey;
      const labels = o.labels?.slice(start, size);
      const { mean, logVar } = encode(vae, x, labels);
      const z = reparameterize(mean, logVar, layerSeed(o.seed, part + 104729, 7919));
      const parts = elbo(decodeLogits(vae, z, labels), x, mean, logVar);
      return [parts.reconstruction.dataSync()[0], parts.kl.dataSync()[0]];
    });
    reconstruction += r * size;
    kl += k * size;
  }
  return { elbo: (reconstruction - kl) / n, reconstruction: reconstruction / n, kl: kl / n, count: n };
}
