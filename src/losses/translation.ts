/**
 * Losses of image-to-image translation: Pix2Pix (Isola et al. 2017) and CycleGAN (Zhu et al.
 * 2017). Every function is pure, runs inside tf.tidy and returns its named parts, so the parts
 * can be plotted separately; `total` is what the optimizer minimises.
 *
 * Pix2Pix (D outputs logits, one per patch; BCE from logits: -log sigmoid(a) = softplus(-a)):
 *   L_G = w_GAN * mean softplus(-D(x, G(x))) + lambda * mean |y - G(x)|          (Eq. 4, lambda = 100)
 *   L_D = 1/2 [ mean softplus(-D(x, y)) + mean softplus(D(x, G(x))) ]            (the paper halves D's loss, §3.3)
 *   The generator uses the non-saturating form -log D(x, G(x)) (Goodfellow et al. 2014), as the
 *   paper does. w_GAN = 0 gives the "L1 only" ablation, lambda = 0 the "cGAN only" one.
 *   ganMode 'lsgan' (the reference code's --gan_mode lsgan, Mao et al. 2017) swaps the BCE terms
 *   for squared errors on raw scores: G's term mean (D(x, G(x)) - 1)^2,
 *   L_D = 1/2 [ mean (D(x, y) - 1)^2 + mean D(x, G(x))^2 ].
 *
 * CycleGAN (least-squares adversarial terms, as in the paper's §4 and reference code):
 *   L_G = (D_B(G(a)) - 1)^2 + (D_A(F(b)) - 1)^2                                  (LSGAN, means over patches)
 *       + lambda * ( |F(G(a)) - a| + |G(F(b)) - b| )                              (Eq. 2, lambda = 10)
 *       + identityWeight * lambda * ( |G(b) - b| + |F(a) - a| )                   (§5.2, 0.5 * lambda)
 *   L_D_B = 1/2 [ (D_B(b) - 1)^2 + D_B(G(a))^2 ]   and the same for D_A.
 */
import * as tf from '@tensorflow/tfjs';
import { discriminatorLossTerms, generatorLoss } from './gan';
import { lsganDiscriminatorLoss, lsganGeneratorLoss, type CriticLossParts } from './stabilisers';
import { checkLogits, checkNumber, checkSameShape, checkTensor, GenlabError, resolveOptions } from '../errors';

/** mean |a - b| over every element (the L1 distance of the papers, averaged per pixel). */
export function meanAbsoluteError(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  checkTensor('meanAbsoluteError', 'a', a, { dtype: 'float32' });
  checkTensor('meanAbsoluteError', 'b', b, { dtype: 'float32' });
  if (!tf.util.arraysEqual(a.shape, b.shape)) {
    throw new GenlabError(`meanAbsoluteError: the two tensors must have the same shape, got [${a.shape}] and [${b.shape}]`);
  }
  return tf.tidy(() => a.sub(b).abs().mean() as tf.Scalar);
}

/** The adversarial loss: 'vanilla' = BCE on logits (the paper's), 'lsgan' = least squares (the reference code's option). */
export type Pix2PixGanMode = 'vanilla' | 'lsgan';

export interface Pix2PixLossOptions {
  /** Weight lambda of the L1 term (default 100, the paper's; 0 = "cGAN only"). */
  lambdaL1?: number;
  /** Weight of the adversarial term (default 1; 0 = "L1 only"). */
  adversarialWeight?: number;
  /** Adversarial loss (default 'vanilla', the paper's BCE; 'lsgan' as the reference code's --gan_mode lsgan). */
  ganMode?: Pix2PixGanMode;
}

export const DEFAULT_PIX2PIX_LOSS_OPTIONS: Required<Pix2PixLossOptions> = { lambdaL1: 100, adversarialWeight: 1, ganMode: 'vanilla' };

function checkGanMode(fn: string, ganMode: string): void {
  if (ganMode !== 'vanilla' && ganMode !== 'lsgan') throw new GenlabError(`${fn}: options.ganMode must be 'vanilla' or 'lsgan', got '${ganMode}'`);
}

/** Pix2Pix generator loss and its parts (the parts are unweighted; `total` is weighted). */
export interface Pix2PixGeneratorLoss {
  total: tf.Scalar;
  /** mean softplus(-D(x, G(x))) = -mean log D(x, G(x)); with ganMode 'lsgan', mean (D(x, G(x)) - 1)^2. */
  adversarial: tf.Scalar;
  /** mean |y - G(x)|. */
  l1: tf.Scalar;
}

