/**
 * The GAN trainer of the course (Goodfellow et al., 2014, Algorithm 1), for every GAN that has
 * one generator and one discriminator: the toy 2-D GAN and the MLP GAN (lesson 02), the
 * conditional GAN (03), DCGAN (05) and its stabilised variants (06). Per step, k discriminator
 * updates, then one generator update, each with its own Adam optimizer and only its own
 * network's weights in the update:
 *
 *   discriminatorStep:  minimise L_D(D(x), D(G(z)))     varList: D's weights only   (repeats k)
 *   generatorStep:      minimise L_G(D(G(z)))           varList: G's weights only
 *
 * L_D and L_G come from one entry of `losses.ADVERSARIAL_LOSSES`, chosen by `loss` (default
 * 'non-saturating'); the entry also gives its paper's settings (WGAN-GP: n_critic 5,
 * Adam(1e-4, 0, 0.9), lambda 10), which explicit options override. A lesson can call the two
 * step functions one at a time; `run` calls them for every step.
 *
 * Conditional GAN: a generator with inputs [z, onehot(y)] (and a discriminator with inputs
 * [image, onehot(y)]) is trained on `labels`; the fakes' labels are uniform, or the real batch's
 * (`fakeLabels: 'data'`).
 * InfoGAN (Chen et al. 2016, Eq. 5): a generator from `models.buildInfoDcganGenerator` (inputs
 * [z, onehot(c)], c uniform over K categories) and a discriminator with outputs [logit, Q's code
 * logits]: both losses gain lambda_I * CE(Q(G(z, c)), c), the variational lower bound on the
 * mutual information I(c; G(z, c)) up to the constant H(c). No labels.
 * An optional EMA copy of G (./ema.ts) is updated after every G update, for sampling.
 *
 * History per step: dLoss, gLoss, dReal and dFake (D's outputs on real and generated samples as
 * the loss reports them: mean sigmoid for the BCE losses, the raw mean for the others), and the
 * loss's own parts (WGAN-GP: penalty); for InfoGAN dInfo and gInfo, the code cross-entropy of
 * each update (ln K = 2.30 nats for K = 10 when Q guesses, 0 when it reads every code).
 */
import * as tf from '@tensorflow/tfjs';
import { ADVERSARIAL_LOSSES, ADVERSARIAL_LOSS_NAMES, type AdversarialLoss, type AdversarialLossName } from '../losses/adversarial';
import { meanProbability } from '../losses/gan';
import { gradientPenalty } from '../losses/stabilisers';
import { TwoPlayerTrainer, type Phase, type PhaseOutputs, type StepContext } from './phased';
import { batchSampler } from './batches';
import { DEFAULT_EMA_OPTIONS, copyWeights, updateEma } from './ema';
import { checkGanData } from './gan-data';
import type { LearningRateSchedule } from './schedules';
import { isInfoGenerator } from '../models/dcgan';
import { checkAdamOptions, checkModel, checkNumber, checkOneOf, checkPositiveInteger, fail, GenlabError, resolveOptions } from '../errors';

/** A batch of real data: samples in G's output range and, for a conditional GAN, their labels. */
export interface GanBatch extends tf.TensorContainerObject {
  real: tf.Tensor;
  labels?: tf.Tensor1D;
}

