/**
 * Pix2Pix and CycleGAN as phases of the shared phase runner (./phased.ts).
 *
 * Pix2Pix (Isola et al. 2017, reference code's optimize_parameters: forward, D update, G update):
 *   phase d  trains D:   L_D = 1/2 [BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)]
 *   phase g  trains G:   L_G = BCE(D(x, G(x)), 1) + lambda |y - G(x)|      (lambda = 100)
 *   Ablations: 'l1' trains G on lambda |y - G(x)| alone (no D at all); 'gan' sets lambda = 0.
 *   With ganMode 'lsgan' both BCE terms become squared errors (losses/translation.ts).
 *   Both phases: Adam(2e-4, beta1 0.5), the paper's.
 *   Options: an EMA copy of G updated after every G step (./ema.ts), and a linear learning-rate
 *   decay to zero over the last steps (the reference code's --n_epochs_decay).
 *   History: dLoss, dReal, dFake, gLoss, adversarial, l1.
 *
 * CycleGAN (Zhu et al. 2017, reference code: forward, G update with D frozen, D update):
 *   phase g  trains G and F jointly on losses.cycleGanGeneratorLoss (adversarial x 2, cycle x 2,
 *            identity x 2), and returns its fakes G(a), F(b);
 *   phase d  takes those fakes as an argument and trains D_A and D_B jointly: each on its real
 *            images and on images drawn from its history buffer of 50 fakes (train/image-buffer.ts).
 *   Both phases: Adam(2e-4, beta1 0.5), constant learning rate, then linear decay to zero.
 *   History: gLoss, adversarialAB, adversarialBA, cycleA, cycleB, identityA, identityB, dLoss, dALoss, dBLoss.
 *
 * The fakes go from phase g to phase d as data: phase g hands them on (its loss returns
 * `{ outputs, handOff: { fakeA, fakeB } }`), the trainer passes them to phase d's loss and frees
 * them after it. The reference code reuses the forward pass the same way (through `self`); it
 * saves two generator passes per step. By hand: `generatorStep()` returns the fakes,
 * `discriminatorStep(fakes)` takes them.
 *
 * Every training setting (learning rates, beta1, loss weights, the buffer, the schedule) is an
 * option of the trainer; the model options (models/pix2pix.ts, models/cyclegan.ts) build networks.
 */
import * as tf from '@tensorflow/tfjs';
import { PhasedTrainer, TwoPlayerTrainer, type Phase, type PhaseStepResult } from './phased';
import { batchSampler } from './batches';
import { ImageHistoryBuffer } from './image-buffer';
import { DEFAULT_EMA_OPTIONS, copyWeights, updateEma } from './ema';
import { pix2pixDiscriminatorLoss, pix2pixGeneratorLoss, cycleGanGeneratorLoss, cycleGanDiscriminatorLoss, type Pix2PixGanMode } from '../losses/translation';
import { pairForDiscriminator, type Pix2Pix } from '../models/pix2pix';
import type { CycleGan } from '../models/cyclegan';
import { linearDecayToZero } from './schedules';
import { checkNumber, checkOptionValues, checkTensor, fail, GenlabError, resolveOptions } from '../errors';

/** A batch of paired images, both in [-1, 1]. */
export interface PairedBatch extends tf.TensorContainerObject {
  /** x: [B, S, S, Cin] */
  inputs: tf.Tensor4D;
  /** y: [B, S, S, Cout] */
  targets: tf.Tensor4D;
}

/** Which Pix2Pix objective to train: the paper's, or one of its two ablations (§4.2, Table 1). */
export type Pix2PixObjective = 'full' | 'l1' | 'gan';

