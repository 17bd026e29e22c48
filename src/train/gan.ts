/**
 * The standard GAN training recipe (Goodfellow et al., 2014, Algorithm 1) as phases of the
 * adversarial trainer: k discriminator updates, then one generator update, each with its own
 * Adam optimizer. Works for the MLP GAN, the toy 2-D GAN and the conditional GAN (a generator
 * with two inputs [z, one-hot label] is trained conditionally).
 *
 *   D phase: L_D = BCE(D(x), 1 - s) + BCE(D(G(z)), 0)         varList: D's weights only
 *   G phase: L_G = -log D(G(z))  (or log(1 - D(G(z))))        varList: G's weights only
 *
 * An optional EMA copy of G (see ./ema.ts) is updated after every G step, for sampling.
 *
 * History per step: dLoss, gLoss, dReal = mean D(x), dFake = mean D(G(z)) (during the D update).
 */
import * as tf from '@tensorflow/tfjs';
import { discriminatorLossTerms, generatorLoss, meanProbability, type GeneratorLossForm } from '../losses/gan';
import { AdversarialTrainer, type StepContext } from './adversarial';
import { batchSampler } from './batches';
import { DEFAULT_EMA_OPTIONS, copyWeights, updateEma } from './ema';
import { checkGanData } from './gan-data';
import { checkAdamOptions, checkLabels, checkModel, checkNumber, checkOneOf, checkPositiveInteger, checkTensor, fail, GenlabError, resolveOptions } from '../errors';

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
  /** int32 [N] labels of `data`: required for a conditional generator (two inputs). */
  labels?: tf.Tensor1D;
  /** Samples per batch (default 64, Radford et al., 2015 use 128; 64 suits 2 CPU cores). */
  batchSize?: number;
  /** k: discriminator updates per generator update (default 1, Goodfellow et al., 2014 §4). */
  discriminatorSteps?: number;
  /** Generator loss form (default 'non-saturating', Goodfellow et al., 2014 §3). */
  generatorLoss?: GeneratorLossForm;
  /** One-sided label smoothing of real targets (default 0; 0.1 gives targets 0.9, Salimans et al., 2016). */
  labelSmoothing?: number;
  /** Adam learning rate of both networks (default 2e-4, Radford et al., 2015 §4). */
  learningRate?: number;
  /** D's own learning rate, overriding `learningRate` (two time-scale update rule, TTUR: Heusel et al., 2017 train D faster than G). */
  discriminatorLearningRate?: number;
  /** G's own learning rate, overriding `learningRate`. */
  generatorLearningRate?: number;
  /**
   * Learning rate as a function of the step, for both networks (default: the constant
   * `learningRate`). E.g. a linear decay over the second half of a run sharpens the samples.
   */
  learningRateSchedule?: (step: number) => number;
  /** Adam beta1 (default 0.5, Radford et al., 2015 §4: 0.9 oscillated). */
  beta1?: number;
  /** Adam beta2 (default 0.999, Kingma & Ba, 2015, kept by Radford et al., 2015). */
  beta2?: number;
  /**
   * A second generator built like `generator`: set to G's weights now, then after every G
   * update an exponential moving average of G's weights (see ./ema.ts). Sample from it.
   */
  emaGenerator?: tf.LayersModel;
  /** EMA decay per G update (default 0.999, Karras et al., 2018). */
  emaDecay?: number;
  /** Seed of batches and noise (default 0). */
  seed?: number;
}

export const DEFAULT_GAN_TRAINER_OPTIONS = {
  batchSize: 64,
  discriminatorSteps: 1,
  generatorLoss: 'non-saturating' as GeneratorLossForm,
  labelSmoothing: 0,
  learningRate: 2e-4,
  beta1: 0.5,
  beta2: 0.999,
  emaDecay: DEFAULT_EMA_OPTIONS.decay,
  seed: 0,
};

/**
 * A linear decay to `floor` x the rate over the last `decayShare` of `steps` (CycleGAN's
 * schedule, Zhu et al., 2017 §4: constant, then linearly to zero).
 */
export function linearDecay(learningRate: number, steps: number, decayShare = 0.5, floor = 0.05): (step: number) => number {
  if (!(learningRate > 0)) throw new GenlabError(`linearDecay: learningRate must be positive, got ${learningRate}`);
  if (!(steps > 0)) throw new GenlabError(`linearDecay: steps must be positive, got ${steps}`);
  if (!(decayShare > 0 && decayShare <= 1)) throw new GenlabError(`linearDecay: decayShare must be in (0, 1], got ${decayShare}`);
  checkNumber('linearDecay', 'learningRate', learningRate, { above: 0 });
  checkNumber('linearDecay', 'steps', steps, { above: 0 });
  checkNumber('linearDecay', 'floor', floor, { min: 0, max: 1 });
  const start = steps * (1 - decayShare);
  return (step) => learningRate * Math.max(floor, Math.min(1, 1 - (step - start) / (steps - start)));
}


