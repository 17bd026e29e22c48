/**
 * One GAN, five adversarial losses: the phases of the shared adversarial trainer for each of
 *
 *   'minimax'         L_D = BCE(D(x), 1) + BCE(D(G(z)), 0),   L_G = log(1 - D(G(z)))  (Goodfellow et al. 2014, Eq. 1)
 *   'non-saturating'  the same L_D,                          L_G = -log D(G(z))      (ibid. §3)
 *   'lsgan'           1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2,         1/2 (D(G(z)) - 1)^2    (Mao et al. 2017, Eq. 2)
 *   'hinge'           max(0, 1 - D(x)) + max(0, 1 + D(G(z))),   -D(G(z))               (Miyato et al. 2018, Eq. 16-17)
 *   'wgan-gp'         D(G(z)) - D(x) + 10 (|grad D(xhat)| - 1)^2,  -D(G(z))             (Gulrajani et al. 2017, Alg. 1)
 *
 * (every term a mean over the batch), so that a comparison changes nothing but the loss. The
 * D phase trains the discriminator only, the G phase the generator only (their own varLists and
 * Adam optimizers). WGAN-GP uses the paper's n_critic = 5 and Adam(1e-4, 0, 0.9), and its critic
 * must have no batch norm (build D with discriminatorNorm 'none' or 'spectral').
 * An optional EMA copy of G is updated after every G step (see ./ema.ts).
 *
 * InfoGAN (Chen et al. 2016, Eq. 5): with a generator from `models.buildInfoDcganGenerator`
 * (inputs [z, onehot(c)], c uniform over K categories) and a discriminator from
 * `models.buildInfoDcganDiscriminator` (outputs [logit, Q's code logits]), both losses gain
 *   lambda_I * CE(Q(G(z, c)), c)
 * - the variational lower bound on the mutual information I(c; G(z, c)), up to the constant
 * H(c) - minimised by D's phase (which trains Q, sharing D's convolutions) and by G's. No labels.
 *
 * History per step: dLoss, gLoss, dReal = mean D(x), dFake = mean D(G(z)) (raw outputs), and
 * for WGAN-GP the penalty; for InfoGAN dInfo and gInfo, the code cross-entropy of each phase
 * (ln K = 2.30 nats for K = 10 when Q guesses, 0 when it reads every code).
 */
import * as tf from '@tensorflow/tfjs';
import { discriminatorLossTerms, generatorLoss } from '../losses/gan';
import {
  DEFAULT_WGAN_GP,
  gradientPenalty,
  hingeDiscriminatorLoss,
  hingeGeneratorLoss,
  lsganDiscriminatorLoss,
  lsganGeneratorLoss,
  wassersteinCriticLoss,
  wassersteinGeneratorLoss,
} from '../losses/stabilisers';
import { AdversarialTrainer, type StepContext, type PhaseOutputs } from './adversarial';
import { batchSampler } from './batches';
import { DEFAULT_EMA_OPTIONS, copyWeights, updateEma } from './ema';
import { isInfoGenerator } from '../models/dcgan';
import type { GanBatch } from './gan';
import { checkGanData } from './gan-data';
import { checkAdamOptions, checkModel, checkNumber, checkPositiveInteger, fail, GenlabError, resolveOptions } from '../errors';

/** The adversarial losses compared in lesson 06. */
export const ADVERSARIAL_LOSSES = ['minimax', 'non-saturating', 'lsgan', 'hinge', 'wgan-gp'] as const;
export type AdversarialLossName = (typeof ADVERSARIAL_LOSSES)[number];