export interface Pix2PixTrainerOptions {
  /** The networks, from models.createPix2Pix. */
  model: Pix2Pix;
  /** x: [N, S, S, Cin] in [-1, 1]. */
  inputs: tf.Tensor4D;
  /** y: [N, S, S, Cout] in [-1, 1], row i paired with inputs row i. */
  targets: tf.Tensor4D;
  /** 'full' = cGAN + lambda L1 (default), 'l1' = L1 only, 'gan' = cGAN only. */
  objective?: Pix2PixObjective;
  /** Pairs per batch (default 16; the paper's is 1, see models/pix2pix.ts). */
  batchSize?: number;
  /** Weight lambda of the L1 term (default 100, the paper's). */
  lambdaL1?: number;
  /** Adversarial loss: 'vanilla' BCE (default, the paper's) or 'lsgan' (the reference code's --gan_mode lsgan, Mao et al. 2017). */
  ganMode?: Pix2PixGanMode;
  /** Adam learning rate of both phases (default 2e-4, the paper's; lesson 07 uses 2e-3 for batches of 16). */
  learningRate?: number;
  /** Adam beta1 (default 0.5, the paper's). */
  beta1?: number;
  /**
   * A second generator built like model.generator (models.unetGenerator with the same options):
   * set to G's weights now, then after every G update an exponential moving average of G's
   * weights (see ./ema.ts). Translate with it. Default: none.
   */
  emaGenerator?: tf.LayersModel;
  /** EMA decay per G update (default 0.999, Karras et al., 2018). */
  emaDecay?: number;
  /**
   * Steps of linear learning-rate decay to zero at the end of training, for both phases
   * (default 0: a constant rate). The reference code's schedule: constant for --n_epochs, then
   * linear to zero over --n_epochs_decay; the decay starts at step `decayStart`.
   */
  decaySteps?: number;
  /** Step at which the decay begins (default 0; used only when decaySteps > 0). */
  decayStart?: number;
  /** Seed of the batch order (default 0). */
  seed?: number;
}

export const DEFAULT_PIX2PIX_TRAINER_OPTIONS = {
  objective: 'full' as Pix2PixObjective,
  batchSize: 16,
  lambdaL1: 100,
  ganMode: 'vanilla' as Pix2PixGanMode,
  learningRate: 2e-4,
  beta1: 0.5,
  emaDecay: DEFAULT_EMA_OPTIONS.decay,
  decaySteps: 0,
  decayStart: 0,
  seed: 0,
};

/**
 * A Pix2Pix trainer: `run` trains for a budget; `discriminatorStep()` updates D on real pairs
 * (x, y) and generated pairs (x, G(x)) ({ dLoss, dReal, dFake }), `generatorStep()` updates G on
 * the adversarial and L1 terms ({ gLoss, adversarial, l1 }); both on the current step's pairs
 * unless given a batch.
 */
export class Pix2PixTrainer extends TwoPlayerTrainer<PairedBatch> {}

