/**
 * The adversarial losses of the course, one entry each: what the discriminator (the critic, for
 * WGAN-GP) minimises, what the generator minimises, how D's outputs read as "who is winning",
 * and the training settings the loss's paper uses. `train.createGanTrainer({ loss: name })`
 * looks the entry up and does nothing else per loss, so adding a loss is adding one entry here.
 *
 *   'minimax'         L_D = BCE(D(x), 1) + BCE(D(G(z)), 0),    L_G = log(1 - D(G(z)))  (Goodfellow et al. 2014, Eq. 1)
 *   'non-saturating'  the same L_D,                           L_G = -log D(G(z))      (ibid. §3)
 *   'lsgan'           1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2,         1/2 (D(G(z)) - 1)^2    (Mao et al. 2017, Eq. 2)
 *   'hinge'           max(0, 1 - D(x)) + max(0, 1 + D(G(z))),   -D(G(z))               (Miyato et al. 2018, Eq. 16-17)
 *   'wgan-gp'         D(G(z)) - D(x) + lambda (|grad D(xhat)| - 1)^2,   -D(G(z))       (Gulrajani et al. 2017, Alg. 1)
 *
 * Every term is a mean over the batch; D's outputs are raw (logits for the BCE losses). The
 * functions themselves live in ./gan.ts (BCE) and ./stabilisers.ts (the others).
 */
import * as tf from '@tensorflow/tfjs';
import { discriminatorLossTerms, generatorLoss } from './gan';
import {
  DEFAULT_WGAN_GP,
  hingeDiscriminatorLoss,
  hingeGeneratorLoss,
  lsganDiscriminatorLoss,
  lsganGeneratorLoss,
  wassersteinCriticLoss,
  wassersteinGeneratorLoss,
} from './stabilisers';

/** What a discriminator loss receives from the trainer. */
export interface DiscriminatorLossInputs {
  /** D(x): D's raw outputs on real samples, [B, 1]. */
  realOutputs: tf.Tensor;
  /** D(G(z)): D's raw outputs on generated samples, [B, 1]. */
  fakeOutputs: tf.Tensor;
  /** One-sided label smoothing s (real targets 1 - s), for the losses that accept it. */
  labelSmoothing: number;
  /**
   * lambda E[(|grad_xhat D(xhat)|_2 - 1)^2] on interpolates between this batch's real and
   * generated samples: computed (and its noise drawn) only when a loss calls it.
   */
  gradientPenalty(): tf.Scalar;
}

/** A discriminator loss: `total` is minimised; the other scalars are recorded in the history. */
export type DiscriminatorLossResult = { total: tf.Scalar } & Record<string, tf.Scalar>;

/** The settings a loss is trained with in its paper (the trainer's options still win). */
export interface AdversarialLossDefaults {
  /** Critic updates per generator update (n_critic). */
  discriminatorSteps?: number;
  /** Adam's learning rate. */
  learningRate?: number;
  /** Adam's beta1. */
  beta1?: number;
  /** Adam's beta2. */
  beta2?: number;
  /** Weight lambda of the gradient penalty; only a loss that has this default takes `lambda`. */
  lambda?: number;
}

/** One adversarial loss. */
export interface AdversarialLoss {
  /** The paper and equation, for the trainer's documentation and errors. */
  source: string;
  /** L_D, from D's outputs on a real and a generated batch. */
  discriminatorLoss(inputs: DiscriminatorLossInputs): DiscriminatorLossResult;
  /** L_G, from D's outputs on a generated batch. */
  generatorLoss(fakeOutputs: tf.Tensor): tf.Scalar;
  /**
   * How the history reports D's outputs as dReal and dFake: 'probability', the mean of
   * sigmoid(D) (D's outputs are logits of "real"; 1/2 at the equilibrium), or 'raw', their mean
   * (a score with no probability reading).
   */
  report: 'probability' | 'raw';
  /** Settings from the loss's paper, over the trainer's defaults. */
  defaults: AdversarialLossDefaults;
  /** One-sided label smoothing applies (the BCE losses). */
  labelSmoothing: boolean;
  /** InfoGAN's code term may be added to both losses. */
  informationTerm: boolean;
  /** D may use batch norm (a per-sample gradient penalty may not: batch norm mixes samples). */
  batchNorm: boolean;
}

