/**
 * Homework 06 (GAN losses and stabilisers): the LSGAN losses, the hinge loss, WGAN-GP's gradient
 * penalty and the EMA of the generator's weights. References: losses.lsganDiscriminatorLoss,
 * losses.lsganGeneratorLoss, losses.hingeDiscriminatorLoss, losses.gradientPenalty, train.updateEma.
 */
import * as tf from '@tensorflow/tfjs';
import { hingeDiscriminatorLoss, gradientPenalty, lsganDiscriminatorLoss, lsganGeneratorLoss } from '../../losses/stabilisers';
import { buildDcganGenerator } from '../../models/dcgan';
import { updateEma } from '../../train/ema';
import { implementTask, trainTask } from '../define';
import type { CaseRandom } from '../random';
import { fmt, isMistake, numberOf, yoursVsExpected, ringModesOf } from './common';

type T = tf.Tensor;

// ---- 06.lsgan ------------------------------------------------------------------------------------

const lsgan = implementTask({
  id: '06.lsgan',
  title: 'the LSGAN losses { discriminator, generator }',
  points: 2,
  reference: (real: T, fake: T) =>
    tf.tidy(() => ({ discriminator: lsganDiscriminatorLoss(real, fake).total, generator: lsganGeneratorLoss(fake) })),
  cases: (random) => [
    { args: [random.normal([8, 1], { mean: 0.8 }), random.normal([8, 1], { mean: 0.2 })], note: 'random outputs' },
    { args: [random.tensor([0.5, 0.5], [2, 1]), random.tensor([0.5, 0.5], [2, 1])], note: 'every output 1/2 (L_D = 0.25, L_G = 0.125)' },
    { args: [random.normal([2, 4, 4, 1]), random.normal([3, 4, 4, 1], { std: 2 })], note: 'PatchGAN outputs, batches of 2 and 3' },
  ],
  compare: { rtol: 1e-4, atol: 1e-5, gradients: 'tape' },
  hints: [
    ({ got, expected, path }) =>
      Math.abs(got[0] - 2 * expected[0]) < 1e-4 * Math.max(1, Math.abs(expected[0]))
        ? `${yoursVsExpected(`${path} loss`, got, expected)} — twice the expected value: LSGAN's losses have a factor 1/2 on each mean.`
        : undefined,
    ({ got, expected, path, args: [, fake] }) =>
      path === 'generator' && isMistake(got, () => (fake as T).square().mean().mul(0.5))
        ? `${yoursVsExpected('generator loss', got, expected)}: G pushes D(G(z)) towards 1 (the real target): 1/2 mean (D(G(z)) − 1)².`
        : undefined,
    ({ got, expected, path, args: [real, fake] }) =>
      path === 'discriminator' && isMistake(got, () => (real as T).square().mean().mul(0.5).add((fake as T).sub(1).square().mean().mul(0.5)))
        ? `${yoursVsExpected('discriminator loss', got, expected)}: the targets are swapped; real outputs go towards 1, fake ones towards 0.`
        : undefined,
    ({ got, expected, path, args: [real, fake] }) =>
      path === 'discriminator' && isMistake(got, () => tf.concat([(real as T).sub(1).reshape([-1]), (fake as T).reshape([-1])]).square().mean().mul(0.5))
        ? `${yoursVsExpected('discriminator loss', got, expected)}: you took one mean over real and fake together; average each term separately.`
        : undefined,
  ],
});

// ---- 06.hinge --------------------------------------------------------------------------------------