/** Builds the trainer; `await trainer.run({ steps })` trains. */
export function createPix2PixTrainer(options: Pix2PixTrainerOptions): Pix2PixTrainer {
  const o = resolveOptions('createPix2PixTrainer', DEFAULT_PIX2PIX_TRAINER_OPTIONS, options, ['model', 'inputs', 'targets', 'emaGenerator']);
  const { model, inputs, targets, objective, batchSize, seed, emaGenerator, emaDecay, decaySteps, decayStart, lambdaL1, ganMode, learningRate, beta1 } = o;
  const fn = 'createPix2PixTrainer';
  if (model === null || typeof model !== 'object' || !(model.generator instanceof tf.LayersModel) || !(model.discriminator instanceof tf.LayersModel)) {
    fail(fn, 'options.model', 'a Pix2Pix from models.createPix2Pix ({ generator, discriminator, options })', model);
  }
  checkOptionValues(fn, o, {
    emaGenerator: 'model', batchSize: 'positiveInteger', seed: 'finite', lambdaL1: 'nonNegative', ganMode: ['vanilla', 'lsgan'], learningRate: 'positive', beta1: 'belowOne',
  });
  checkTensor(fn, 'options.inputs', inputs, { rank: 4, layout: '[N, S, S, C]', dtype: 'float32' });
  checkTensor(fn, 'options.targets', targets, { rank: 4, layout: '[N, S, S, C]', dtype: 'float32' });
  const { generator, discriminator } = model;
  if (!(emaDecay >= 0 && emaDecay <= 1)) throw new GenlabError(`createPix2PixTrainer: options.emaDecay must be in [0, 1], got ${emaDecay}`);
  if (emaGenerator === generator) throw new GenlabError('createPix2PixTrainer: options.emaGenerator must be a second model built like the generator, not the generator itself');
  if (!(Number.isInteger(decaySteps) && decaySteps >= 0)) throw new GenlabError(`createPix2PixTrainer: options.decaySteps must be an integer >= 0, got ${decaySteps}`);
  if (!(Number.isInteger(decayStart) && decayStart >= 0)) throw new GenlabError(`createPix2PixTrainer: options.decayStart must be an integer >= 0, got ${decayStart}`);
  if (!['full', 'l1', 'gan'].includes(objective)) {
    throw new GenlabError(`createPix2PixTrainer: options.objective must be 'full', 'l1' or 'gan', got '${objective}'`);
  }
  const expect = (name: string, t: tf.Tensor4D, channels: number) => {
    const s = model.options.imageSize;
    if (t.rank !== 4 || t.shape[1] !== s || t.shape[2] !== s || t.shape[3] !== channels) {
      throw new GenlabError(`createPix2PixTrainer: options.${name} must be [N, ${s}, ${s}, ${channels}], got [${t.shape}]`);
    }
  };
  expect('inputs', inputs, model.options.inputChannels);
  expect('targets', targets, model.options.outputChannels);
  if (inputs.shape[0] !== targets.shape[0]) {
    throw new GenlabError(`createPix2PixTrainer: options.inputs and options.targets must have as many rows, got ${inputs.shape[0]} and ${targets.shape[0]}`);
  }
  const adam = () => tf.train.adam(learningRate, beta1);
  const schedule = decaySteps > 0 ? linearDecayToZero({ learningRate, constantSteps: decayStart, decaySteps }) : undefined;
  const weights = objective === 'l1' ? { lambdaL1, adversarialWeight: 0 } : objective === 'gan' ? { lambdaL1: 0, adversarialWeight: 1 } : { lambdaL1, adversarialWeight: 1 };
  const lossWeights = { ...weights, ganMode };
  // "Who is winning" readout: the mean probability of "real" (BCE) or the mean raw score (LSGAN, targets 1 and 0).
  const readout = (scores: tf.Tensor) => (ganMode === 'lsgan' ? scores.mean() : tf.sigmoid(scores).mean()) as tf.Scalar;

  const dPhase: Phase<PairedBatch> = {
    name: 'd',
    optimizer: adam(),
    trains: ['discriminator'],
    learningRate: schedule,
    loss: ({ inputs: x, targets: y }) => {
      const fake = generator.apply(x, { training: true }) as tf.Tensor4D; // G(x), no gradient to G: not in this varList
      const realLogits = discriminator.apply(pairForDiscriminator(x, y), { training: true }) as tf.Tensor;
      const fakeLogits = discriminator.apply(pairForDiscriminator(x, fake), { training: true }) as tf.Tensor;
      const d = pix2pixDiscriminatorLoss(realLogits, fakeLogits, { ganMode });
      return { loss: d.total, dReal: readout(realLogits), dFake: readout(fakeLogits) };
    },
  };
  const gPhase: Phase<PairedBatch> = {
    name: 'g',
    optimizer: adam(),
    trains: ['generator'],
    learningRate: schedule,
    afterUpdate: emaGenerator ? () => updateEma(emaGenerator, generator, { decay: emaDecay }) : undefined,
    loss: ({ inputs: x, targets: y }) => {
      const fake = generator.apply(x, { training: true }) as tf.Tensor4D;
      const fakeLogits = objective === 'l1'
        ? tf.zeros([1]) // unused: the adversarial weight is 0 and D is not trained
        : (discriminator.apply(pairForDiscriminator(x, fake), { training: true }) as tf.Tensor);
      const g = pix2pixGeneratorLoss(fakeLogits, fake, y, lossWeights);
      return { loss: g.total, adversarial: g.adversarial, l1: g.l1 };
    },
  };
  const networks: Record<string, tf.LayersModel> = objective === 'l1' ? { generator } : { generator, discriminator };
  if (emaGenerator) {
    copyWeights(emaGenerator, generator); // the average starts at G's initial weights
    networks.emaGenerator = emaGenerator; // checkpointed with the networks
  }
  return new Pix2PixTrainer({
    networks,
    phases: objective === 'l1' ? [gPhase] : [dPhase, gPhase],
    batch: batchSampler({ inputs, targets }, { batchSize, seed }) as (i: number) => PairedBatch,
    seed,
  });
}