const bceDiscriminator = ({ realOutputs, fakeOutputs, labelSmoothing }: DiscriminatorLossInputs): DiscriminatorLossResult => ({
  total: discriminatorLossTerms(realOutputs, fakeOutputs, { labelSmoothing }).total,
});

/** The adversarial losses by name (the order is the order of lesson 06's comparison). */
export const ADVERSARIAL_LOSSES = {
  minimax: {
    source: 'Goodfellow et al. 2014, Eq. 1',
    discriminatorLoss: bceDiscriminator,
    generatorLoss: (fakeOutputs) => generatorLoss(fakeOutputs, { form: 'minimax' }),
    report: 'probability',
    defaults: {},
    labelSmoothing: true,
    informationTerm: true,
    batchNorm: true,
  },
  'non-saturating': {
    source: 'Goodfellow et al. 2014, §3',
    discriminatorLoss: bceDiscriminator,
    generatorLoss: (fakeOutputs) => generatorLoss(fakeOutputs, { form: 'non-saturating' }),
    report: 'probability',
    defaults: {},
    labelSmoothing: true,
    informationTerm: true,
    batchNorm: true,
  },
  lsgan: {
    source: 'Mao et al. 2017, Eq. 2 (0-1 coding)',
    discriminatorLoss: ({ realOutputs, fakeOutputs }) => ({ total: lsganDiscriminatorLoss(realOutputs, fakeOutputs).total }),
    generatorLoss: (fakeOutputs) => lsganGeneratorLoss(fakeOutputs),
    report: 'raw',
    defaults: {},
    labelSmoothing: false,
    informationTerm: true,
    batchNorm: true,
  },
  hinge: {
    source: 'Lim & Ye 2017; Miyato et al. 2018, Eq. 16-17',
    discriminatorLoss: ({ realOutputs, fakeOutputs }) => ({ total: hingeDiscriminatorLoss(realOutputs, fakeOutputs).total }),
    generatorLoss: (fakeOutputs) => hingeGeneratorLoss(fakeOutputs),
    report: 'raw',
    defaults: {},
    labelSmoothing: false,
    informationTerm: true,
    batchNorm: true,
  },
  'wgan-gp': {
    source: 'Gulrajani et al. 2017, Algorithm 1',
    discriminatorLoss: ({ realOutputs, fakeOutputs, gradientPenalty }) => {
      const penalty = gradientPenalty();
      return { total: wassersteinCriticLoss(realOutputs, fakeOutputs).total.add(penalty) as tf.Scalar, penalty };
    },
    generatorLoss: (fakeOutputs) => wassersteinGeneratorLoss(fakeOutputs),
    report: 'raw',
    // n_critic = 5, Adam(1e-4, beta1 = 0, beta2 = 0.9), lambda = 10: the paper's Algorithm 1.
    defaults: { discriminatorSteps: DEFAULT_WGAN_GP.nCritic, learningRate: DEFAULT_WGAN_GP.learningRate, beta1: DEFAULT_WGAN_GP.beta1, beta2: DEFAULT_WGAN_GP.beta2, lambda: DEFAULT_WGAN_GP.lambda },
    labelSmoothing: false,
    informationTerm: false, // the code term is implemented for the losses without a penalty
    batchNorm: false,
  },
} satisfies Record<string, AdversarialLoss>;

/** The name of an entry of ADVERSARIAL_LOSSES. */
export type AdversarialLossName = keyof typeof ADVERSARIAL_LOSSES;

/** The names of the adversarial losses, in the table's order. */
export const ADVERSARIAL_LOSS_NAMES = Object.keys(ADVERSARIAL_LOSSES) as AdversarialLossName[];