const hinge = implementTask({
  id: '06.hinge',
  title: 'the hinge loss of the discriminator',
  points: 2,
  reference: (real: T, fake: T) => tf.tidy(() => hingeDiscriminatorLoss(real, fake).total),
  cases: (random) => [
    { args: [random.normal([8, 1], { std: 2 }), random.normal([8, 1], { std: 2 })], note: 'outputs on both sides of the margins' },
    { args: [random.tensor([2, 0.5, 1], [3, 1]), random.tensor([-2, 0, 1], [3, 1])], note: 'lesson 06\'s hand example (L_D = 0.8333 + 1)' },
    { args: [random.normal([2, 3, 3, 1], { mean: 3 }), random.normal([2, 3, 3, 1], { mean: -3 })], note: 'a confident D: most terms are 0' },
  ],
  compare: { rtol: 1e-4, atol: 1e-5, gradients: 'tape' },
  hints: [
    ({ got, expected, args: [real, fake] }) =>
      isMistake(got, () => tf.sub(1, real as T).mean().add(tf.add(1, fake as T).mean()))
        ? `${yoursVsExpected('loss', got, expected)}: the max(0, ·) is missing; outputs beyond the margin must cost nothing (tf.relu).`
        : undefined,
    ({ got, expected, args: [real, fake] }) =>
      isMistake(got, () => tf.relu(tf.add(1, real as T)).mean().add(tf.relu(tf.sub(1, fake as T)).mean()))
        ? `${yoursVsExpected('loss', got, expected)}: the signs are swapped; real outputs should be above +1: max(0, 1 − D(x)); fakes below −1: max(0, 1 + D(G(z))).`
        : undefined,
    ({ got, expected, args: [real, fake] }) =>
      isMistake(got, () => tf.relu(tf.sub(1, real as T)).mean().sub((fake as T).mean()))
        ? `${yoursVsExpected('loss', got, expected)}: −mean D(G(z)) is the hinge loss of the generator; the discriminator's fake term is mean max(0, 1 + D(G(z))).`
        : undefined,
  ],
});

// ---- 06.gradientPenalty ----------------------------------------------------------------------------

/** A small critic that tfjs can differentiate twice: flatten -> dense(6) -> tanh -> dense(1). */
function makeCritic(random: CaseRandom, inputSize: number): (images: T) => T {
  const w = tf.keep(random.normal([inputSize, 6], { std: 1 / Math.sqrt(inputSize) }));
  const v = tf.keep(random.normal([6, 1]));
  return (images: T) => tf.tidy(() => images.reshape([images.shape[0], -1]).matMul(w).tanh().matMul(v)); // [B, 1]
}

/** genlab's gradient penalty with a mistake in one place, for the hints. */
function penaltyVariant(critic: (x: T) => T, real: T, fake: T, epsilon: T, variant: 'batchNorm' | 'swapped' | 'squaredNorm' | 'abs'): T {
  const batchSize = real.shape[0];
  const eps = epsilon.reshape([batchSize, ...real.shape.slice(1).map(() => 1)]);
  const xHat = variant === 'swapped' ? fake.mul(eps).add(real.mul(tf.sub(1, eps))) : real.mul(eps).add(fake.mul(tf.sub(1, eps)));
  const g = tf.grad((x: T) => critic(x).sum())(xHat);
  if (variant === 'batchNorm') return g.square().sum().add(1e-12).sqrt().sub(1).square().mul(10);
  const norms = g.square().sum(g.shape.slice(1).map((_, i) => i + 1));
  if (variant === 'squaredNorm') return norms.sub(1).square().mean().mul(10);
  return norms.add(1e-12).sqrt().sub(1).abs().mean().mul(10);
}