/** L_G = adversarialWeight * adversarial + lambdaL1 * l1. */
export function pix2pixGeneratorLoss(
  fakeLogits: tf.Tensor,
  output: tf.Tensor,
  target: tf.Tensor,
  options: Pix2PixLossOptions = {},
): Pix2PixGeneratorLoss {
  const { lambdaL1, adversarialWeight, ganMode } = resolveOptions('pix2pixGeneratorLoss', DEFAULT_PIX2PIX_LOSS_OPTIONS, options);
  checkGanMode('pix2pixGeneratorLoss', ganMode);
  checkNumber('pix2pixGeneratorLoss', 'options.lambdaL1', lambdaL1, { min: 0 });
  checkNumber('pix2pixGeneratorLoss', 'options.adversarialWeight', adversarialWeight, { min: 0 });
  checkLogits('pix2pixGeneratorLoss', 'fakeLogits', fakeLogits);
  checkSameShape('pix2pixGeneratorLoss', ['output', 'target'], output, target);
  return tf.tidy(() => {
    const adversarial = ganMode === 'lsgan'
      ? leastSquaresGeneratorTerm(fakeLogits) // mean (D - 1)^2
      : generatorLoss(fakeLogits); // non-saturating: mean softplus(-logits)
    const l1 = meanAbsoluteError(output, target);
    const total = adversarial.mul(adversarialWeight).add(l1.mul(lambdaL1)) as tf.Scalar;
    return { total, adversarial, l1 };
  });
}

/**
 * Pix2Pix discriminator loss: total = (real + fake) / 2, real = mean BCE(D(x, y), 1), fake = mean
 * BCE(D(x, G(x)), 0); with ganMode 'lsgan', real = mean (D(x, y) - 1)^2 and fake = mean D(x, G(x))^2.
 */
export function pix2pixDiscriminatorLoss(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  options: Pick<Pix2PixLossOptions, 'ganMode'> = {},
): { total: tf.Scalar; real: tf.Scalar; fake: tf.Scalar } {
  const { ganMode } = resolveOptions('pix2pixDiscriminatorLoss', { ganMode: DEFAULT_PIX2PIX_LOSS_OPTIONS.ganMode }, options);
  checkGanMode('pix2pixDiscriminatorLoss', ganMode);
  checkLogits('pix2pixDiscriminatorLoss', 'realLogits', realLogits);
  checkLogits('pix2pixDiscriminatorLoss', 'fakeLogits', fakeLogits);
  return tf.tidy(() => {
    const { real, fake } = ganMode === 'lsgan'
      ? { real: leastSquaresGeneratorTerm(realLogits), fake: fakeLogits.square().mean() as tf.Scalar }
      : discriminatorLossTerms(realLogits, fakeLogits);
    return { total: real.add(fake).mul(0.5) as tf.Scalar, real, fake };
  });
}

export interface CycleGanLossOptions {
  /** lambda of the cycle-consistency term (default 10, the paper's). */
  lambdaCycle?: number;
  /** Identity weight as a fraction of lambda (default 0.5, the paper's; 0 disables). */
  identityWeight?: number;
  /** Weight of the cycle term relative to lambda, 0 for the "no cycle" ablation (default 1). */
  cycleWeight?: number;
}

export const DEFAULT_CYCLE_GAN_LOSS_OPTIONS: Required<CycleGanLossOptions> = { lambdaCycle: 10, identityWeight: 0.5, cycleWeight: 1 };

/** What the CycleGAN generator loss needs: real images, translations and the discriminators' scores. */
export interface CycleGanGeneratorTerms {
  realA: tf.Tensor;
  realB: tf.Tensor;
  /** F(G(a)) */
  reconstructedA: tf.Tensor;
  /** G(F(b)) */
  reconstructedB: tf.Tensor;
  /** D_B(G(a)): raw outputs, one per patch. */
  scoresFakeB: tf.Tensor;
  /** D_A(F(b)) */
  scoresFakeA: tf.Tensor;
  /** G(b), needed when identityWeight > 0. */
  identityB?: tf.Tensor;
  /** F(a), needed when identityWeight > 0. */
  identityA?: tf.Tensor;
}

/** The CycleGAN generator loss; the parts are unweighted means, `total` carries the weights. */
export interface CycleGanGeneratorLoss {
  total: tf.Scalar;
  /** mean (D_B(G(a)) - 1)^2 */
  adversarialAB: tf.Scalar;
  /** mean (D_A(F(b)) - 1)^2 */
  adversarialBA: tf.Scalar;
  /** mean |F(G(a)) - a| */
  cycleA: tf.Scalar;
  /** mean |G(F(b)) - b| */
  cycleB: tf.Scalar;
  /** mean |F(a) - a| (0 when the identity loss is off) */
  identityA: tf.Scalar;
  /** mean |G(b) - b| */
  identityB: tf.Scalar;
}