/** A batch of unpaired images: a from domain A, b from domain B, both in [-1, 1]. */
export interface UnpairedBatch extends tf.TensorContainerObject {
  a: tf.Tensor4D;
  b: tf.Tensor4D;
}

export interface CycleGanTrainerOptions {
  /** The four networks, from models.createCycleGan. */
  model: CycleGan;
  /** Domain A images [N_A, S, S, C_A] in [-1, 1]. */
  domainA: tf.Tensor4D;
  /** Domain B images [N_B, S, S, C_B] in [-1, 1]; no pairing with A. */
  domainB: tf.Tensor4D;
  /** Steps at the full learning rate (the paper: 100 epochs). */
  constantSteps: number;
  /** Steps of linear decay to zero after that (the paper: another 100 epochs). */
  decaySteps: number;
  /** Images of each domain per batch (default 8; the paper's is 1). */
  batchSize?: number;
  /** Keep the cycle-consistency (and identity) terms (default true; false is the "GAN alone" ablation of §5.1.3). */
  cycle?: boolean;
  /** Weight lambda of the cycle-consistency loss (default 10, the paper's). */
  lambdaCycle?: number;
  /** Identity loss weight as a fraction of lambdaCycle (default 0.5, the paper's; 0 disables it; it needs channelsA = channelsB). */
  identityWeight?: number;
  /** Images kept in each history buffer (default 50, the paper's). */
  bufferSize?: number;
  /** Adam learning rate before the decay (default 2e-4, the paper's). */
  learningRate?: number;
  /** Adam beta1 (default 0.5, the paper's). */
  beta1?: number;
  /** Seed of the batch orders and the buffers (default 0). */
  seed?: number;
}

export const DEFAULT_CYCLE_GAN_TRAINER_OPTIONS = { batchSize: 8, cycle: true, lambdaCycle: 10, identityWeight: 0.5, bufferSize: 50, learningRate: 2e-4, beta1: 0.5, seed: 0 };

/** CycleGAN's fakes, handed from the G update to the D update. */
export interface CycleGanFakes extends tf.NamedTensorMap {
  /** F(b): [B, S, S, C_A], for D_A. */
  fakeA: tf.Tensor4D;
  /** G(a): [B, S, S, C_B], for D_B. */
  fakeB: tf.Tensor4D;
}

/** The trainer, its two history buffers and its two updates by hand. */
export interface CycleGanTrainer {
  trainer: PhasedTrainer<UnpairedBatch>;
  /** History of F(b) for D_A. */
  bufferA: ImageHistoryBuffer;
  /** History of G(a) for D_B. */
  bufferB: ImageHistoryBuffer;
  /**
   * One update of G and F (D_A, D_B frozen) on a batch (default: the current step's): returns
   * the losses as numbers and the fakes G(a), F(b), which the caller passes to discriminatorStep
   * (or frees).
   */
  generatorStep(batch?: UnpairedBatch): { losses: Record<string, number>; fakes: CycleGanFakes };
  /** One update of D_A and D_B on real images and on `fakes` through the buffers; frees `fakes`. */
  discriminatorStep(fakes: CycleGanFakes, batch?: UnpairedBatch): Record<string, number>;
  /** Frees the optimizers and the buffers. */
  dispose(): void;
}