const penalty = implementTask({
  id: '06.gradientPenalty',
  title: "WGAN-GP's gradient penalty, λ = 10, one ε and one norm per sample",
  points: 3,
  reference: (critic: (x: T) => T, real: T, fake: T, epsilon: tf.Tensor1D) => gradientPenalty(critic, real, fake, { epsilon }),
  cases: (random) => [
    { args: [makeCritic(random, 2), random.normal([16, 2]), random.normal([16, 2], { mean: 1 }), random.uniform([16])], note: '2-D points (the ring), B = 16' },
    { args: [makeCritic(random, 48), random.uniform([4, 4, 4, 3], { min: -1, max: 1 }), random.uniform([4, 4, 4, 3], { min: -1, max: 1 }), random.uniform([4])], note: 'images [4, 4, 4, 3]' },
    { args: [makeCritic(random, 5), random.normal([3, 5]), random.normal([3, 5]), random.tensor([0, 1, 0.5], [3])], note: 'ε = 0, 1 and 0.5 (the end points are the fake and the real sample)' },
  ],
  compare: { rtol: 1e-3, atol: 1e-4, gradients: 'tape', gradientRtol: 2e-2, gradientAtol: 1e-3 },
  hints: [
    ({ got, expected }) =>
      Math.abs(got[0] * 10 - expected[0]) < 1e-3 * Math.max(1, Math.abs(expected[0]))
        ? `${yoursVsExpected('penalty', got, expected)} — a tenth of it: multiply by λ = 10.`
        : undefined,
    ({ got, expected, args: [critic, real, fake, epsilon] }) =>
      isMistake(got, () => penaltyVariant(critic as (x: T) => T, real as T, fake as T, epsilon as T, 'batchNorm'))
        ? `${yoursVsExpected('penalty', got, expected)}: you took one norm over the whole batch; take one norm per sample (sum over every axis but the first) and average the penalties.`
        : undefined,
    ({ got, expected, args: [critic, real, fake, epsilon] }) =>
      isMistake(got, () => penaltyVariant(critic as (x: T) => T, real as T, fake as T, epsilon as T, 'swapped'))
        ? `${yoursVsExpected('penalty', got, expected)}: ε and 1 − ε are swapped: x̂ = ε · real + (1 − ε) · fake.`
        : undefined,
    ({ got, expected, args: [critic, real, fake, epsilon] }) =>
      isMistake(got, () => penaltyVariant(critic as (x: T) => T, real as T, fake as T, epsilon as T, 'squaredNorm'))
        ? `${yoursVsExpected('penalty', got, expected)}: you used the squared norm |g|²; take its square root before subtracting 1.`
        : undefined,
    ({ got, expected, args: [critic, real, fake, epsilon] }) =>
      isMistake(got, () => penaltyVariant(critic as (x: T) => T, real as T, fake as T, epsilon as T, 'abs'))
        ? `${yoursVsExpected('penalty', got, expected)}: the penalty squares (|g| − 1), it does not take its absolute value.`
        : undefined,
  ],
});

// ---- 06.ema ------------------------------------------------------------------------------------------

/** A small DCGAN generator (it has batch norm, so moving statistics that must be copied). */
const smallGenerator = (seed: number) => buildDcganGenerator({ latentSize: 8, filters: 4, imageShape: [8, 8, 1], seed });

