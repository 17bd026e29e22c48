/**
 * GAN losses (Goodfellow et al., 2014, "Generative Adversarial Nets", Eq. 1), computed from
 * logits so that they stay finite when the discriminator is very sure.
 *
 *   V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))],   D(x) = sigmoid(logit(x))
 *
 * D maximises V; written as a loss to minimise, that is binary cross-entropy with "real" = 1
 * and "fake" = 0. G minimises V (the "minimax" form) or, as the paper recommends in §3 and
 * everyone does in practice, maximises log D(G(z)) (the "non-saturating" form).
 *
 * Stable forms used here (softplus(a) = log(1 + e^a), computed without overflow by tfjs):
 *   -log sigmoid(a)     = softplus(-a)
 *   -log(1 - sigmoid(a)) = softplus(a)
 *   BCE(a, y) = -y log sigmoid(a) - (1 - y) log(1 - sigmoid(a)) = y softplus(-a) + (1 - y) softplus(a)
 */
import * as tf from '@tensorflow/tfjs';
import { describeValue, checkLogits, checkNumber, checkOneOf, checkSameShape, GenlabError, resolveOptions } from '../errors';

/** The two generator losses of Goodfellow et al. (2014). */
export type GeneratorLossForm = 'non-saturating' | 'minimax';

export interface DiscriminatorLossOptions {
  /**
   * Target for real samples: 1 - labelSmoothing (one-sided label smoothing, Salimans et al.,
   * 2016, "Improved Techniques for Training GANs", §3.4, who use 0.9; fakes stay at 0).
   * Default 0: no smoothing.
   */
  labelSmoothing?: number;
}

export const DEFAULT_DISCRIMINATOR_LOSS_OPTIONS: Required<DiscriminatorLossOptions> = { labelSmoothing: 0 };

export interface GeneratorLossOptions {
  /**
   * 'non-saturating' (default): L_G = -mean log D(G(z)), strong gradients while D rejects the
   * fakes (Goodfellow et al., 2014, §3). 'minimax': L_G = mean log(1 - D(G(z))), the objective
   * as written in Eq. 1, whose gradient vanishes when D(G(z)) is near 0.
   */
  form?: GeneratorLossForm;
}

export const DEFAULT_GENERATOR_LOSS_OPTIONS: Required<GeneratorLossOptions> = { form: 'non-saturating' };

/** The two terms of the discriminator loss and their sum, each a scalar. */
export interface DiscriminatorLossTerms {
  /** real + fake: what the discriminator minimises. */
  total: tf.Scalar;
  /** mean BCE(realLogits, 1 - labelSmoothing). */
  real: tf.Scalar;
  /** mean BCE(fakeLogits, 0) = mean softplus(fakeLogits). */
  fake: tf.Scalar;
}

/**
 * Binary cross-entropy from logits, element-wise: y softplus(-a) + (1 - y) softplus(a).
 * `targets` is a number (the same target everywhere) or a tensor of the logits' shape.
 */
export function bceWithLogits(logits: tf.Tensor, targets: number | tf.Tensor): tf.Tensor {
  if (typeof targets === 'number') {
    checkLogits('bceWithLogits', 'logits', logits);
    checkNumber('bceWithLogits', 'targets', targets, { min: 0, max: 1 });
  } else {
    checkLogits('bceWithLogits', 'logits', logits);
    checkLogits('bceWithLogits', 'targets', targets);
  }
  return tf.tidy(() => {
    const y = typeof targets === 'number' ? tf.scalar(targets) : targets;
    if (typeof targets !== 'number' && !tf.util.arraysEqual(targets.shape, logits.shape)) {
      throw new GenlabError(`bceWithLogits: targets must have the logits' shape [${logits.shape.join(', ')}], got [${targets.shape.join(', ')}]`);
    }
    return y.mul(tf.softplus(logits.neg())).add(tf.scalar(1).sub(y).mul(tf.softplus(logits)));
  });
}