export interface GanTrainerOptions {
  generator: tf.LayersModel;
  discriminator: tf.LayersModel;
  /**
   * Real data: a tensor [N, ...] of samples in G's output range ([-1, 1] images for a tanh G),
   * or a function of the batch index returning a batch of real samples (e.g. fresh ring points).
   */
  data: tf.Tensor | ((index: number) => tf.Tensor);
  /** int32 [N] labels of `data`: required for a conditional generator (inputs [z, onehot]). */
  labels?: tf.Tensor1D;
  /** The adversarial loss, a name of `losses.ADVERSARIAL_LOSSES` (default 'non-saturating', Goodfellow et al., 2014, §3). */
  loss?: AdversarialLossName;
  /**
   * Samples per batch (default 32: the dcgan-steps experiment measured nearly the same DCGAN
   * quality per step as with 64, at half the time per step; Radford et al., 2015 use 128).
   */
  batchSize?: number;
  /** k: discriminator updates per generator update (default 1, Goodfellow et al., 2014 §4; 'wgan-gp': n_critic = 5). */
  discriminatorSteps?: number;
  /**
   * Adam learning rate of both networks (default 4e-4: ahead of Radford et al.'s 2e-4 at every
   * check of the dcgan-steps experiment's quality-against-steps runs; 'wgan-gp': 1e-4).
   */
  learningRate?: number;
  /** D's own learning rate, overriding `learningRate` (two time-scale update rule, TTUR: Heusel et al., 2017 train D faster than G). */
  discriminatorLearningRate?: number;
  /** G's own learning rate, overriding `learningRate`. */
  generatorLearningRate?: number;
  /**
   * Learning rate of both networks as a function of the step, overriding the constant rates
   * (default: constant). E.g. `train.linearDecay({ learningRate: 4e-3, steps })`: constant, then
   * linearly down over the second half, lesson 02's ring recipe.
   */
  learningRateSchedule?: LearningRateSchedule;
  /** Adam beta1 (default 0.5, Radford et al., 2015 §4: 0.9 oscillated; 'wgan-gp': 0). */
  beta1?: number;
  /** Adam beta2 (default 0.999, Kingma & Ba, 2015, kept by Radford et al., 2015; 'wgan-gp': 0.9). */
  beta2?: number;
  /** One-sided label smoothing s of the BCE losses: real targets 1 - s (default 0; Salimans et al., 2016 use 0.1). */
  labelSmoothing?: number;
  /** Weight lambda of the gradient penalty, for a loss that has one ('wgan-gp': 10, Gulrajani et al., 2017). */
  lambda?: number;
  /**
   * A second generator built like `generator`: set to G's weights now, then after every G
   * update an exponential moving average of G's weights (see ./ema.ts). Sample from it.
   */
  emaGenerator?: tf.LayersModel;
  /** EMA decay per G update (default 0.999, Karras et al., 2018). */
  emaDecay?: number;
  /**
   * Labels of the fakes of a conditional GAN: 'uniform' (default: every class equally often) or
   * 'data' (the labels of the step's real batch, so fake labels follow the training set's label
   * frequencies; for clusters of unequal size, as in a self-conditioned GAN, Liu et al., 2020).
   */
  fakeLabels?: 'uniform' | 'data';
  /** InfoGAN's lambda_I, the weight of the code cross-entropy (default 1: Chen et al., 2016 use 1 for discrete codes). */
  informationWeight?: number;
  /** Seed of batches and noise (default 0). */
  seed?: number;
}

/**
 * The trainer's defaults. Adam's betas are the DCGAN paper's (Radford et al., 2015); the batch
 * size and learning rate were measured on the course machine (`npm run experiment -- dcgan-steps`).
 * A loss's own settings (its `defaults` in losses.ADVERSARIAL_LOSSES) replace these for that loss.
 */
export const DEFAULT_GAN_TRAINER_OPTIONS = {
  loss: 'non-saturating' as AdversarialLossName,
  batchSize: 32,
  discriminatorSteps: 1,
  learningRate: 4e-4,
  beta1: 0.5,
  beta2: 0.999,
  labelSmoothing: 0,
  emaDecay: DEFAULT_EMA_OPTIONS.decay,
  fakeLabels: 'uniform' as 'uniform' | 'data',
  informationWeight: 1,
  seed: 0,
};

/** D's outputs as the history reports them (see AdversarialLoss.report): mean sigmoid or mean raw output. */
function reportOutputs(loss: AdversarialLoss, outputs: tf.Tensor): tf.Scalar {
  return loss.report === 'probability' ? meanProbability(outputs) : (outputs.mean() as tf.Scalar);
}

/** The options without a default. */
const OTHER_KEYS = ['generator', 'discriminator', 'data', 'labels', 'lambda', 'discriminatorLearningRate', 'generatorLearningRate', 'learningRateSchedule', 'emaGenerator'];

/**
 * A GAN's trainer: `run` trains for a budget; `discriminatorStep()` updates D on the current
 * step's real batch and as many fresh fakes ({ dLoss, dReal, dFake, ... }), `generatorStep()`
 * updates G against the current D ({ gLoss, ... }; its batch matters only for the labels of
 * `fakeLabels: 'data'`).
 */
export class GanTrainer extends TwoPlayerTrainer<GanBatch> {}