/**
 * mean (D(fake) - 1)^2, the reference code's least-squares generator term (an MSE). The
 * library's lsganGeneratorLoss is Mao et al.'s 1/2 E[(D(G(z)) - 1)^2], hence the factor 2.
 */
function leastSquaresGeneratorTerm(scores: tf.Tensor): tf.Scalar {
  return lsganGeneratorLoss(scores).mul(2) as tf.Scalar;
}

/**
 * L_G = adversarialAB + adversarialBA + cycleWeight * lambda * (cycleA + cycleB)
 *       + identityWeight * lambda * (identityA + identityB).
 */
export function cycleGanGeneratorLoss(terms: CycleGanGeneratorTerms, options: CycleGanLossOptions = {}): CycleGanGeneratorLoss {
  const fn = 'cycleGanGeneratorLoss';
  const { lambdaCycle, identityWeight, cycleWeight } = resolveOptions(fn, DEFAULT_CYCLE_GAN_LOSS_OPTIONS, options);
  checkNumber(fn, 'options.lambdaCycle', lambdaCycle, { min: 0 });
  checkNumber(fn, 'options.identityWeight', identityWeight, { min: 0 });
  checkNumber(fn, 'options.cycleWeight', cycleWeight, { min: 0 });
  resolveOptions(fn, {}, terms, ['realA', 'realB', 'reconstructedA', 'reconstructedB', 'scoresFakeB', 'scoresFakeA', 'identityB', 'identityA'], 'terms');
  if (terms === null || typeof terms !== 'object') throw new GenlabError(`${fn}: terms must be an object of tensors, got ${terms}`);
  checkSameShape(fn, ['terms.reconstructedA', 'terms.realA'], terms.reconstructedA, terms.realA);
  checkSameShape(fn, ['terms.reconstructedB', 'terms.realB'], terms.reconstructedB, terms.realB);
  checkLogits(fn, 'terms.scoresFakeB', terms.scoresFakeB);
  checkLogits(fn, 'terms.scoresFakeA', terms.scoresFakeA);
  if (terms.identityA !== undefined) checkSameShape(fn, ['terms.identityA', 'terms.realA'], terms.identityA, terms.realA);
  if (terms.identityB !== undefined) checkSameShape(fn, ['terms.identityB', 'terms.realB'], terms.identityB, terms.realB);
  if (identityWeight > 0 && (!terms.identityA || !terms.identityB)) {
    throw new GenlabError(`cycleGanGeneratorLoss: identityWeight is ${identityWeight}, so terms.identityA and terms.identityB are needed`);
  }
  return tf.tidy(() => {
    const adversarialAB = leastSquaresGeneratorTerm(terms.scoresFakeB);
    const adversarialBA = leastSquaresGeneratorTerm(terms.scoresFakeA);
    const cycleA = meanAbsoluteError(terms.reconstructedA, terms.realA);
    const cycleB = meanAbsoluteError(terms.reconstructedB, terms.realB);
    const identityA = terms.identityA ? meanAbsoluteError(terms.identityA, terms.realA) : tf.scalar(0);
    const identityB = terms.identityB ? meanAbsoluteError(terms.identityB, terms.realB) : tf.scalar(0);
    const total = adversarialAB
      .add(adversarialBA)
      .add(cycleA.add(cycleB).mul(cycleWeight * lambdaCycle))
      .add(identityA.add(identityB).mul(identityWeight * lambdaCycle)) as tf.Scalar;
    return { total, adversarialAB, adversarialBA, cycleA, cycleB, identityA, identityB };
  });
}

/**
 * LSGAN loss of one CycleGAN discriminator: total = ((D(real) - 1)^2 + D(fake)^2) / 2, as in
 * the reference code (Mao et al.'s Eq. 2 with the 0-1 coding; `real` and `fake` include the 1/2).
 */
export function cycleGanDiscriminatorLoss(realScores: tf.Tensor, fakeScores: tf.Tensor): CriticLossParts {
  checkLogits('cycleGanDiscriminatorLoss', 'realScores', realScores);
  checkLogits('cycleGanDiscriminatorLoss', 'fakeScores', fakeScores);
  return lsganDiscriminatorLoss(realScores, fakeScores);
}