/** Builds the CycleGAN trainer; `await cycle.trainer.run({ steps })` trains. */
export function createCycleGanTrainer(options: CycleGanTrainerOptions): CycleGanTrainer {
  const o = resolveOptions('createCycleGanTrainer', DEFAULT_CYCLE_GAN_TRAINER_OPTIONS, options, ['model', 'domainA', 'domainB', 'constantSteps', 'decaySteps']);
  const fn = 'createCycleGanTrainer';
  const { model, domainA, domainB, batchSize, seed } = o;
  if (model === null || typeof model !== 'object' || !(model.generatorAB instanceof tf.LayersModel) || typeof model.options !== 'object') {
    fail(fn, 'options.model', 'a CycleGAN from models.createCycleGan', model);
  }
  checkTensor(fn, 'options.domainA', domainA, { rank: 4, layout: '[N, S, S, C]', dtype: 'float32' });
  checkTensor(fn, 'options.domainB', domainB, { rank: 4, layout: '[N, S, S, C]', dtype: 'float32' });
  checkNumber(fn, 'options.constantSteps', o.constantSteps, { min: 0 });
  checkNumber(fn, 'options.decaySteps', o.decaySteps, { min: 0 });
  checkOptionValues(fn, o, {
    batchSize: 'positiveInteger', cycle: 'boolean', seed: 'finite', lambdaCycle: 'nonNegative', identityWeight: 'nonNegative', bufferSize: 'nonNegativeInteger',
    learningRate: 'positive', beta1: 'belowOne',
  });
  for (const [name, t] of [['domainA', domainA], ['domainB', domainB]] as const) {
    if (batchSize > t.shape[0]) throw new GenlabError(`${fn}: options.batchSize must be at most the ${t.shape[0]} images of options.${name}, got ${batchSize}`);
  }
  const { generatorAB, generatorBA, discriminatorA, discriminatorB } = model;
  const m = model.options;
  for (const [name, t, channels] of [['domainA', domainA, m.channelsA], ['domainB', domainB, m.channelsB]] as const) {
    if (t.rank !== 4 || t.shape[1] !== m.imageSize || t.shape[2] !== m.imageSize || t.shape[3] !== channels) {
      throw new GenlabError(`createCycleGanTrainer: options.${name} must be [N, ${m.imageSize}, ${m.imageSize}, ${channels}], got [${t.shape}]`);
    }
  }
  if (o.cycle && o.identityWeight > 0 && m.channelsA !== m.channelsB) {
    throw new GenlabError(`${fn}: the identity loss needs the model's channelsA = channelsB, got ${m.channelsA} and ${m.channelsB}; set options.identityWeight to 0`);
  }
  const lossOptions = o.cycle
    ? { lambdaCycle: o.lambdaCycle, identityWeight: o.identityWeight, cycleWeight: 1 }
    : { lambdaCycle: o.lambdaCycle, identityWeight: 0, cycleWeight: 0 };
  const bufferA = new ImageHistoryBuffer({ size: o.bufferSize, seed: `${seed}:A` });
  const bufferB = new ImageHistoryBuffer({ size: o.bufferSize, seed: `${seed}:B` });
  const schedule = linearDecayToZero({ learningRate: o.learningRate, constantSteps: o.constantSteps, decaySteps: o.decaySteps });
  const adam = () => tf.train.adam(o.learningRate, o.beta1);
  const apply = (net: tf.LayersModel, x: tf.Tensor) => net.apply(x, { training: true }) as tf.Tensor4D;

  const gPhase: Phase<UnpairedBatch> = {
    name: 'g',
    optimizer: adam(),
    trains: ['generatorAB', 'generatorBA'],
    learningRate: schedule,
    loss: ({ a, b }) => {
      const fakeB = apply(generatorAB, a); // G(a)      [B, S, S, C_B]
      const fakeA = apply(generatorBA, b); // F(b)      [B, S, S, C_A]
      const useIdentity = lossOptions.identityWeight > 0;
      const g = cycleGanGeneratorLoss(
        {
          realA: a,
          realB: b,
          reconstructedA: apply(generatorBA, fakeB), // F(G(a))
          reconstructedB: apply(generatorAB, fakeA), // G(F(b))
          scoresFakeB: apply(discriminatorB, fakeB), // D_B(G(a)); D's weights are not in this varList
          scoresFakeA: apply(discriminatorA, fakeA), // D_A(F(b))
          identityB: useIdentity ? apply(generatorAB, b) : undefined, // G(b)
          identityA: useIdentity ? apply(generatorBA, a) : undefined, // F(a)
        },
        lossOptions,
      );
      const { total, ...parts } = g;
      const handOff: CycleGanFakes = { fakeA, fakeB }; // to phase d, as its `received`
      return { outputs: { loss: total, ...parts }, handOff };
    },
  };
  const dPhase: Phase<UnpairedBatch> = {
    name: 'd',
    optimizer: adam(),
    trains: ['discriminatorA', 'discriminatorB'],
    learningRate: schedule,
    loss: ({ a, b }, _context, received) => {
      const { fakeA, fakeB } = received as CycleGanFakes; // phase g's G(a), F(b)
      if (!fakeA || !fakeB) throw new GenlabError("CycleGAN phase 'd' needs the fakes of phase 'g' (fakeA, fakeB): keep the phases in the order [g, d]");
      const dA = cycleGanDiscriminatorLoss(apply(discriminatorA, a), apply(discriminatorA, bufferA.query(fakeA)));
      const dB = cycleGanDiscriminatorLoss(apply(discriminatorB, b), apply(discriminatorB, bufferB.query(fakeB)));
      return { loss: dA.total.add(dB.total) as tf.Scalar, dALoss: dA.total, dBLoss: dB.total };
    },
  };
  const sampleA = batchSampler({ a: domainA }, { batchSize, seed });
  const sampleB = batchSampler({ b: domainB }, { batchSize, seed: seed + 1 }); // another order: no pairing
  const trainer = new PhasedTrainer<UnpairedBatch>({
    networks: { generatorAB, generatorBA, discriminatorA, discriminatorB },
    phases: [gPhase, dPhase],
    batch: (i) => ({ ...sampleA(i), ...sampleB(i) }) as UnpairedBatch,
    seed,
    extraState: {
      save: () => {
        const state: tf.NamedTensorMap = {};
        const savedA = bufferA.save();
        const savedB = bufferB.save();
        if (savedA) state.bufferA = savedA;
        if (savedB) state.bufferB = savedB;
        return state;
      },
      load: (tensors) => {
        if (tensors.bufferA) bufferA.load(tensors.bufferA as tf.Tensor4D);
        if (tensors.bufferB) bufferB.load(tensors.bufferB as tf.Tensor4D);
      },
    },
  });
  return {
    trainer,
    bufferA,
    bufferB,
    generatorStep: (batch) => {
      const { values, handOff }: PhaseStepResult = trainer.phaseStep('g', { batch });
      return { losses: values, fakes: handOff as CycleGanFakes };
    },
    discriminatorStep: (fakes, batch) => {
      try {
        return trainer.phaseStep('d', { batch, received: fakes }).values;
      } finally {
        tf.dispose(fakes);
      }
    },
    dispose: () => {
      trainer.dispose();
      bufferA.dispose();
      bufferB.dispose();
    },
  };
}

