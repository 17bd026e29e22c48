/**
 * Homework 02 (the GAN game): BCE from logits, the discriminator loss with one-sided label
 * smoothing, the non-saturating generator loss, and a toy GAN that covers the ring.
 * References are genlab's own functions (losses/gan.ts, data/ring.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { bceWithLogits, discriminatorLoss, generatorLoss } from '../../losses/gan';
import { implementTask, trainTask } from '../define';
import { fmt, hasNonFinite, isMistake, numberOf, yoursVsExpected, ringModesOf } from './common';

type T = tf.Tensor;

// ---- 02.bce ----------------------------------------------------------------------------------

const bce = implementTask({
  id: '02.bce',
  title: 'binary cross-entropy from logits, element by element',
  points: 2,
  reference: (logits: T, target: number) => bceWithLogits(logits, target),
  cases: (random) => [
    { args: [random.normal([6, 1], { std: 2 }), 1], note: 'random logits, target 1 (real)' },
    { args: [random.normal([6, 1], { std: 2 }), 0], note: 'random logits, target 0 (fake)' },
    { args: [random.normal([2, 3, 3, 1], { std: 2 }), 0.9], note: 'a patch of logits, target 0.9 (smoothed)' },
    { args: [random.tensor([50, -50, 30, -30], [4, 1]), 1], note: 'logits of ±50 and ±30, target 1' },
    { args: [random.tensor([50, -50, 30, -30], [4, 1]), 0], note: 'logits of ±50 and ±30, target 0' },
  ],
  compare: { rtol: 1e-4, atol: 1e-4, gradients: 'tape' },
  hints: [
    ({ got }) =>
      hasNonFinite(got)
        ? `your BCE contains ${got.find((x) => !Number.isFinite(x))}: log(sigmoid(a)) or log(1 − sigmoid(a)) is −Infinity for large |a| in float32; use softplus(−a) and softplus(a) instead.`
        : undefined,
    ({ got, expected, args: [logits, target] }) =>
      isMistake(got, () => tf.softplus(logits as T).mul(target as number).add(tf.softplus((logits as T).neg()).mul(1 - (target as number))))
        ? `for target ${fmt(target as number)} your BCE is the one for target ${fmt(1 - (target as number))}: −log σ(a) = softplus(−a) goes with y, −log(1 − σ(a)) = softplus(a) with 1 − y.`
        : undefined,
    ({ got, expected }) =>
      got.length === expected.length && isMistake(got, () => tf.neg(tf.tensor(expected)))
        ? 'your BCE has the wrong sign: a cross-entropy is ≥ 0 (it is minus a log-probability).'
        : undefined,
    ({ got, expected }) =>
      got.length === 1 && expected.length > 1
        ? `you returned one number; return the BCE of every element (shape like logits, ${expected.length} values), without taking the mean.`
        : undefined,
  ],
});

// ---- 02.discriminatorLoss --------------------------------------------------------------------

const dLoss = implementTask({
  id: '02.discriminatorLoss',
  title: "the discriminator's loss with one-sided label smoothing",
  points: 3,
  reference: (realLogits: T, fakeLogits: T, labelSmoothing: number) => discriminatorLoss(realLogits, fakeLogits, { labelSmoothing }),
  cases: (random) => [
    { args: [random.normal([8, 1], { mean: 1 }), random.normal([8, 1], { mean: -1 }), 0], note: 'no smoothing (s = 0)' },
    { args: [random.normal([8, 1], { mean: 1 }), random.normal([8, 1], { mean: -1 }), 0.1], note: 's = 0.1 (real targets 0.9)' },
    { args: [random.normal([6, 1], { std: 3 }), random.normal([10, 1], { std: 3 }), 0.2], note: 'batches of 6 real and 10 fake, s = 0.2' },
    { args: [random.normal([2, 4, 4, 1]), random.normal([2, 4, 4, 1]), 0.1], note: 'PatchGAN logits [2, 4, 4, 1], s = 0.1' },
  ],
  compare: { rtol: 1e-4, atol: 1e-5, gradients: 'tape' },
  hints: [
    ({ got, expected, args: [real, fake, s] }) =>
      (s as number) > 0 && isMistake(got, () => bceWithLogits(real as T, 1 - (s as number)).mean().add(bceWithLogits(fake as T, s as number).mean()))
        ? `${yoursVsExpected('loss', got, expected)} for s = ${s}: you smoothed the fake targets too (to ${s}); one-sided smoothing moves only the real targets to 1 − s, fakes stay at 0.`
        : undefined,
    ({ got, expected, args: [real, fake, s] }) =>
      (s as number) > 0 && isMistake(got, () => bceWithLogits(real as T, s as number).mean().add(bceWithLogits(fake as T, 0).mean()))
        ? `${yoursVsExpected('loss', got, expected)} for s = ${s}: the real target is 1 − s = ${fmt(1 - (s as number))}, not s.`
        : undefined,
    ({ got, expected }) =>
      isMistake(got, () => tf.scalar(numberOf(expected) / 2))
        ? `${yoursVsExpected('loss', got, expected)} — half the expected value: add the two means, do not average them (at logits 0 the loss is 2 ln 2 = 1.386).`
        : undefined,
    ({ got, expected, args: [real, fake, s] }) =>
      (s as number) > 0 && isMistake(got, () => bceWithLogits(real as T, 1).mean().add(bceWithLogits(fake as T, 0).mean()))
        ? `${yoursVsExpected('loss', got, expected)} for s = ${s}: labelSmoothing is ignored; aim the real logits at 1 − s.`
        : undefined,
    ({ got, expected, args: [real, fake, s] }) =>
      isMistake(got, () => tf.concat([bceWithLogits((real as T).reshape([-1]), 1 - (s as number)), bceWithLogits((fake as T).reshape([-1]), 0)]).mean())
        ? `${yoursVsExpected('loss', got, expected)}: you took one mean over real and fake together; take the mean of each term separately and add them.`
        : undefined,
  ],
});

// ---- 02.generatorLoss ------------------------------------------------------------------------

const gLoss = implementTask({
  id: '02.generatorLoss',
  title: "the generator's non-saturating loss",
  points: 2,
  reference: (fakeLogits: T) => generatorLoss(fakeLogits),
  cases: (random) => [
    { args: [random.normal([16, 1])], note: 'random fake logits' },
    { args: [random.normal([16, 1], { mean: -4 })], note: 'D rejects the fakes (logits around −4)' },
    { args: [random.normal([2, 3, 3, 1], { mean: 2 })], note: 'PatchGAN logits, D fooled' },
    { args: [random.tensor([-60, 60, 0], [3, 1])], note: 'logits −60, 60 and 0' },
  ],
  compare: { rtol: 1e-4, atol: 1e-5, gradients: 'tape' },
  hints: [
    ({ got }) =>
      hasNonFinite(got)
        ? `your loss is ${fmt(got[0])}: −log(sigmoid(a)) overflows for very negative a in float32; use softplus(−a).`
        : undefined,
    ({ got, expected, args: [fake] }) =>
      isMistake(got, () => tf.softplus(fake as T).mean().neg())
        ? `${yoursVsExpected('loss', got, expected)}: that is the minimax loss mean log(1 − D(G(z))), whose gradient vanishes while D rejects the fakes; minimise −log D(G(z)) = softplus(−a).`
        : undefined,
    ({ got, expected, args: [fake] }) =>
      isMistake(got, () => tf.softplus(fake as T).mean())
        ? `${yoursVsExpected('loss', got, expected)}: softplus(a) is D's loss on a fake (target 0); G wants its fakes judged real (target 1): softplus(−a).`
        : undefined,
    ({ got, expected, args: [fake] }) =>
      isMistake(got, () => tf.softplus((fake as T).neg()).sum())
        ? `${yoursVsExpected('loss', got, expected)}: you summed over the batch; take the mean.`
        : undefined,
  ],
});

// ---- 02.ringModes ----------------------------------------------------------------------------

/**
 * Modes of the ring covered by 1,000 samples of the student's generator (data.ringCoverage).
 * Master: toy GAN, 4,000 steps at 4e-3 with linear decay, seed 0 (see the closing note).
 */
const ringModes = trainTask({
  id: '02.ringModes',
  title: '≥ 6 of the 8 ring modes within 4,000 steps of batch 64',
  points: 3,
  measure: 'ring modes covered',
  unit: ' of 8',
  digits: 0,
  // Master, seed 0 (seed 1 in brackets): 4,000 steps 8 (8) of 8 modes; quick mode's 1,000 steps
  // 5 of 8 (500 steps: 0 of 8 for both seeds).
  bar: { full: 6, quick: 2 },
  direction: 'atLeast',
  evaluate: (answer: unknown, { seed }) => ringModesOf(answer, seed, 'myRingGenerator'),
  advice: 'use a larger learning rate (lesson 02 uses 4e-3 with Adam β1 = 0.5) decayed over the second half of the run with train.linearDecay, and all 4,000 steps.',
});

export const tasks = [bce, dLoss, gLoss, ringModes];
