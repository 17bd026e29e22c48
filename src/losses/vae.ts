/**
 * The VAE objective (Kingma & Welling 2014, "Auto-Encoding Variational Bayes", Eq. 3 and
 * Appendix B; beta from Higgins et al. 2017, "beta-VAE").
 *
 *   ELBO(x) = E_q(z|x)[ log p(x|z) ] - beta * KL( q(z|x) || p(z) ),   p(z) = N(0, I)
 *
 * All functions return per-example quantities averaged over the batch, in nats, so their values
 * read directly as "nats per image" (the unit of the MNIST literature's ELBO, e.g. -85 to -100).
 * Training minimises the loss = -ELBO.
 *
 * Common misconception (a source article writes it otherwise): per latent dimension
 *   KL( N(mu, sigma^2) || N(0, 1) ) = 0.5 * (mu^2 + sigma^2 - 1 - log sigma^2),
 * summed over latent dimensions (not averaged), which is what `klNormal` computes.
 */
import * as tf from '@tensorflow/tfjs';
import { checkNumber, checkOneOf, checkTensor, describeValue, GenlabError, resolveOptions } from '../errors';

const LOG_2PI = Math.log(2 * Math.PI);

function checkSameShape(a: tf.Tensor, b: tf.Tensor, caller: string, names: [string, string]): void {
  checkTensor(caller, names[0], a, { dtype: 'float32' });
  checkTensor(caller, names[1], b, { dtype: 'float32' });
  if (a.shape.length < 1 || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new GenlabError(`${caller}: ${names[0]} and ${names[1]} must have the same shape [B, ...], got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  }
}

/** Sums every axis but the first (the batch): [B, ...] -> [B]. */
function sumPerExample(x: tf.Tensor): tf.Tensor1D {
  const axes = x.shape.map((_, i) => i).slice(1);
  return (axes.length === 0 ? x : x.sum(axes)) as tf.Tensor1D;
}

/**
 * KL( N(mean, exp(logVar)) || N(0, I) ) in closed form, summed over latent dimensions and
 * averaged over the batch:
 *   KL = 0.5 * sum_j (mean_j^2 + exp(logVar_j) - 1 - logVar_j)
 * mean, logVar: [B, latentSize] -> scalar (nats).
 */
export function klNormal(mean: tf.Tensor, logVar: tf.Tensor): tf.Scalar {
  checkSameShape(mean, logVar, 'klNormal', ['mean', 'logVar']);
  return tf.tidy(() => {
    const perDimension = mean.square().add(logVar.exp()).sub(1).sub(logVar).mul(0.5);
    return sumPerExample(perDimension).mean() as tf.Scalar;
  });
}

/**
 * log p(targets | logits) for independent Bernoulli pixels with p = sigmoid(logits):
 *   log p = sum_i [ t_i * log sigmoid(l_i) + (1 - t_i) * log(1 - sigmoid(l_i)) ]
 *         = sum_i [ t_i * l_i - softplus(l_i) ]          (the stable form used here)
 * summed over pixels, averaged over the batch. For binarised images (targets 0 or 1) this is an
 * exact log-likelihood (<= 0). For grey targets in [0, 1] it is the cross-entropy commonly used in
 * its place, which is not a normalised density (Loaiza-Ganem & Cunningham 2019, "The continuous
 * Bernoulli"). logits, targets: [B, ...] -> scalar (nats).
 */
export function bernoulliLogLikelihood(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  checkSameShape(logits, targets, 'bernoulliLogLikelihood', ['logits', 'targets']);
  return tf.tidy(() => sumPerExample(targets.mul(logits).sub(tf.softplus(logits))).mean() as tf.Scalar);
}

/**
 * log N(targets | mean, exp(logVar)) for independent Gaussian pixels:
 *   log p = -0.5 * sum_i [ log(2 pi) + logVar_i + (t_i - mean_i)^2 / exp(logVar_i) ]
 * summed over pixels, averaged over the batch. `logVar` is a tensor of the same shape or a
 * number (a fixed variance shared by every pixel; default 0, i.e. variance 1).
 * mean, targets: [B, ...] -> scalar (nats).
 */
export function gaussianLogLikelihood(mean: tf.Tensor, targets: tf.Tensor, logVar: tf.Tensor | number = 0): tf.Scalar {
  checkSameShape(mean, targets, 'gaussianLogLikelihood', ['mean', 'targets']);
  if (logVar instanceof tf.Tensor) checkSameShape(mean, logVar, 'gaussianLogLikelihood', ['mean', 'logVar']);
  else checkNumber('gaussianLogLikelihood', 'logVar', logVar);
  return tf.tidy(() => {
    const variance = logVar instanceof tf.Tensor ? logVar : tf.fill(mean.shape, logVar);
    const perPixel = targets.sub(mean).square().div(variance.exp()).add(variance).add(LOG_2PI).mul(-0.5);
    return sumPerExample(perPixel).mean() as tf.Scalar;
  });
}

export interface ElboOptions {
  /**
   * Weight of the KL term (default 1 = the ELBO of Kingma & Welling 2014). beta > 1 trades
   * reconstruction for a latent space closer to the prior (Higgins et al. 2017); only beta = 1 is
   * a bound on log p(x).
   */
  beta?: number;
  /** Likelihood of the decoder output (default 'bernoulli': the decoder gives logits). */
  likelihood?: 'bernoulli' | 'gaussian';
}

export const DEFAULT_ELBO_OPTIONS: Required<ElboOptions> = { beta: 1, likelihood: 'bernoulli' };

/** The ELBO's named parts, each a scalar in nats per image. */
export interface ElboParts {
  /** The loss to minimise: -(reconstruction - beta * kl). */
  total: tf.Scalar;
  /** E_q[log p(x|z)] estimated with the sampled z (one sample per image). */
  reconstruction: tf.Scalar;
  /** KL(q(z|x) || N(0, I)), closed form. */
  kl: tf.Scalar;
}

/**
 * The negative ELBO and its parts, for decoder output `decoded` (Bernoulli logits, or Gaussian
 * means with unit variance) of the images `targets`, and the encoder's `mean`, `logVar`.
 * The caller disposes the three returned scalars (or uses `total` inside optimizer.minimize).
 */
export function elbo(
  decoded: tf.Tensor,
  targets: tf.Tensor,
  mean: tf.Tensor,
  logVar: tf.Tensor,
  options: ElboOptions = {},
): ElboParts {
  const { beta, likelihood } = resolveOptions('elbo', DEFAULT_ELBO_OPTIONS, options);
  if (!(typeof beta === 'number' && Number.isFinite(beta) && beta >= 0)) throw new GenlabError(`elbo: options.beta must be a number >= 0, got ${describeValue(beta)}`);
  checkOneOf('elbo', 'options.likelihood', likelihood, ['bernoulli', 'gaussian']);
  checkSameShape(decoded, targets, 'elbo', ['decoded', 'targets']);
  checkSameShape(mean, logVar, 'elbo', ['mean', 'logVar']);
  const reconstruction =
    likelihood === 'bernoulli' ? bernoulliLogLikelihood(decoded, targets) : gaussianLogLikelihood(decoded, targets);
  const kl = klNormal(mean, logVar);
  const total = tf.tidy(() => kl.mul(beta).sub(reconstruction) as tf.Scalar);
  return { total, reconstruction, kl };
}