export interface LossVariantTrainerOptions {
  generator: tf.LayersModel;
  discriminator: tf.LayersModel;
  /** Real images [N, H, W, C] in G's output range ([-1, 1] for tanh). */
  data: tf.Tensor;
  /** int32 [N] labels of `data`: required for a conditional generator (inputs [z, onehot]). */
  labels?: tf.Tensor1D;
  /** Which adversarial loss (default 'non-saturating'). */
  loss?: AdversarialLossName;
  /**
   * Images per batch (default 32: the dcgan-steps experiment measured nearly the same quality per
   * step as with 64, at half the time per step; Radford et al. 2015 use 128).
   */
  batchSize?: number;
  /** Critic updates per G update (default 1; 'wgan-gp' defaults to n_critic = 5). */
  discriminatorSteps?: number;
  /**
   * Adam learning rate (default 4e-4: ahead of Radford et al.'s 2e-4 at every check of the
   * dcgan-steps experiment's quality-against-steps runs; 'wgan-gp' defaults to 1e-4).
   */
  learningRate?: number;
  /** D's own learning rate, overriding `learningRate` (two time-scale update rule, TTUR: Heusel et al. 2017 use D faster than G). */
  discriminatorLearningRate?: number;
  /** G's own learning rate, overriding `learningRate`. */
  generatorLearningRate?: number;
  /**
   * Learning rate of both networks as a function of the step, overriding the constant rates
   * (default: constant). E.g. `train.linearDecay(4e-4, steps)`: constant, then linearly down
   * over the second half, as lesson 02's ring recipe.
   */
  learningRateSchedule?: (step: number) => number;
  /** Adam beta1 (default 0.5, Radford et al. 2015; 'wgan-gp' defaults to 0). */
  beta1?: number;
  /** Adam beta2 (default 0.999; 'wgan-gp' defaults to 0.9). */
  beta2?: number;
  /** One-sided label smoothing s of the BCE losses: real targets 1 - s (default 0; Salimans et al. 2016 use 0.1). */
  labelSmoothing?: number;
  /** Gradient-penalty weight lambda for 'wgan-gp' (default 10). */
  lambda?: number;
  /** A second generator (same builder): set to G's weights now, then an exponential moving average of G. */
  emaGenerator?: tf.LayersModel;
  /** EMA decay (default 0.999). */
  emaDecay?: number;
  /** Seed of batches and noise (default 0). */
  seed?: number;
  /**
   * Labels of the fake images of a conditional GAN: 'uniform' (default: every class equally
   * often) or 'data' (the labels of the step's real batch, so fake labels follow the training
   * set's label frequencies; for clusters of unequal size, as in a self-conditioned GAN,
   * Liu et al. 2020).
   */
  fakeLabels?: 'uniform' | 'data';
  /** InfoGAN's lambda_I, the weight of the code cross-entropy (default 1: Chen et al. 2016 use 1 for discrete codes). */
  informationWeight?: number;
}

export const DEFAULT_LOSS_VARIANT_TRAINER_OPTIONS = {
  loss: 'non-saturating' as AdversarialLossName,
  batchSize: 32,
  discriminatorSteps: 1,
  learningRate: 4e-4,
  beta1: 0.5,
  beta2: 0.999,
  labelSmoothing: 0,
  emaDecay: DEFAULT_EMA_OPTIONS.decay,
  seed: 0,
  informationWeight: 1,
  fakeLabels: 'uniform' as 'uniform' | 'data',
};

/** Options of createLossVariantTrainer that have no default. */
const LOSS_VARIANT_TRAINER_KEYS = ['generator', 'discriminator', 'data', 'labels', 'discriminatorLearningRate', 'generatorLearningRate', 'learningRateSchedule', 'emaGenerator'];

