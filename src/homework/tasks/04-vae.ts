/**
 * Homework 04 (variational autoencoders): the KL term, the reparameterisation, the Bernoulli
 * log-likelihood, the negative ELBO, and a VAE trained to a test ELBO.
 * References are genlab's own functions (losses/vae.ts, models/vae.ts, train/vae.ts, metrics/elbo.ts).
 *
 * Bar of 04.testElbo, from runs of the master (latent 32, seed 0, 1,200 steps of batch 100):
 * see the comment at the task.
 */
import * as tf from '@tensorflow/tfjs';
import { loadMnist, type ImageDataset } from '../../data/datasets';
import { bernoulliLogLikelihood, elbo, klNormal } from '../../losses/vae';
import { reparameterize as genlabReparameterize, type Vae } from '../../models/vae';
import { evaluateElbo } from '../../metrics/elbo';
import { implementTask, trainTask } from '../define';
import type { CaseRandom } from '../random';
import { fmt, hasNonFinite, isMistake, numberOf, valuesOf, yoursVsExpected } from './common';

type T = tf.Tensor;

// ---- 04.kl -------------------------------------------------------------------------------

const kl = implementTask({
  id: '04.kl',
  title: 'KL(q(z|x) || N(0, I)), summed over latent dimensions, averaged over the batch',
  points: 2,
  reference: (mean: T, logVar: T) => klNormal(mean, logVar),
  cases: (random) => [
    { args: [random.normal([8, 4]), random.normal([8, 4])], note: 'random μ and log σ², B = 8, L = 4' },
    { args: [tf.zeros([3, 5]), tf.zeros([3, 5])], note: 'μ = 0, log σ² = 0 (q is the prior: KL = 0)' },
    { args: [tf.zeros([1, 1]), tf.fill([1, 1], -3)], note: 'one code, μ = 0, log σ² = −3' },
    { args: [random.normal([2, 32], { std: 2 }), random.uniform([2, 32], { min: -6, max: 3 })], note: 'L = 32, log σ² from −6 to 3' },
    { args: [random.normal([16, 2]), random.normal([16, 2], { mean: -1, std: 0.5 })], note: 'B = 16, L = 2' },
  ],
  compare: { rtol: 1e-4, atol: 1e-5, gradients: 'tape' },
  hints: [
    ({ got: student, expected, args: [mean, logVar] }) => {
      if (hasNonFinite(student)) return `your KL is ${fmt(numberOf(student))}: did you take the log of logVar? logVar already is log σ²; σ² is exp(logVar).`;
      return undefined;
    },
    ({ got: student, expected, args: [mean, logVar] }) =>
      isMistake(student, () => {
        const sigma = (logVar as T).mul(0.5).exp();
        return (mean as T).square().add(sigma).sub(1).sub((logVar as T).mul(0.5)).mul(0.5).sum(1).mean();
      })
        ? `${yoursVsExpected('KL', student, expected)}: did you use σ instead of σ²? σ² = exp(logVar), and log σ² is logVar itself.`
        : undefined,
    ({ got: student, expected, args: [mean, logVar] }) =>
      isMistake(student, () => (mean as T).square().add((logVar as T).exp()).sub(1).sub(logVar as T).mul(0.5).mean())
        ? `${yoursVsExpected('KL', student, expected)}: you averaged over the latent dimensions; sum over them (axis 1), then average over the batch.`
        : undefined,
    ({ got: student, expected, args: [mean, logVar] }) =>
      isMistake(student, () => (mean as T).square().add((logVar as T).exp()).sub(1).sub(logVar as T).mul(0.5).sum())
        ? `${yoursVsExpected('KL', student, expected)}: you summed over the batch too; average over the batch (axis 0).`
        : undefined,
    ({ got: student, expected }) =>
      isMistake(student, () => tf.mul(numberOf(expected), 2))
        ? `${yoursVsExpected('KL', student, expected)} — twice the expected value: the formula has a factor 1/2.`
        : undefined,
    ({ got: student, expected }) =>
      isMistake(student, () => tf.neg(numberOf(expected)))
        ? `${yoursVsExpected('KL', student, expected)}: the sign is flipped; a KL divergence is never negative.`
        : undefined,
    ({ got: student, expected, args: [mean, logVar] }) =>
      isMistake(student, () => (mean as T).square().add((logVar as T).exp()).sub(logVar as T).mul(0.5).sum(1).mean())
        ? `${yoursVsExpected('KL', student, expected)}: the "- 1" inside the sum is missing (then q = N(0, 1) would not give 0).`
        : undefined,
  ],
});

