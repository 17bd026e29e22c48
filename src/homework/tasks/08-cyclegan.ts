/**
 * Homework 08 (CycleGAN): the least-squares adversarial terms, the cycle and identity losses, and
 * the image history buffer. References: losses.cycleGanGeneratorLoss (its parts picked out by
 * its weights) and train.ImageHistoryBuffer.
 */
import * as tf from '@tensorflow/tfjs';
import { makeRandom } from '../../random';
import { cycleGanGeneratorLoss } from '../../losses/translation';
import { ImageHistoryBuffer } from '../../train/image-buffer';
import { implementTask } from '../define';
import type { CaseRandom } from '../random';
import { fmt, isMistake, yoursVsExpected } from './common';

type T = tf.Tensor;

const images = (random: CaseRandom, shape: number[]): T => random.uniform(shape, { min: -1, max: 1 });

// ---- 08.adversarial ----------------------------------------------------------------------------------

const adversarial = implementTask({
  id: '08.adversarial',
  title: 'the least-squares adversarial terms of both generators',
  points: 2,
  // cycleWeight 0 and identityWeight 0 leave only adversarialAB + adversarialBA in the total.
  reference: (scoresFakeB: T, scoresFakeA: T) =>
    tf.tidy(() => {
      const zeros = tf.zeros([1, 2, 2, 1]);
      return cycleGanGeneratorLoss(
        { realA: zeros, realB: zeros, reconstructedA: zeros, reconstructedB: zeros, scoresFakeB, scoresFakeA },
        { cycleWeight: 0, identityWeight: 0 },
      ).total;
    }),
  cases: (random) => [
    { args: [random.normal([2, 4, 4, 1]), random.normal([2, 4, 4, 1])], note: 'random patch scores' },
    { args: [random.normal([3, 2, 2, 1], { mean: 1 }), random.normal([1, 2, 2, 1], { mean: -1 })], note: 'batches of 3 and 1' },
    { args: [random.tensor([1, 1, 1, 1], [1, 2, 2, 1]), random.tensor([0, 0, 0, 0], [1, 2, 2, 1])], note: 'D_B fooled (scores 1), D_A not (scores 0): the loss is 1' },
  ],
  compare: { rtol: 1e-4, atol: 1e-5, gradients: 'tape' },
  hints: [
    ({ got, expected }) =>
      Math.abs(2 * got[0] - expected[0]) < 1e-4 * Math.max(1, expected[0])
        ? `${yoursVsExpected('loss', got, expected)} — half of it: CycleGAN's code takes the mean squared error, without LSGAN's 1/2.`
        : undefined,
    ({ got, expected, args: [b, a] }) =>
      isMistake(got, () => (b as T).square().mean().add((a as T).square().mean()))
        ? `${yoursVsExpected('loss', got, expected)}: the generators push the scores towards 1 (real), not 0: mean (D(fake) − 1)².`
        : undefined,
    ({ got, expected, args: [b, a] }) =>
      isMistake(got, () => tf.concat([(b as T).reshape([-1]), (a as T).reshape([-1])]).sub(1).square().mean())
        ? `${yoursVsExpected('loss', got, expected)}: you took one mean over both discriminators' scores; take each mean separately and add them.`
        : undefined,
  ],
});

// ---- 08.cycle -------------------------------------------------------------------------------------------

