/**
 * Adversarial losses that make GANs train more reliably than the original minimax loss.
 *
 * The original GAN (Goodfellow et al. 2014) minimises a Jensen–Shannon divergence; when real and
 * generated images barely overlap, its discriminator saturates and the generator's gradient
 * vanishes. The losses here replace the log loss on the discriminator's output:
 *
 *   LSGAN   (Mao et al. 2017, Eq. 2, 0-1 coding a = 0, b = c = 1):
 *     L_D = 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]          L_G = 1/2 E[(D(G(z)) - 1)^2]
 *   hinge   (Lim & Ye 2017; Miyato et al. 2018, Eq. 16-17):
 *     L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]     L_G = -E[D(G(z))]
 *   WGAN-GP (Gulrajani et al. 2017, Algorithm 1, lambda = 10):
 *     L_D = E[D(G(z))] - E[D(x)] + lambda E[(|grad_xhat D(xhat)|_2 - 1)^2],
 *     xhat = eps x + (1 - eps) G(z), eps ~ U[0, 1] per sample           L_G = -E[D(G(z))]
 *
 * Every function takes the discriminator's raw outputs (no sigmoid) and runs inside tf.tidy.
 * The discriminator losses return their named parts so they can be plotted.
 * Code vs paper: `realOutputs` is D(x), `fakeOutputs` is D(G(z)); in WGAN D is called the critic.
 * The CycleGAN reference code uses the LSGAN generator loss without the 1/2; multiply by 2 there.
 */
import * as tf from '@tensorflow/tfjs';
import { tfSeed } from '../random';
import { checkFunction, checkLogits, checkNumber, checkSameShape, checkTensor, GenlabError, resolveOptions } from '../errors';

/** The parts of a discriminator (critic) loss; `total` is what the optimizer minimises. */
export interface CriticLossParts {
  /** The whole loss. */
  total: tf.Scalar;
  /** The term on real images. */
  real: tf.Scalar;
  /** The term on generated images. */
  fake: tf.Scalar;
  /** WGAN-GP only: lambda times the gradient penalty (included in `total`). */
  penalty?: tf.Scalar;
}

export interface LsganOptions {
  /** Target b for D(real) (Mao et al. 2017 §3.2.3, 0-1 coding: 1). */
  realTarget?: number;
  /** Target a for D(fake) (0-1 coding: 0). */
  fakeTarget?: number;
  /** Target c the generator pushes D(fake) towards (0-1 coding: 1). */
  generatorTarget?: number;
}

/** Mao et al. 2017 §3.2.3: the 0-1 coding, which they find works as well as a = -1, b = 1, c = 0. */
export const DEFAULT_LSGAN_OPTIONS: Required<LsganOptions> = { realTarget: 1, fakeTarget: 0, generatorTarget: 1 };

function checkOutputs(fn: string, name: string, outputs: tf.Tensor): void {
  checkLogits(fn, name, outputs);
}

function checkTargets(fn: string, o: Required<LsganOptions>): void {
  for (const key of ['realTarget', 'fakeTarget', 'generatorTarget'] as const) checkNumber(fn, `options.${key}`, o[key]);
}

/** LSGAN discriminator loss: 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]. */
export function lsganDiscriminatorLoss(
  realOutputs: tf.Tensor,
  fakeOutputs: tf.Tensor,
  options: LsganOptions = {},
): CriticLossParts {
  checkOutputs('lsganDiscriminatorLoss', 'realOutputs', realOutputs);
  checkOutputs('lsganDiscriminatorLoss', 'fakeOutputs', fakeOutputs);
  const o = resolveOptions('lsganDiscriminatorLoss', DEFAULT_LSGAN_OPTIONS, options);
  checkTargets('lsganDiscriminatorLoss', o);
  const { realTarget, fakeTarget } = o;
  return tf.tidy(() => {
    const real = realOutputs.sub(realTarget).square().mean().mul(0.5) as tf.Scalar;
    const fake = fakeOutputs.sub(fakeTarget).square().mean().mul(0.5) as tf.Scalar;
    return { total: real.add(fake) as tf.Scalar, real, fake };
  });
}

/** LSGAN generator loss: 1/2 E[(D(G(z)) - c)^2]. */
export function lsganGeneratorLoss(fakeOutputs: tf.Tensor, options: LsganOptions = {}): tf.Scalar {
  checkOutputs('lsganGeneratorLoss', 'fakeOutputs', fakeOutputs);
  const o = resolveOptions('lsganGeneratorLoss', DEFAULT_LSGAN_OPTIONS, options);
  checkTargets('lsganGeneratorLoss', o);
  const { generatorTarget } = o;
  return tf.tidy(() => fakeOutputs.sub(generatorTarget).square().mean().mul(0.5) as tf.Scalar);
}

/** Hinge discriminator loss: E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]. */
export function hingeDiscriminatorLoss(realOutputs: tf.Tensor, fakeOutputs: tf.Tensor): CriticLossParts {
  checkOutputs('hingeDiscriminatorLoss', 'realOutputs', realOutputs);
  checkOutputs('hingeDiscriminatorLoss', 'fakeOutputs', fakeOutputs);
  return tf.tidy(() => {
    const real = tf.relu(tf.sub(1, realOutputs)).mean() as tf.Scalar;
    const fake = tf.relu(tf.add(1, fakeOutputs)).mean() as tf.Scalar;
    return { total: real.add(fake) as tf.Scalar, real, fake };
  });
}

/** Hinge generator loss: -E[D(G(z))] (the same as the Wasserstein generator loss). */
export function hingeGeneratorLoss(fakeOutputs: tf.Tensor): tf.Scalar {
  checkOutputs('hingeGeneratorLoss', 'fakeOutputs', fakeOutputs);
  return tf.tidy(() => fakeOutputs.mean().neg() as tf.Scalar);
}

