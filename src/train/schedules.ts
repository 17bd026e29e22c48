/**
 * Learning-rate schedules: functions of the step (0-based) that return the rate for that step.
 * A trainer takes one as `learningRateSchedule` (GANs) and sets its optimizers' rate from it
 * before every update; the judge's recipe reads its rate from `cosineDecay`.
 *
 *   linearDecay        constant, then linearly down to `floor` x the rate over the last
 *                      `decayShare` of the run                  (lessons 02, 05, 06, homework)
 *   linearDecayToZero  constant for `constantSteps`, then linearly towards zero over
 *                      `decaySteps`: the CycleGAN reference code's 'linear' policy (Zhu et al. 2017 §4)
 *   cosineDecay        half a cosine from the rate down to `finalLearningRate` (Loshchilov & Hutter 2017,
 *                      without restarts): the judges' recipe
 *
 * Every schedule takes one options object and checks it when it is built, not at every step.
 */
import { checkNonNegativeInteger, checkNumber, checkPositiveInteger, fail, resolveOptions } from '../errors';

/** A learning rate as a function of the step (0-based). */
export type LearningRateSchedule = (step: number) => number;

export interface LinearDecayOptions {
  /** The rate before the decay starts. */
  learningRate: number;
  /** Steps of the whole run. */
  steps: number;
  /** Share of the run, at its end, over which the rate decays (default 0.5: the second half). */
  decayShare?: number;
  /** Lowest rate, as a share of `learningRate` (default 0.05, so the last steps still learn). */
  floor?: number;
}

export const DEFAULT_LINEAR_DECAY_OPTIONS = { decayShare: 0.5, floor: 0.05 };

/**
 * Constant, then linear down to `floor` x the rate over the last `decayShare` of `steps`:
 *   lr(step) = learningRate * max(floor, min(1, 1 - (step - start) / (steps - start))),
 *   start = steps * (1 - decayShare).
 * CycleGAN's shape (Zhu et al. 2017 §4: constant, then linearly to zero), stopped at a floor.
 */
export function linearDecay(options: LinearDecayOptions): LearningRateSchedule {
  const fn = 'linearDecay';
  if (options === null || typeof options !== 'object') fail(fn, 'options', 'an object { learningRate, steps, decayShare?, floor? }', options);
  const { learningRate, steps, decayShare, floor } = resolveOptions(fn, DEFAULT_LINEAR_DECAY_OPTIONS, options, ['learningRate', 'steps']);
  checkNumber(fn, 'options.learningRate', learningRate, { above: 0 });
  checkNumber(fn, 'options.steps', steps, { above: 0 });
  checkNumber(fn, 'options.decayShare', decayShare, { above: 0, max: 1 });
  checkNumber(fn, 'options.floor', floor, { min: 0, max: 1 });
  const start = steps * (1 - decayShare);
  return (step) => learningRate * Math.max(floor, Math.min(1, 1 - (step - start) / (steps - start)));
}

export interface LinearDecayToZeroOptions {
  /** The rate of the constant part. */
  learningRate: number;
  /** Steps at the full rate (the CycleGAN paper: 100 epochs; --n_epochs in the reference code). */
  constantSteps: number;
  /** Steps of linear decay after them (the paper: another 100 epochs; --n_epochs_decay). */
  decaySteps: number;
}

/**
 * The CycleGAN reference code's 'linear' policy:
 *   lr(step) = learningRate * (1 - max(0, step + 1 - constantSteps) / (decaySteps + 1)),
 * kept at least 1e-8 x the rate, so it stays positive (an optimizer refuses a rate of 0).
 */
export function linearDecayToZero(options: LinearDecayToZeroOptions): LearningRateSchedule {
  const fn = 'linearDecayToZero';
  if (options === null || typeof options !== 'object') fail(fn, 'options', 'an object { learningRate, constantSteps, decaySteps }', options);
  const { learningRate, constantSteps, decaySteps } = resolveOptions(fn, {}, options, ['learningRate', 'constantSteps', 'decaySteps']);
  checkNumber(fn, 'options.learningRate', learningRate, { above: 0 });
  checkNumber(fn, 'options.constantSteps', constantSteps, { min: 0 });
  checkNumber(fn, 'options.decaySteps', decaySteps, { min: 0 });
  return (step) => learningRate * Math.max(1e-8, 1 - Math.max(0, step + 1 - constantSteps) / (decaySteps + 1));
}

export interface CosineDecayOptions {
  /** The rate at step 0. */
  learningRate: number;
  /** The rate at step `steps` and after (default 0). */
  finalLearningRate?: number;
  /** Steps of the decay. */
  steps: number;
}

export const DEFAULT_COSINE_DECAY_OPTIONS = { finalLearningRate: 0 };

/**
 * Half a cosine from `learningRate` down to `finalLearningRate` over `steps`:
 *   lr(step) = final + (lr - final) * (1 + cos(pi * min(1, step / steps))) / 2.
 */
export function cosineDecay(options: CosineDecayOptions): LearningRateSchedule {
  const fn = 'cosineDecay';
  if (options === null || typeof options !== 'object') fail(fn, 'options', 'an object { learningRate, finalLearningRate?, steps }', options);
  const { learningRate, finalLearningRate, steps } = resolveOptions(fn, DEFAULT_COSINE_DECAY_OPTIONS, options, ['learningRate', 'steps']);
  checkNumber(fn, 'options.learningRate', learningRate, { above: 0 });
  checkNumber(fn, 'options.finalLearningRate', finalLearningRate, { min: 0 });
  checkPositiveInteger(fn, 'options.steps', steps);
  return (step) => {
    checkNonNegativeInteger(fn, 'step', step);
    const progress = Math.min(1, Math.max(0, step / steps));
    return finalLearningRate + (learningRate - finalLearningRate) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}