/** The trainer of `generator` and `discriminator` with the chosen adversarial loss. */
export function createLossVariantTrainer(options: LossVariantTrainerOptions): AdversarialTrainer<GanBatch> {
  if (options === null || typeof options !== 'object') fail('createLossVariantTrainer', 'options', 'an object with at least generator, discriminator and data', options);
  const loss = options.loss ?? DEFAULT_LOSS_VARIANT_TRAINER_OPTIONS.loss;
  if (!(ADVERSARIAL_LOSSES as readonly string[]).includes(loss)) {
    throw new GenlabError(`createLossVariantTrainer: options.loss must be one of ${ADVERSARIAL_LOSSES.join(', ')}, got '${loss}'`);
  }
  const wgan = loss === 'wgan-gp';
  const defaults = {
    ...DEFAULT_LOSS_VARIANT_TRAINER_OPTIONS,
    ...(wgan ? { discriminatorSteps: DEFAULT_WGAN_GP.nCritic, learningRate: DEFAULT_WGAN_GP.learningRate, beta1: DEFAULT_WGAN_GP.beta1, beta2: DEFAULT_WGAN_GP.beta2 } : {}),
    lambda: DEFAULT_WGAN_GP.lambda,
  };
  const o = resolveOptions('createLossVariantTrainer', defaults, options, LOSS_VARIANT_TRAINER_KEYS);
  const fn = 'createLossVariantTrainer';
  const generator = checkModel(fn, 'options.generator', o.generator);
  const discriminator = checkModel(fn, 'options.discriminator', o.discriminator);
  if (o.emaGenerator !== undefined) checkModel(fn, 'options.emaGenerator', o.emaGenerator);
  checkAdamOptions(fn, o);
  checkPositiveInteger(fn, 'options.batchSize', o.batchSize);
  checkPositiveInteger(fn, 'options.discriminatorSteps', o.discriminatorSteps);
  checkNumber(fn, 'options.labelSmoothing', o.labelSmoothing, { min: 0, below: 1 });
  checkNumber(fn, 'options.lambda', o.lambda, { min: 0 });
  checkNumber(fn, 'options.emaDecay', o.emaDecay, { min: 0, max: 1 });
  checkNumber(fn, 'options.seed', o.seed);
  if (!(o.data instanceof tf.Tensor)) throw new GenlabError(`createLossVariantTrainer: options.data must be a tensor of real images, got ${typeof o.data}`);
  checkGanData(fn, generator, discriminator, o.data, isInfoGenerator(generator) ? undefined : o.labels);
  const { batchSize } = o;
  const info = isInfoGenerator(generator);
  const conditional = generator.inputs.length === 2 && !info;
  if (info && discriminator.outputs.length !== 2) {
    throw new GenlabError(`createLossVariantTrainer: an InfoGAN generator (inputs [z, code]) needs a discriminator with outputs [logit, code logits] (models.buildInfoDcganDiscriminator), got ${discriminator.outputs.length} output(s)`);
  }
  if (!info && discriminator.outputs.length !== 1) {
    throw new GenlabError(`createLossVariantTrainer: the discriminator must have one output (a logit) unless the generator is an InfoGAN one, got ${discriminator.outputs.length} outputs`);
  }
  if (info && loss === 'wgan-gp') throw new GenlabError("createLossVariantTrainer: InfoGAN's code term is implemented for the BCE, LSGAN and hinge losses, got loss 'wgan-gp'");
  const informationWeight = options.informationWeight ?? DEFAULT_LOSS_VARIANT_TRAINER_OPTIONS.informationWeight;
  if (!(informationWeight >= 0)) throw new GenlabError(`createLossVariantTrainer: options.informationWeight must be >= 0, got ${informationWeight}`);
  const fakeLabelSource = options.fakeLabels ?? DEFAULT_LOSS_VARIANT_TRAINER_OPTIONS.fakeLabels;
  if (fakeLabelSource !== 'uniform' && fakeLabelSource !== 'data') {
    throw new GenlabError(`createLossVariantTrainer: options.fakeLabels must be 'uniform' or 'data', got '${fakeLabelSource}'`);
  }
  if (fakeLabelSource === 'data' && !conditional) throw new GenlabError("createLossVariantTrainer: options.fakeLabels 'data' needs a conditional generator and options.labels");
  if (conditional && (discriminator.inputs.length !== 2 || !(o.labels instanceof tf.Tensor))) {
    throw new GenlabError('createLossVariantTrainer: a conditional generator needs a conditional discriminator and options.labels (int32 [N])');
  }
  if (wgan && discriminator.layers.some((layer) => layer.getClassName() === 'BatchNormalization')) {
    throw new GenlabError("createLossVariantTrainer: the WGAN-GP critic must not use batch norm (build it with discriminatorNorm: 'none' or 'spectral')");
  }
  if (o.labelSmoothing !== 0 && loss !== 'minimax' && loss !== 'non-saturating') {
    throw new GenlabError(`createLossVariantTrainer: options.labelSmoothing applies to the BCE losses (minimax, non-saturating), got loss '${loss}'`);
  }
  if (o.learningRateSchedule !== undefined && typeof o.learningRateSchedule !== 'function') {
    throw new GenlabError(`createLossVariantTrainer: options.learningRateSchedule must be a function of the step, e.g. train.linearDecay(4e-4, steps), got ${typeof o.learningRateSchedule}`);
  }
  if (!(o.data instanceof tf.Tensor)) throw new GenlabError(`createLossVariantTrainer: options.data must be a tensor of real images, got ${typeof o.data}`);
  const latentSize = generator.inputs[0].shape[1] as number;
  const numClasses = conditional || info ? (generator.inputs[1].shape[1] as number) : 0;
  const batch = (conditional
    ? batchSampler({ real: o.data, labels: o.labels as tf.Tensor1D }, { batchSize, seed: o.seed })
    : batchSampler({ real: o.data }, { batchSize, seed: o.seed })) as (index: number) => GanBatch;

  const fakes = (n: number, context: StepContext, batchLabels?: tf.Tensor1D): { fake: tf.Tensor; fakeLabels?: tf.Tensor } => {
    const z = context.randomNormal([n, latentSize]); //                                        [B, latent]
    if (!conditional && !info) return { fake: generator.apply(z, { training: true }) as tf.Tensor }; // [B, H, W, C]
    // a label (conditional: uniform, or the real batch's) or InfoGAN's code c, uniform over the K categories
    const drawn = fakeLabelSource === 'data' ? batchLabels!.slice(0, n) : context.randomLabels(n, numClasses); // [B]
    const fakeLabels = tf.oneHot(drawn, numClasses).cast('float32'); //                         [B, K]
    return { fake: generator.apply([z, fakeLabels], { training: true }) as tf.Tensor, fakeLabels };
  };
  /** D's logit [B, 1] and, for InfoGAN, Q's code logits [B, K]. */
  const judge = (images: tf.Tensor, labels?: tf.Tensor): { logit: tf.Tensor; codeLogits?: tf.Tensor } => {
    if (info) {
      const [logit, codeLogits] = discriminator.apply(images, { training: true }) as tf.Tensor[];
      return { logit, codeLogits };
    }
    const inputs = conditional ? [images, labels!] : images;
    return { logit: discriminator.apply(inputs, { training: true }) as tf.Tensor };
  };
  /** For InfoGAN, adds lambda_I * CE(Q(G(z, c)), c) to a phase's loss, recording the CE as `name`. */
  const withInformation = (outputs: PhaseOutputs, name: 'dInfo' | 'gInfo', fake: { codeLogits?: tf.Tensor }, codes?: tf.Tensor): PhaseOutputs => {
    if (!info) return outputs;
    const crossEntropy = tf.losses.softmaxCrossEntropy(codes!, fake.codeLogits!) as tf.Scalar;
    return { ...outputs, loss: outputs.loss.add(crossEntropy.mul(informationWeight)) as tf.Scalar, [name]: crossEntropy };
  };

  const discriminatorPhase = (real: tf.Tensor, labels: tf.Tensor1D | undefined, context: StepContext): PhaseOutputs => {
    const realLabels = conditional ? tf.oneHot(labels!, numClasses).cast('float32') : undefined;
    const { fake, fakeLabels } = fakes(real.shape[0], context, labels);
    const realOutputs = judge(real, realLabels).logit;
    const fakeJudged = judge(fake, fakeLabels);
    const fakeOutputs = fakeJudged.logit;
    const recorded = { dReal: realOutputs.mean() as tf.Scalar, dFake: fakeOutputs.mean() as tf.Scalar };
    if (loss === 'wgan-gp') {
      // The penalty on interpolates between real and fake images of the same labels.
      const critic = (images: tf.Tensor) => judge(images, realLabels).logit;
      const fakeForPenalty = conditional ? (generator.apply([context.randomNormal([real.shape[0], latentSize]), realLabels!], { training: true }) as tf.Tensor) : fake;
      const penalty = gradientPenalty(critic, real, fakeForPenalty, { lambda: o.lambda, epsilon: context.randomUniform([real.shape[0]]) as tf.Tensor1D });
      return { loss: wassersteinCriticLoss(realOutputs, fakeOutputs).total.add(penalty) as tf.Scalar, penalty, ...recorded };
    }
    const adversarial =
      loss === 'lsgan' ? lsganDiscriminatorLoss(realOutputs, fakeOutputs).total
      : loss === 'hinge' ? hingeDiscriminatorLoss(realOutputs, fakeOutputs).total
      : discriminatorLossTerms(realOutputs, fakeOutputs, { labelSmoothing: o.labelSmoothing }).total; // minimax and non-saturating share L_D
    return withInformation({ loss: adversarial, ...recorded }, 'dInfo', fakeJudged, fakeLabels);
  };

  const generatorPhase = (labels: tf.Tensor1D | undefined, context: StepContext): PhaseOutputs => {
    const { fake, fakeLabels } = fakes(batchSize, context, labels);
    const fakeJudged = judge(fake, fakeLabels);
    const fakeOutputs = fakeJudged.logit;
    const adversarial =
      loss === 'minimax' || loss === 'non-saturating' ? generatorLoss(fakeOutputs, { form: loss })
      : loss === 'lsgan' ? lsganGeneratorLoss(fakeOutputs)
      : loss === 'hinge' ? hingeGeneratorLoss(fakeOutputs)
      : wassersteinGeneratorLoss(fakeOutputs);
    return withInformation({ loss: adversarial }, 'gInfo', fakeJudged, fakeLabels);
  };

  const emaGenerator = o.emaGenerator;
  if (emaGenerator) copyWeights(emaGenerator, generator); // the average starts at G's initial weights
  return new AdversarialTrainer<GanBatch>({
    networks: emaGenerator ? { generator, discriminator, emaGenerator } : { generator, discriminator },
    seed: o.seed,
    batch,
    phases: [
      {
        name: 'd',
        trains: ['discriminator'],
        optimizer: tf.train.adam(o.discriminatorLearningRate ?? o.learningRate, o.beta1, o.beta2),
        repeats: o.discriminatorSteps,
        learningRate: o.learningRateSchedule,
        loss: ({ real, labels }, context) => discriminatorPhase(real, labels, context),
      },
      {
        name: 'g',
        trains: ['generator'],
        optimizer: tf.train.adam(o.generatorLearningRate ?? o.learningRate, o.beta1, o.beta2),
        learningRate: o.learningRateSchedule,
        loss: ({ labels }, context) => generatorPhase(labels, context),
        afterUpdate: emaGenerator ? () => updateEma(emaGenerator, generator, { decay: o.emaDecay }) : undefined,
      },
    ],
  });
}