/**
 * Wasserstein critic loss without the penalty: E[D(G(z))] - E[D(x)]. Its negative estimates the
 * Wasserstein-1 distance only if D is 1-Lipschitz: add `gradientPenalty` (WGAN-GP).
 */
export function wassersteinCriticLoss(realOutputs: tf.Tensor, fakeOutputs: tf.Tensor): CriticLossParts {
  checkOutputs('wassersteinCriticLoss', 'realOutputs', realOutputs);
  checkOutputs('wassersteinCriticLoss', 'fakeOutputs', fakeOutputs);
  return tf.tidy(() => {
    const real = realOutputs.mean().neg() as tf.Scalar;
    const fake = fakeOutputs.mean() as tf.Scalar;
    return { total: real.add(fake) as tf.Scalar, real, fake };
  });
}

/** Wasserstein generator loss: -E[D(G(z))]. */
export function wassersteinGeneratorLoss(fakeOutputs: tf.Tensor): tf.Scalar {
  checkOutputs('wassersteinGeneratorLoss', 'fakeOutputs', fakeOutputs);
  return tf.tidy(() => fakeOutputs.mean().neg() as tf.Scalar);
}

export interface GradientPenaltyOptions {
  /** Weight lambda of the penalty (Gulrajani et al. 2017, Algorithm 1: 10). */
  lambda?: number;
  /** Seed of the interpolation weights eps ~ U[0, 1] (one per sample). */
  seed?: number;
  /** Interpolation weights [B] to use instead of drawing them (tests, figures). */
  epsilon?: tf.Tensor1D;
}

/** Gulrajani et al. 2017: lambda = 10, also used with n_critic = 5 (see DEFAULT_WGAN_GP). */
export const DEFAULT_GRADIENT_PENALTY_OPTIONS = { lambda: 10 };

/** WGAN-GP's training constants (Gulrajani et al. 2017, Algorithm 1). */
export const DEFAULT_WGAN_GP = {
  /** Weight of the gradient penalty. */
  lambda: 10,
  /** Critic updates per generator update. */
  nCritic: 5,
  /** Adam(1e-4, beta1 = 0, beta2 = 0.9): the paper's optimizer for the penalty to work. */
  learningRate: 1e-4,
  beta1: 0,
  beta2: 0.9,
};

/**
 * The WGAN-GP gradient penalty lambda E[(|grad_xhat D(xhat)|_2 - 1)^2] on random interpolates
 * xhat = eps x + (1 - eps) x_fake. `critic` maps [B, ...] images to [B] or [B, 1] outputs.
 * Call it inside the function given to tf.variableGrads: the penalty is differentiated twice
 * (once here with tf.grad, once by the optimizer with respect to the critic's weights; the
 * second pass needs a gradient of Greater that tfjs 4.22 lacks, registered by backend/gradients.ts).
 * The critic must not use batch norm: the penalty is per sample, batch norm mixes samples.
 */
export function gradientPenalty(
  critic: (images: tf.Tensor) => tf.Tensor,
  realImages: tf.Tensor,
  fakeImages: tf.Tensor,
  options: GradientPenaltyOptions = {},
): tf.Scalar {
  const { lambda } = checkPenalty('gradientPenalty', critic, realImages, fakeImages, options);
  const batchSize = realImages.shape[0];
  return tf.tidy(() => {
    const broadcastShape = [batchSize, ...realImages.shape.slice(1).map(() => 1)];
    const epsilon = (options.epsilon ?? tf.randomUniform([batchSize], 0, 1, 'float32', options.seed === undefined ? undefined : tfSeed(options.seed))).reshape(broadcastShape);
    const interpolates = realImages.mul(epsilon).add(fakeImages.mul(tf.sub(1, epsilon))); // [B, ...]
    // Summing over the batch gives each sample's own gradient: D(xhat_i) depends on xhat_i only.
    const gradients = tf.grad((x: tf.Tensor) => critic(x).sum())(interpolates); // [B, ...]
    const axes = gradients.shape.slice(1).map((_, i) => i + 1);
    // sqrt(|g|^2 + 1e-12): the tiny constant keeps the gradient of the norm finite at g = 0.
    const norms = gradients.square().sum(axes).add(1e-12).sqrt(); // [B]
    return norms.sub(1).square().mean().mul(lambda) as tf.Scalar;
  });
}

function checkPenalty(fn: string, critic: unknown, realImages: tf.Tensor, fakeImages: tf.Tensor, options: GradientPenaltyOptions): { lambda: number } {
  checkFunction(fn, 'critic', critic);
  checkTensor(fn, 'realImages', realImages, { dtype: 'float32' });
  checkTensor(fn, 'fakeImages', fakeImages, { dtype: 'float32' });
  if (!realImages.shape.every((size, axis) => size === fakeImages.shape[axis]) || realImages.rank !== fakeImages.rank) {
    throw new GenlabError(`${fn}: realImages and fakeImages must have the same shape, got [${realImages.shape}] and [${fakeImages.shape}]`);
  }
  const o = resolveOptions(fn, DEFAULT_GRADIENT_PENALTY_OPTIONS, options, ['seed', 'epsilon']);
  checkNumber(fn, 'options.lambda', o.lambda, { min: 0 });
  if (o.seed !== undefined) checkNumber(fn, 'options.seed', o.seed);
  if (o.epsilon !== undefined) checkTensor(fn, 'options.epsilon', o.epsilon, { shape: [realImages.shape[0]], dtype: 'float32' });
  return o;
}