// ---- 04.reparameterize ---------------------------------------------------------------------

const reparameterize = implementTask({
  id: '04.reparameterize',
  title: 'z = μ + σ · ε with ε ~ N(0, I) drawn with the given seed',
  points: 2,
  reference: (mean: T, logVar: T, seed: number) => tf.tidy(() => {
    // genlab's reparameterize maps seed 0 to a fixed other seed (tfSeed); the cases use seeds >= 1,
    // where it hands the seed to tf.randomNormal unchanged, as the student is asked to.
    return genlabReparameterize(mean, logVar, seed);
  }),
  cases: (random) => [
    { args: [random.normal([8, 4]), random.normal([8, 4]), random.seed()], note: 'random μ and log σ², B = 8, L = 4' },
    { args: [tf.zeros([4, 3]), tf.zeros([4, 3]), random.seed()], note: 'μ = 0, log σ² = 0: z = ε' },
    { args: [random.normal([2, 6], { mean: 3 }), tf.fill([2, 6], 2), random.seed()], note: 'log σ² = 2 (σ = e)' },
    { args: [random.normal([5, 2]), tf.fill([5, 2], -4), random.seed()], note: 'log σ² = −4 (σ = 0.135)' },
  ],
  compare: { rtol: 1e-4, atol: 1e-5, gradients: 'tape' },
  hints: [
    ({ got: student, expected, args: [mean, logVar, seed] }) =>
      isMistake(student, () => (mean as T).add((logVar as T).exp().mul(tf.randomNormal((mean as T).shape, 0, 1, 'float32', seed as number))))
        ? 'your z uses exp(logVar) = σ² as the scale: the scale is σ = exp(0.5 · logVar).'
        : undefined,
    ({ got: student, expected, args: [mean, logVar, seed] }) =>
      isMistake(student, () => (mean as T).add((logVar as T).mul(tf.randomNormal((mean as T).shape, 0, 1, 'float32', seed as number))))
        ? 'your z multiplies ε by logVar itself: the scale is σ = exp(0.5 · logVar).'
        : undefined,
    ({ got: student, expected, args: [mean, logVar, seed] }) =>
      isMistake(student, () => (mean as T).add((logVar as T).mul(0.5).mul(tf.randomNormal((mean as T).shape, 0, 1, 'float32', seed as number))))
        ? 'your z multiplies ε by 0.5 · logVar: take the exponential, σ = exp(0.5 · logVar).'
        : undefined,
    ({ got: student, expected, args: [mean] }) =>
      isMistake(student, () => (mean as T).clone())
        ? 'your z equals μ: the noise term σ · ε is missing, so nothing is sampled.'
        : undefined,
    ({ got: student, args: [mean, logVar] }) => {
      // Right formula, other noise: (z - mu) / sigma has about unit variance but other values.
      const sigma = valuesOf(tf.tidy(() => (logVar as T).mul(0.5).exp()));
      const mu = valuesOf(mean);
      if (student.length !== mu.length) return undefined;
      const spread = student.reduce((s, z, i) => s + ((z - mu[i]) / sigma[i]) ** 2, 0) / student.length;
      return Number.isFinite(spread) && spread > 0.3 && spread < 3
        ? "your z has the right spread but other values: draw ε with tf.randomNormal(mean.shape, 0, 1, 'float32', seed) exactly (the same op and seed give the same numbers)."
        : undefined;
    },
  ],
});

// ---- 04.bernoulli ----------------------------------------------------------------------------

const binaryTargets = (random: CaseRandom, shape: number[]): T => random.bernoulli(shape, 0.3);