const cycle = implementTask({
  id: '08.cycle',
  title: 'the cycle-consistency loss λ (mean |F(G(a)) − a| + mean |G(F(b)) − b|)',
  points: 3,
  // Scores of 1 make the adversarial terms 0; identityWeight 0 drops the identity terms.
  reference: (realA: T, reconstructedA: T, realB: T, reconstructedB: T, lambda: number) =>
    tf.tidy(() => {
      const ones = tf.ones([1, 2, 2, 1]);
      return cycleGanGeneratorLoss(
        { realA, realB, reconstructedA, reconstructedB, scoresFakeB: ones, scoresFakeA: ones },
        { lambdaCycle: lambda, identityWeight: 0 },
      ).total;
    }),
  cases: (random) => [
    { args: [images(random, [2, 6, 6, 3]), images(random, [2, 6, 6, 3]), images(random, [2, 6, 6, 3]), images(random, [2, 6, 6, 3]), 10], note: 'λ = 10 (the paper), RGB batches of 2' },
    { args: [images(random, [3, 4, 4, 1]), images(random, [3, 4, 4, 1]), images(random, [1, 4, 4, 1]), images(random, [1, 4, 4, 1]), 5], note: 'λ = 5, batches of 3 and 1' },
    { args: [images(random, [1, 4, 4, 1]), images(random, [1, 4, 4, 1]), images(random, [1, 4, 4, 1]), images(random, [1, 4, 4, 1]), 0], note: 'λ = 0 (the "no cycle" ablation)' },
  ],
  compare: { rtol: 1e-4, atol: 1e-5, gradients: 'tape' },
  hints: [
    ({ got, expected, args: [a, ra, b, rb, lambda] }) =>
      isMistake(got, () => (ra as T).sub(a as T).square().mean().add((rb as T).sub(b as T).square().mean()).mul(lambda as number))
        ? `${yoursVsExpected('loss', got, expected)}: you used squared errors; the cycle loss is an L1 distance, mean |F(G(a)) − a|.`
        : undefined,
    ({ got, expected, args: [a, ra, b, rb] }) =>
      isMistake(got, () => (ra as T).sub(a as T).abs().mean().add((rb as T).sub(b as T).abs().mean()))
        ? `${yoursVsExpected('loss', got, expected)}: λ is missing; multiply the sum of the two means by λ.`
        : undefined,
    ({ got, expected, args: [a, ra, b, rb, lambda] }) =>
      isMistake(got, () => (ra as T).sub(a as T).abs().mean().mul(lambda as number))
        ? `${yoursVsExpected('loss', got, expected)}: only the A → B → A cycle is there; add the B → A → B one, mean |G(F(b)) − b|.`
        : undefined,
    ({ got, expected, args: [a, ra, b, rb, lambda] }) =>
      isMistake(got, () => (ra as T).sub(a as T).abs().sum().add((rb as T).sub(b as T).abs().sum()).mul(lambda as number))
        ? `${yoursVsExpected('loss', got, expected)}: you summed the absolute errors; take their means.`
        : undefined,
  ],
});

// ---- 08.identity ----------------------------------------------------------------------------------------

const identity = implementTask({
  id: '08.identity',
  title: 'the identity loss w λ (mean |F(a) − a| + mean |G(b) − b|)',
  points: 2,
  // Reconstructions equal to the inputs and scores of 1 leave only the identity terms.
  reference: (realA: T, identityA: T, realB: T, identityB: T, lambda: number, identityWeight: number) =>
    tf.tidy(() => {
      const ones = tf.ones([1, 2, 2, 1]);
      return cycleGanGeneratorLoss(
        { realA, realB, reconstructedA: realA, reconstructedB: realB, scoresFakeB: ones, scoresFakeA: ones, identityA, identityB },
        { lambdaCycle: lambda, identityWeight, cycleWeight: 0 },
      ).total;
    }),
  cases: (random) => [
    { args: [images(random, [2, 6, 6, 3]), images(random, [2, 6, 6, 3]), images(random, [2, 6, 6, 3]), images(random, [2, 6, 6, 3]), 10, 0.5], note: 'λ = 10, w = 0.5 (the paper)' },
    { args: [images(random, [3, 4, 4, 1]), images(random, [3, 4, 4, 1]), images(random, [2, 4, 4, 1]), images(random, [2, 4, 4, 1]), 10, 0.1], note: 'λ = 10, w = 0.1, batches of 3 and 2' },
  ],
  compare: { rtol: 1e-4, atol: 1e-5, gradients: 'tape' },
  hints: [
    ({ got, expected, args: [a, ia, b, ib, lambda] }) =>
      isMistake(got, () => (ia as T).sub(a as T).abs().mean().add((ib as T).sub(b as T).abs().mean()).mul(lambda as number))
        ? `${yoursVsExpected('loss', got, expected)}: the identity weight w is missing; the term is weighted by w · λ (λ / 2 in the paper).`
        : undefined,
    ({ got, expected, args: [a, ia, b, ib, lambda, w] }) =>
      isMistake(got, () => (ia as T).sub(a as T).abs().mean().add((ib as T).sub(b as T).abs().mean()).mul(w as number))
        ? `${yoursVsExpected('loss', got, expected)}: λ is missing; the weight is w · λ = ${fmt((w as number) * (lambda as number))}.`
        : undefined,
  ],
});

// ---- 08.imageBuffer ---------------------------------------------------------------------------------------

interface StudentBuffer {
  query(batch: tf.Tensor4D): tf.Tensor4D;
  dispose?(): void;
}