/** Builds the trainer for a GAN: `createGanTrainer({ generator, discriminator, data })`, then `run`. */
export function createGanTrainer(options: GanTrainerOptions): AdversarialTrainer<GanBatch> {
  const o = resolveOptions('createGanTrainer', DEFAULT_GAN_TRAINER_OPTIONS, options, ['generator', 'discriminator', 'data', 'labels', 'discriminatorLearningRate', 'generatorLearningRate', 'learningRateSchedule', 'emaGenerator']);
  const fn = 'createGanTrainer';
  if (options === undefined) fail(fn, 'options', 'an object with at least generator, discriminator and data', options);
  const generator = checkModel(fn, 'options.generator', o.generator);
  const discriminator = checkModel(fn, 'options.discriminator', o.discriminator);
  const { emaGenerator } = o;
  if (emaGenerator !== undefined) checkModel(fn, 'options.emaGenerator', emaGenerator);
  const emaDecay = o.emaDecay;
  if (!(emaDecay >= 0 && emaDecay <= 1)) throw new GenlabError(`createGanTrainer: options.emaDecay must be in [0, 1], got ${emaDecay}`);
  checkAdamOptions(fn, o);
  checkPositiveInteger(fn, 'options.batchSize', o.batchSize);
  checkPositiveInteger(fn, 'options.discriminatorSteps', o.discriminatorSteps);
  checkOneOf(fn, 'options.generatorLoss', o.generatorLoss, ['non-saturating', 'minimax']);
  checkNumber(fn, 'options.labelSmoothing', o.labelSmoothing, { min: 0, below: 1 });
  checkNumber(fn, 'options.seed', o.seed);
  checkGanData(fn, generator, discriminator, o.data, o.labels);
  if (emaGenerator === generator) throw new GenlabError('createGanTrainer: options.emaGenerator must be a second model built like the generator, not the generator itself');
  const conditional = generator.inputs.length === 2;
  if (conditional && discriminator.inputs.length !== 2) {
    throw new GenlabError(`createGanTrainer: a conditional generator needs a conditional discriminator (inputs [image, label]), got ${discriminator.inputs.length} input(s)`);
  }
  if (conditional && !(o.labels instanceof tf.Tensor) && o.data instanceof tf.Tensor) {
    throw new GenlabError('createGanTrainer: options.labels (int32 [N]) are required to train a conditional generator');
  }
  const latentSize = generator.inputs[0].shape[1] as number;
  const numClasses = conditional ? (generator.inputs[1].shape[1] as number) : 0;
  const { batchSize } = o;

  let batch: (index: number) => GanBatch;
  if (o.data instanceof tf.Tensor) {
    const sample = conditional
      ? batchSampler({ real: o.data, labels: o.labels as tf.Tensor1D }, { batchSize, seed: o.seed })
      : batchSampler({ real: o.data }, { batchSize, seed: o.seed });
    batch = sample as (index: number) => GanBatch;
  } else if (typeof o.data === 'function') {
    if (conditional) throw new GenlabError('createGanTrainer: a conditional GAN needs data as a tensor with options.labels');
    const draw = o.data;
    batch = (index) => ({ real: draw(index) });
  } else {
    throw new GenlabError(`createGanTrainer: options.data must be a tensor of real samples or a function of the batch index, got ${typeof o.data}`);
  }

  /** G(z) for a batch of size n, conditioned on random labels when conditional. */
  const fakes = (n: number, context: StepContext): { fake: tf.Tensor; fakeLabels?: tf.Tensor } => {
    const z = context.randomNormal([n, latentSize]); //                                  [B, latent]
    if (!conditional) return { fake: generator.apply(z, { training: true }) as tf.Tensor };
    const fakeLabels = tf.oneHot(context.randomLabels(n, numClasses), numClasses).cast('float32'); // [B, classes]
    return { fake: generator.apply([z, fakeLabels], { training: true }) as tf.Tensor, fakeLabels };
  };
  const judge = (images: tf.Tensor, labels?: tf.Tensor): tf.Tensor =>
    (conditional ? discriminator.apply([images, labels!], { training: true }) : discriminator.apply(images, { training: true })) as tf.Tensor; // [B, 1]

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
        loss: ({ real, labels }, context) => {
          const realLabels = conditional ? tf.oneHot(labels!, numClasses).cast('float32') : undefined;
          const { fake, fakeLabels } = fakes(real.shape[0], context);
          const realLogits = judge(real, realLabels);
          const fakeLogits = judge(fake, fakeLabels);
          const terms = discriminatorLossTerms(realLogits, fakeLogits, { labelSmoothing: o.labelSmoothing });
          return { loss: terms.total, dReal: meanProbability(realLogits), dFake: meanProbability(fakeLogits) };
        },
      },
      {
        name: 'g',
        trains: ['generator'],
        optimizer: tf.train.adam(o.generatorLearningRate ?? o.learningRate, o.beta1, o.beta2),
        learningRate: o.learningRateSchedule,
        loss: (_batch, context) => {
          const { fake, fakeLabels } = fakes(batchSize, context);
          return { loss: generatorLoss(judge(fake, fakeLabels), { form: o.generatorLoss }) };
        },
        afterUpdate: emaGenerator ? () => updateEma(emaGenerator, generator, { decay: emaDecay }) : undefined,
      },
    ],
  });
}