const bernoulli = implementTask({
  id: '04.bernoulli',
  title: 'Bernoulli log-likelihood from logits, summed over pixels, averaged over the batch',
  points: 2,
  reference: (logits: T, targets: T) => bernoulliLogLikelihood(logits, targets),
  cases: (random) => [
    { args: [random.normal([4, 28, 28, 1], { std: 3 }), binaryTargets(random, [4, 28, 28, 1])], note: 'MNIST-sized batch, binary targets' },
    { args: [random.normal([3, 5, 5, 1], { std: 2 }), random.uniform([3, 5, 5, 1])], note: 'grey targets in [0, 1]' },
    { args: [tf.tensor4d([100, -100, 100, -100], [1, 2, 2, 1]), tf.tensor4d([1, 0, 0, 1], [1, 2, 2, 1])], note: 'logits of ±100 (sigmoid is exactly 0 or 1 in float32)' },
    { args: [tf.zeros([2, 3, 3, 2]), binaryTargets(random, [2, 3, 3, 2])], note: 'logits 0: every pixel costs ln 2' },
  ],
  compare: { rtol: 1e-4, atol: 1e-3, gradients: 'tape' },
  hints: [
    ({ got: student }) =>
      hasNonFinite(student)
        ? `your log-likelihood is ${fmt(numberOf(student))}: log(sigmoid(l)) is -Infinity for very negative logits in float32; compute targets · logits − softplus(logits) instead.`
        : undefined,
    ({ got: student, expected }) =>
      isMistake(student, () => tf.neg(numberOf(expected)))
        ? `${yoursVsExpected('log-likelihood', student, expected)}: the sign is flipped (that is the cross-entropy, the loss); a log-likelihood of binary pixels is ≤ 0.`
        : undefined,
    ({ got: student, expected, args: [logits, targets] }) =>
      isMistake(student, () => (targets as T).mul(logits as T).sub(tf.softplus(logits as T)).mean())
        ? `${yoursVsExpected('log-likelihood', student, expected)}: you averaged over the pixels; sum over each image's pixels (axes 1, 2, 3), then average over the batch.`
        : undefined,
    ({ got: student, expected, args: [logits, targets] }) =>
      isMistake(student, () => (targets as T).mul(logits as T).sub(tf.softplus(logits as T)).sum())
        ? `${yoursVsExpected('log-likelihood', student, expected)}: you summed over the batch too; average over the batch.`
        : undefined,
    ({ got: student, expected, args: [logits, targets] }) =>
      isMistake(student, () => (targets as T).mul(logits as T).sub(tf.softplus((logits as T).neg())).sum([1, 2, 3]).mean())
        ? `${yoursVsExpected('log-likelihood', student, expected)}: softplus(−l) is −log σ(l); the stable form is x · l − softplus(l) (softplus of +l).`
        : undefined,
  ],
});

// ---- 04.elbo ------------------------------------------------------------------------------------