/**
 * Runs a generator on `images` [N, ...] in batches with training off (no dropout, and no
 * gradient tape), returning [N, ...outputs] (the caller frees it).
 */
export interface TranslateOptions {
  /** Images per pass through the generator (default 64). */
  batchSize?: number;
}

export const DEFAULT_TRANSLATE_OPTIONS = { batchSize: 64 };

export function translate(generator: tf.LayersModel, images: tf.Tensor4D, options: TranslateOptions = {}): tf.Tensor4D {
  if (!(generator instanceof tf.LayersModel)) fail('translate', 'generator', 'a tf.LayersModel', generator);
  const { batchSize } = resolveOptions('translate', DEFAULT_TRANSLATE_OPTIONS, options);
  const inputShape = generator.inputs[0].shape; // [null, H, W, C]
  checkTensor('translate', 'images', images, { shape: inputShape.map((d) => d ?? null), layout: `[N, ${inputShape.slice(1).join(', ')}] (the generator's input)`, dtype: 'float32' });
  checkOptionValues('translate', { batchSize }, { batchSize: 'positiveInteger' });
  const parts: tf.Tensor4D[] = [];
  for (let start = 0; start < images.shape[0]; start += batchSize) {
    const size = Math.min(batchSize, images.shape[0] - start);
    parts.push(tf.tidy(() => generator.apply(images.slice(start, size), { training: false }) as tf.Tensor4D));
  }
  const out = tf.concat(parts) as tf.Tensor4D;
  tf.dispose(parts);
  return out;
}