/** The buffer's rule with one mistake, to name it when a student's outputs follow it. */
class VariantBuffer {
  private readonly random: () => number;
  private readonly images: number[][] = [];
  constructor(private readonly size: number, seed: number, private readonly mistake: 'noReplace' | 'lessThan' | 'oneDraw') {
    this.random = makeRandom(seed);
  }
  query(batch: number[][]): number[][] {
    return batch.map((image) => {
      if (this.images.length < this.size) {
        this.images.push(image);
        return image;
      }
      const u = this.random();
      if (this.mistake === 'lessThan' ? u < 0.5 : u > 0.5) {
        const index = Math.floor((this.mistake === 'oneDraw' ? u : this.random()) * this.size);
        const old = this.images[index];
        if (this.mistake !== 'noReplace') this.images[index] = image;
        return old;
      }
      return image;
    });
  }
}

const MISTAKES = {
  noReplace: 'when you hand on a stored image, store the new image in its place (the buffer must keep up with the generator).',
  lessThan: 'your swaps happen exactly when genlab keeps the new image: swap when random() > 0.5.',
  oneDraw: 'draw the index with a second call, Math.floor(random() * size), not from the number that decided the swap.',
} as const;

const imageBuffer = implementTask({
  id: '08.imageBuffer',
  title: 'the image history buffer (store while not full, then swap with probability 1/2)',
  points: 3,
  custom: async (answer: unknown, random: CaseRandom) => {
    if (typeof answer !== 'function') return `expected your class ImageBuffer itself (not an instance), got ${typeof answer}`;
    const Buffer = answer as new (size: number, seed: number) => StudentBuffer;
    const size = random.int(2, 5);
    const seed = random.int(1, 1_000_000);
    const batchSize = 3;
    const start = tf.memory().numTensors;
    const mine = new Buffer(size, seed);
    const reference = new ImageHistoryBuffer({ size, seed });
    const variants = (Object.keys(MISTAKES) as Array<keyof typeof MISTAKES>).map((m) => ({ m, buffer: new VariantBuffer(size, seed, m), same: true }));
    try {
      for (let step = 0; step < 6; step++) {
        const batch = random.uniform([batchSize, 2, 2, 1]) as tf.Tensor4D;
        const rows = (batch.arraySync() as number[][][][]).map((image) => image.flat(2));
        const out = mine.query(batch);
        const expected = reference.query(batch);
        try {
          if (!(out instanceof tf.Tensor) || out.shape.join() !== batch.shape.join()) {
            return `query must return a tensor [${batch.shape}] like its input, got ${out instanceof tf.Tensor ? `[${out.shape}]` : typeof out}`;
          }
          const got = (out.arraySync() as number[][][][]).map((image) => image.flat(2));
          const want = (expected.arraySync() as number[][][][]).map((image) => image.flat(2));
          for (const v of variants) {
            const vOut = v.buffer.query(rows);
            v.same = v.same && vOut.every((image, i) => image.every((x, j) => Math.abs(x - got[i][j]) < 1e-6));
          }
          const bad = want.findIndex((image, i) => image.some((x, j) => Math.abs(x - got[i][j]) > 1e-6));
          if (bad >= 0) {
            const stored = Math.min(size, step * batchSize + bad);
            const handedNew = got[bad].every((x, j) => Math.abs(x - rows[bad][j]) < 1e-6);
            const wantedNew = want[bad].every((x, j) => Math.abs(x - rows[bad][j]) < 1e-6);
            const what = handedNew && !wantedNew ? 'you handed on the new image where genlab handed on a stored one' : !handedNew && wantedNew ? 'you handed on a stored image where genlab handed on the new one' : 'you handed on another stored image than genlab';
            const named = variants.find((v) => v.same);
            return `with size ${size}, in batch ${step + 1}, image ${bad + 1} (the buffer held ${stored} of ${size} images): ${what}` +
              (named ? `; ${MISTAKES[named.m]}` : '; follow the rule step by step, with random() called once to decide and once for the index.');
          }
        } finally {
          tf.dispose([batch, expected]);
          if (out instanceof tf.Tensor && !out.isDisposed) out.dispose();
        }
      }
      const held = tf.memory().numTensors - start - size; // the reference holds `size` images
      if (held > size) return `after 6 batches your buffer holds ${held} tensors for its ${size} images: dispose the image you replace, and keep only clones you own (tf.keep(image.clone())).`;
      mine.dispose?.();
      reference.dispose();
      const left = tf.memory().numTensors - start;
      if (left > 0) return `after dispose() ${left} tensors of your buffer are still alive: dispose() must free every stored image.`;
      return undefined;
    } finally {
      reference.dispose();
    }
  },
});

export const tasks = [adversarial, cycle, identity, imageBuffer];