const ema = implementTask({
  id: '06.ema',
  title: 'one EMA update: trainable weights averaged, batch-norm statistics copied',
  points: 3,
  custom: async (answer: unknown, random: CaseRandom) => {
    if (typeof answer !== 'function') return `expected your function updateEma, got ${typeof answer}`;
    const student = answer as (target: tf.LayersModel, source: tf.LayersModel, decay: number) => unknown;
    const targetSeed = random.int(1, 1000);
    const sourceSeed = targetSeed + 1;
    const mine = smallGenerator(targetSeed);
    const reference = smallGenerator(targetSeed);
    const source = smallGenerator(sourceSeed);
    try {
      // Give the source batch-norm statistics of its own (fresh ones are all 0 and 1).
      tf.tidy(() => source.weights.forEach((w) => {
        if (!w.trainable) w.write(random.uniform(w.shape as number[], { min: 0.2, max: 2 }));
      }));
      for (const decay of [0.9, 0.999]) {
        const sourceBefore = source.weights.map((w) => Array.from(w.read().dataSync()));
        const before = mine.weights.map((w) => Array.from(w.read().dataSync()));
        const count = tf.memory().numTensors;
        const returned = await student(mine, source, decay);
        if (returned instanceof tf.LayersModel && returned !== mine) {
          return 'your function returned a new model; update target\'s own weights in place (weight.write(…)) and return nothing.';
        }
        const leaked = tf.memory().numTensors - count;
        if (leaked > 0) return `for decay ${decay}, your function leaves ${leaked} tensors behind: wrap its body in tf.tidy(() => …).`;
        updateEma(reference, source, { decay });
        const changedSource = source.weights.findIndex((w, i) => Array.from(w.read().dataSync()).some((x, j) => x !== sourceBefore[i][j]));
        if (changedSource >= 0) return `your function changed the source model's weight ${source.weights[changedSource].name}: only target changes.`;
        for (let i = 0; i < reference.weights.length; i++) {
          const got = Array.from(mine.weights[i].read().dataSync());
          const want = Array.from(reference.weights[i].read().dataSync());
          const bad = want.findIndex((x, j) => !(Math.abs(got[j] - x) <= 1e-5 + 1e-4 * Math.abs(x)));
          if (bad < 0) continue;
          const w = reference.weights[i];
          const s = Array.from(source.weights[i].read().dataSync())[bad];
          const t = before[i][bad];
          const kind = w.trainable ? 'trainable weight' : 'non-trainable weight (batch-norm statistic)';
          const head = `for decay ${decay}, ${kind} ${w.name}[${bad}] is ${fmt(got[bad])}, expected ${fmt(want[bad])} (target was ${fmt(t)}, source is ${fmt(s)})`;
          if (got.every((x, j) => x === before[i][j])) return `${head}: target's weights did not change; write the new values into target.weights[i] with .write(…).`;
          if (!w.trainable && Math.abs(got[bad] - (decay * t + (1 - decay) * s)) < 1e-5 + 1e-4 * Math.abs(got[bad])) {
            return `${head}: you averaged a batch-norm statistic; copy non-trainable weights from the source (weight.trainable is false for them).`;
          }
          if (Math.abs(got[bad] - ((1 - decay) * t + decay * s)) < 1e-5 + 1e-4 * Math.abs(got[bad])) {
            return `${head}: decay and 1 − decay are swapped; the old average keeps the weight decay: decay · target + (1 − decay) · source.`;
          }
          if (Math.abs(got[bad] - s) < 1e-6 && w.trainable) return `${head}: you copied a trainable weight; average it: decay · target + (1 − decay) · source.`;
          return head;
        }
      }
      return undefined;
    } finally {
      mine.dispose();
      reference.dispose();
      source.dispose();
    }
  },
});

// ---- 06.ringLsgan ------------------------------------------------------------------------------------

/**
 * Modes of the ring covered by 1,000 samples of a toy GAN trained with the least-squares loss
 * (train.createGanTrainer, loss 'lsgan'). Master (seed 0, 20,000 ring points, Adam 4e-3 with linear decay, batch 64): 8 of 8 modes after
 * 4,000 steps (209 s on the shared machine, load 11); 3 of 8 at step 1,000 of that run. Quick mode:
 * 1,000 steps with the decay over them: 7 of 8. Bars: 6 full, 3 quick.
 */
const ringLsgan = trainTask({
  id: '06.ringLsgan',
  title: '≥ 6 of the 8 ring modes with the least-squares loss, within 4,000 steps of batch 64',
  points: 3,
  measure: 'ring modes covered',
  unit: ' of 8',
  digits: 0,
  bar: { full: 6, quick: 3 },
  direction: 'atLeast',
  evaluate: (answer: unknown, { seed }) => ringModesOf(answer, seed, 'myLsganGenerator'),
  advice: "use loss: 'lsgan' with homework 02's recipe: learning rate 4e-3 decayed over the second half with train.linearDecay, and all 4,000 steps.",
});

export const tasks = [lsgan, hinge, penalty, ema, ringLsgan];