/**
 * The discriminator loss with its two terms:
 *   L_D = mean BCE(realLogits, 1 - s) + mean BCE(fakeLogits, 0)
 * where s is `labelSmoothing` (0 by default). Logits of any shape ([B, 1] for one logit per
 * image, [B, H, W, 1] for a PatchGAN); each term is the mean over all its elements.
 */
export function discriminatorLossTerms(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  options: DiscriminatorLossOptions = {},
): DiscriminatorLossTerms {
  const { labelSmoothing } = checkDiscriminatorLoss('discriminatorLossTerms', realLogits, fakeLogits, options);
  return tf.tidy(() => {
    const real = bceWithLogits(realLogits, 1 - labelSmoothing).mean() as tf.Scalar;
    const fake = tf.softplus(fakeLogits).mean() as tf.Scalar; // BCE(a, 0) = softplus(a)
    return { total: real.add(fake) as tf.Scalar, real, fake };
  });
}

/**
 * The discriminator loss as one scalar:
 *   L_D = mean BCE(realLogits, 1 - s) + mean BCE(fakeLogits, 0)
 *       = -mean[(1 - s) log D(x) + s log(1 - D(x))] - mean log(1 - D(G(z)))
 * At logits 0 (D unsure, D = 1/2) both terms are ln 2, so L_D = 2 ln 2 ≈ 1.386.
 */
export function discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor, options: DiscriminatorLossOptions = {}): tf.Scalar {
  checkDiscriminatorLoss('discriminatorLoss', realLogits, fakeLogits, options);
  return tf.tidy(() => {
    const terms = discriminatorLossTerms(realLogits, fakeLogits, options);
    return terms.total;
  });
}

/**
 * The generator loss, mean over the batch:
 *   non-saturating: L_G = -mean log D(G(z))      = mean softplus(-a)
 *   minimax:        L_G =  mean log(1 - D(G(z))) = -mean softplus(a)
 * with a = fakeLogits. Both are minimised; at a = 0 they are ln 2 and -ln 2.
 */
export function generatorLoss(fakeLogits: tf.Tensor, options: GeneratorLossOptions = {}): tf.Scalar {
  const { form } = resolveOptions('generatorLoss', DEFAULT_GENERATOR_LOSS_OPTIONS, options);
  checkOneOf('generatorLoss', 'options.form', form, ['non-saturating', 'minimax']);
  checkLogits('generatorLoss', 'fakeLogits', fakeLogits);
  return tf.tidy(() => {
    if (form === 'non-saturating') return tf.softplus(fakeLogits.neg()).mean() as tf.Scalar;
    if (form === 'minimax') return tf.softplus(fakeLogits).mean().neg() as tf.Scalar;
    throw new GenlabError(`generatorLoss: options.form must be 'non-saturating' or 'minimax', got '${form}'`);
  });
}

/** Mean of sigmoid(logits): the average probability D assigns to "real" (D(x) or D(G(z))). */
export function meanProbability(logits: tf.Tensor): tf.Scalar {
  checkLogits('meanProbability', 'logits', logits);
  return tf.tidy(() => tf.sigmoid(logits).mean() as tf.Scalar);
}

function checkDiscriminatorLoss(fn: string, realLogits: unknown, fakeLogits: unknown, options: DiscriminatorLossOptions): Required<DiscriminatorLossOptions> {
  const o = resolveOptions(fn, DEFAULT_DISCRIMINATOR_LOSS_OPTIONS, options);
  if (!(typeof o.labelSmoothing === 'number' && o.labelSmoothing >= 0 && o.labelSmoothing < 1)) {
    throw new GenlabError(`${fn}: options.labelSmoothing must be in [0, 1), got ${describeValue(o.labelSmoothing)}`);
  }
  checkLogits(fn, 'realLogits', realLogits);
  checkLogits(fn, 'fakeLogits', fakeLogits);
  return o;
}