const negativeElbo = implementTask({
  id: '04.elbo',
  title: 'the loss −ELBO_β = β KL − log p(x|z)',
  points: 2,
  reference: (logits: T, targets: T, mean: T, logVar: T, beta: number) => tf.tidy(() => elbo(logits, targets, mean, logVar, { beta }).total),
  cases: (random) => [
    { args: [random.normal([4, 28, 28, 1], { std: 2 }), binaryTargets(random, [4, 28, 28, 1]), random.normal([4, 8]), random.normal([4, 8]), 1], note: 'β = 1' },
    { args: [random.normal([4, 6, 6, 1], { std: 2 }), binaryTargets(random, [4, 6, 6, 1]), random.normal([4, 3], { std: 2 }), random.normal([4, 3]), 4], note: 'β = 4' },
    { args: [random.normal([2, 6, 6, 1], { std: 2 }), binaryTargets(random, [2, 6, 6, 1]), random.normal([2, 3], { std: 2 }), random.normal([2, 3]), 0.25], note: 'β = 0.25' },
    { args: [random.normal([2, 6, 6, 1]), binaryTargets(random, [2, 6, 6, 1]), random.normal([2, 3]), random.normal([2, 3]), 0], note: 'β = 0 (a plain autoencoder)' },
  ],
  compare: { rtol: 1e-4, atol: 1e-3, gradients: 'tape' },
  hints: [
    ({ got: student, expected }) =>
      isMistake(student, () => tf.neg(numberOf(expected)))
        ? `${yoursVsExpected('loss', student, expected)}: you returned the ELBO; the loss to minimise is its negative, β · KL − log p(x|z).`
        : undefined,
    ({ got: student, expected, args: [logits, targets, mean, logVar, beta] }) =>
      isMistake(student, () => klNormal(mean as T, logVar as T).sub(bernoulliLogLikelihood(logits as T, targets as T).mul(beta as number)))
        ? `${yoursVsExpected('loss', student, expected)} for β = ${beta}: β multiplies the KL term, not the reconstruction term.`
        : undefined,
    ({ got: student, expected, args: [logits, targets, mean, logVar, beta] }) =>
      beta !== 1 && isMistake(student, () => klNormal(mean as T, logVar as T).sub(bernoulliLogLikelihood(logits as T, targets as T)))
        ? `${yoursVsExpected('loss', student, expected)} for β = ${beta}: your loss does not change with β; multiply the KL term by beta.`
        : undefined,
    ({ got: student, expected, args: [logits, targets, mean, logVar, beta] }) =>
      isMistake(student, () => klNormal(mean as T, logVar as T).mul(beta as number).add(bernoulliLogLikelihood(logits as T, targets as T)))
        ? `${yoursVsExpected('loss', student, expected)}: the reconstruction term has the wrong sign; the loss subtracts the log-likelihood.`
        : undefined,
    () => 'if tasks 1 and 3 pass, the difference is in how they are combined; if not, fix them first.',
  ],
});

// ---- 04.testElbo ------------------------------------------------------------------------------

let mnistCache: ImageDataset | undefined;

/**
 * The test ELBO (metrics.evaluateElbo on the 2,000 test digits, one seeded binarisation) in nats.
 * Runs of the master (latent 32, batch 100, Adam 1e-3) on the shared 2-core machine: seed 0
 * −133.4 after 400 steps, −118.8 after 800, −112.6 after 1,200 (149 s, load 10); seed 1 −113.0
 * after 1,200 (344 s, load 10). Quick mode (60 steps): −202.2. Bars: −120 full, −230 quick.
 */
const testElbo = trainTask({
  id: '04.testElbo',
  title: 'a VAE with test ELBO ≥ −120 nats within 1,200 steps of batch 100',
  points: 4,
  measure: 'test ELBO',
  unit: ' nats',
  digits: 1,
  bar: { full: -120, quick: -230 },
  direction: 'atLeast',
  evaluate: async (answer: unknown) => {
    const vae = answer as Vae;
    if (!vae || typeof vae !== 'object' || !(vae.encoder instanceof tf.LayersModel) || !(vae.decoder instanceof tf.LayersModel) || !vae.options) {
      throw new Error('myVae must be a VAE made by models.buildVae (an object with encoder, decoder and options)');
    }
    const [h, w, c] = vae.options.imageShape;
    if (h !== 28 || w !== 28 || c !== 1) throw new Error(`myVae must model MNIST images [28, 28, 1], its imageShape is [${vae.options.imageShape}]`);
    mnistCache ??= await loadMnist();
    const labels = vae.options.numClasses > 0 ? mnistCache.test.labels : undefined;
    const estimate = evaluateElbo(vae, mnistCache.test.images, { labels });
    const small = vae.options.latentSize < 8 ? `; a ${vae.options.latentSize}-dimensional code is too small to describe a digit well (try 16–32)` : '';
    return { value: estimate.elbo, note: `reconstruction ${estimate.reconstruction.toFixed(1)}, KL ${estimate.kl.toFixed(1)}${small}` };
  },
  advice: 'train for more steps (up to 1,200), use a latent code of 16–32 dimensions, and keep the learning rate near 1e-3.',
});

export const tasks = [kl, reparameterize, bernoulli, negativeElbo, testElbo];