/** Builds the trainer of a GAN: `createGanTrainer({ generator, discriminator, data })`, then `run`. */
export function createGanTrainer(options: GanTrainerOptions): GanTrainer {
  const fn = 'createGanTrainer';
  if (options === null || typeof options !== 'object') fail(fn, 'options', 'an object with at least generator, discriminator and data', options);
  const name = options.loss ?? DEFAULT_GAN_TRAINER_OPTIONS.loss;
  checkOneOf(fn, 'options.loss', name, ADVERSARIAL_LOSS_NAMES);
  const loss: AdversarialLoss = ADVERSARIAL_LOSSES[name];
  const o = resolveOptions(fn, { ...DEFAULT_GAN_TRAINER_OPTIONS, ...loss.defaults }, options, OTHER_KEYS);
  const generator = checkModel(fn, 'options.generator', o.generator);
  const discriminator = checkModel(fn, 'options.discriminator', o.discriminator);
  const { emaGenerator, batchSize } = o;
  if (emaGenerator !== undefined) checkModel(fn, 'options.emaGenerator', emaGenerator);
  if (emaGenerator === generator) throw new GenlabError(`${fn}: options.emaGenerator must be a second model built like the generator, not the generator itself`);
  checkNumber(fn, 'options.emaDecay', o.emaDecay, { min: 0, max: 1 });
  checkAdamOptions(fn, o);
  checkPositiveInteger(fn, 'options.batchSize', batchSize);
  checkPositiveInteger(fn, 'options.discriminatorSteps', o.discriminatorSteps);
  checkNumber(fn, 'options.labelSmoothing', o.labelSmoothing, { min: 0, below: 1 });
  checkNumber(fn, 'options.informationWeight', o.informationWeight, { min: 0 });
  checkOneOf(fn, 'options.fakeLabels', o.fakeLabels, ['uniform', 'data']);
  checkNumber(fn, 'options.seed', o.seed);
  const lossesWith = (property: 'labelSmoothing' | 'informationTerm') => ADVERSARIAL_LOSS_NAMES.filter((n) => ADVERSARIAL_LOSSES[n][property]).join(', ');
  if (o.labelSmoothing !== 0 && !loss.labelSmoothing) {
    throw new GenlabError(`${fn}: options.labelSmoothing applies to the BCE losses (${lossesWith('labelSmoothing')}), got loss '${name}'`);
  }
  const { lambda } = o; // the loss's own default, if it has a penalty
  if (lambda !== undefined) {
    if (loss.defaults.lambda === undefined) throw new GenlabError(`${fn}: options.lambda weighs a gradient penalty, which loss '${name}' does not have`);
    checkNumber(fn, 'options.lambda', lambda, { min: 0 });
  }

  const info = isInfoGenerator(generator);
  const conditional = generator.inputs.length === 2 && !info;
  checkGanData(fn, generator, discriminator, o.data, info ? undefined : o.labels);
  if (info && discriminator.outputs.length !== 2) {
    throw new GenlabError(`${fn}: an InfoGAN generator (inputs [z, code]) needs a discriminator with outputs [logit, code logits] (models.buildInfoDcganDiscriminator), got ${discriminator.outputs.length} output(s)`);
  }
  if (!info && discriminator.outputs.length !== 1) {
    throw new GenlabError(`${fn}: the discriminator must have one output (a logit) unless the generator is an InfoGAN one, got ${discriminator.outputs.length} outputs`);
  }
  if (info && !loss.informationTerm) throw new GenlabError(`${fn}: InfoGAN's code term is implemented for the losses ${lossesWith('informationTerm')}, got loss '${name}'`);
  if (conditional && discriminator.inputs.length !== 2) {
    throw new GenlabError(`${fn}: a conditional generator needs a conditional discriminator (inputs [image, label]), got ${discriminator.inputs.length} input(s)`);
  }
  if (conditional && !(o.data instanceof tf.Tensor && o.labels instanceof tf.Tensor)) {
    throw new GenlabError(`${fn}: a conditional generator needs data as a tensor and options.labels (int32 [N])`);
  }
  if (o.fakeLabels === 'data' && !conditional) throw new GenlabError(`${fn}: options.fakeLabels 'data' needs a conditional generator and options.labels`);
  if (!loss.batchNorm && discriminator.layers.some((layer) => layer.getClassName() === 'BatchNormalization')) {
    throw new GenlabError(`${fn}: with loss '${name}' the critic must not use batch norm (build it with discriminatorNorm: 'none' or 'spectral')`);
  }
  const latentSize = generator.inputs[0].shape[1] as number;
  const numClasses = conditional || info ? (generator.inputs[1].shape[1] as number) : 0;

  let batch: (index: number) => GanBatch;
  if (o.data instanceof tf.Tensor) {
    batch = (conditional
      ? batchSampler({ real: o.data, labels: o.labels as tf.Tensor1D }, { batchSize, seed: o.seed })
      : batchSampler({ real: o.data }, { batchSize, seed: o.seed })) as (index: number) => GanBatch;
  } else if (typeof o.data === 'function') {
    const draw = o.data;
    batch = (index) => ({ real: draw(index) });
  } else {
    throw new GenlabError(`${fn}: options.data must be a tensor of real samples or a function of the batch index, got ${typeof o.data}`);
  }

  /** G(z) for n fresh z; conditioned on labels (uniform, or the batch's) or InfoGAN codes. */
  const generate = (n: number, context: StepContext, batchLabels?: tf.Tensor1D): { fake: tf.Tensor; fakeLabels?: tf.Tensor } => {
    const z = context.randomNormal([n, latentSize]); //                                        [B, latent]
    if (!conditional && !info) return { fake: generator.apply(z, { training: true }) as tf.Tensor }; // [B, ...]
    const drawn = o.fakeLabels === 'data' ? batchLabels!.slice(0, n) : context.randomLabels(n, numClasses); // [B]
    const fakeLabels = tf.oneHot(drawn, numClasses).cast('float32'); //                         [B, K]
    return { fake: generator.apply([z, fakeLabels], { training: true }) as tf.Tensor, fakeLabels };
  };
  /** D's raw output [B, 1] and, for InfoGAN, Q's code logits [B, K]. */
  const discriminate = (images: tf.Tensor, labels?: tf.Tensor): { outputs: tf.Tensor; codeLogits?: tf.Tensor } => {
    if (info) {
      const [outputs, codeLogits] = discriminator.apply(images, { training: true }) as tf.Tensor[];
      return { outputs, codeLogits };
    }
    return { outputs: discriminator.apply(conditional ? [images, labels!] : images, { training: true }) as tf.Tensor };
  };
  /** For InfoGAN, adds lambda_I * CE(Q(G(z, c)), c) to an update's loss, recording the CE as `key`. */
  const withInformation = (outputs: PhaseOutputs, key: 'dInfo' | 'gInfo', codeLogits?: tf.Tensor, codes?: tf.Tensor): PhaseOutputs => {
    if (!info) return outputs;
    const crossEntropy = tf.losses.softmaxCrossEntropy(codes!, codeLogits!) as tf.Scalar;
    return { ...outputs, loss: outputs.loss.add(crossEntropy.mul(o.informationWeight)) as tf.Scalar, [key]: crossEntropy };
  };

  const discriminatorPhase: Phase<GanBatch> = {
    name: 'd',
    trains: ['discriminator'],
    optimizer: tf.train.adam(o.discriminatorLearningRate ?? o.learningRate, o.beta1, o.beta2),
    repeats: o.discriminatorSteps,
    learningRate: o.learningRateSchedule,
    loss: ({ real, labels }, context) => {
      const realLabels = conditional ? tf.oneHot(labels!, numClasses).cast('float32') : undefined; // [B, K]
      const { fake, fakeLabels } = generate(real.shape[0], context, labels);
      const realOutputs = discriminate(real, realLabels).outputs; //                         [B, 1]
      const fakeJudged = discriminate(fake, fakeLabels);
      const fakeOutputs = fakeJudged.outputs; //                                             [B, 1]
      const recorded = { dReal: reportOutputs(loss, realOutputs), dFake: reportOutputs(loss, fakeOutputs) };
      // The penalty's interpolates pair real and fake samples of the same labels.
      const penalty = () => {
        const critic = (images: tf.Tensor) => discriminate(images, realLabels).outputs;
        const fakeForPenalty = conditional ? (generator.apply([context.randomNormal([real.shape[0], latentSize]), realLabels!], { training: true }) as tf.Tensor) : fake;
        return gradientPenalty(critic, real, fakeForPenalty, { lambda: lambda!, epsilon: context.randomUniform([real.shape[0]]) as tf.Tensor1D });
      };
      const { total, ...parts } = loss.discriminatorLoss({ realOutputs, fakeOutputs, labelSmoothing: o.labelSmoothing, gradientPenalty: penalty });
      return withInformation({ loss: total, ...parts, ...recorded }, 'dInfo', fakeJudged.codeLogits, fakeLabels);
    },
  };
  const generatorPhase: Phase<GanBatch> = {
    name: 'g',
    trains: ['generator'],
    optimizer: tf.train.adam(o.generatorLearningRate ?? o.learningRate, o.beta1, o.beta2),
    learningRate: o.learningRateSchedule,
    loss: ({ labels }, context) => {
      const { fake, fakeLabels } = generate(batchSize, context, labels);
      const fakeJudged = discriminate(fake, fakeLabels);
      return withInformation({ loss: loss.generatorLoss(fakeJudged.outputs) }, 'gInfo', fakeJudged.codeLogits, fakeLabels);
    },
    afterUpdate: emaGenerator ? () => updateEma(emaGenerator, generator, { decay: o.emaDecay }) : undefined,
  };

  if (emaGenerator) copyWeights(emaGenerator, generator); // the average starts at G's initial weights
  return new GanTrainer({
    networks: emaGenerator ? { generator, discriminator, emaGenerator } : { generator, discriminator },
    seed: o.seed,
    batch,
    phases: [discriminatorPhase, generatorPhase],
  });
}
