/**
 * Homework 03 (conditional GANs): one-hot labels, the generator's and the discriminator's
 * inputs, and a cGAN trained to a conditional accuracy.
 * References: models.oneHotLabels, and the concatenations of models/cgan.ts (g_concat: z first,
 * then the one-hot label; d_concat: the flattened image, then the label); metrics.sampleQuality.
 */
import * as tf from '@tensorflow/tfjs';
import { judge as loadJudge, type Judge } from '../../metrics/judge';
import { sampleQuality } from '../../metrics/quality';
import { generateConditional, oneHotLabels } from '../../models/cgan';
import { implementTask, trainTask } from '../define';
import type { CaseRandom } from '../random';
import { isMistake } from './common';

type T = tf.Tensor;

const labelsOf = (random: CaseRandom, count: number, numClasses: number): number[] =>
  Array.from({ length: count }, () => random.int(0, numClasses));

// ---- 03.oneHot ---------------------------------------------------------------------------------

const oneHot = implementTask({
  id: '03.oneHot',
  title: 'one-hot labels, float32 [B, K]',
  points: 2,
  reference: (labels: number[], numClasses: number) => oneHotLabels(labels, numClasses),
  cases: (random) => [
    { args: [labelsOf(random, 8, 10), 10], note: '8 random digits, K = 10' },
    { args: [[0, 9, 0, 9], 10], note: 'the first and the last class, 0 and 9' },
    { args: [labelsOf(random, 5, 3), 3], note: 'K = 3' },
    { args: [[1], 2], note: 'one label, K = 2' },
  ],
  compare: { gradients: false },
  hints: [
    ({ got, expected }) =>
      got.length === expected.length + expected.length / 10 || got.length * 10 === expected.length * 11
        ? 'your rows have one column too many: K classes need K columns (0 … K − 1).'
        : undefined,
    ({ got, args: [labels, k] }) =>
      got.length === (labels as number[]).length * (k as number) &&
      isMistake(got, () => tf.oneHot(tf.tensor1d((labels as number[]).map((y) => Math.max(0, y - 1)), 'int32'), k as number).cast('float32'))
        ? 'your 1s sit one column to the left: class y goes to column y (counting from 0), no −1.'
        : undefined,
  ],
});

// ---- 03.generatorInput -----------------------------------------------------------------------

const generatorInput = implementTask({
  id: '03.generatorInput',
  title: "the generator's input [z, onehot(y)], [B, L + K]",
  points: 2,
  reference: (z: T, labels: number[], numClasses: number) => tf.tidy(() => tf.concat([z, oneHotLabels(labels, numClasses)], 1)),
  cases: (random) => [
    { args: [random.normal([6, 100]), labelsOf(random, 6, 10), 10], note: 'B = 6, L = 100, K = 10 (lesson 03)' },
    { args: [random.normal([3, 4]), labelsOf(random, 3, 3), 3], note: 'B = 3, L = 4, K = 3' },
    { args: [random.normal([1, 2]), [4], 5], note: 'one sample' },
  ],
  compare: { rtol: 1e-6, atol: 1e-6, gradients: 'tape' },
  hints: [
    ({ got, args: [z, labels, k] }) =>
      isMistake(got, () => tf.concat([oneHotLabels(labels as number[], k as number), z as T], 1), 1e-6, 1e-6)
        ? 'your columns are in the other order: z first, then the one-hot label (the order of the generator\'s inputs [z, label]).'
        : undefined,
    ({ got, args: [z, labels] }) =>
      got.length === (z as T).size + (labels as number[]).length
        ? 'your input has one label column: put the one-hot vector (K columns) next to z, not the class number.'
        : undefined,
  ],
});

// ---- 03.discriminatorInput -------------------------------------------------------------------

const discriminatorInput = implementTask({
  id: '03.discriminatorInput',
  title: "the discriminator's input [flatten(x), onehot(y)], [B, HWC + K]",
  points: 2,
  reference: (images: T, labels: number[], numClasses: number) =>
    tf.tidy(() => tf.concat([images.reshape([images.shape[0], -1]), oneHotLabels(labels, numClasses)], 1)),
  cases: (random) => [
    { args: [random.uniform([4, 28, 28, 1], { min: -1, max: 1 }), labelsOf(random, 4, 10), 10], note: 'four MNIST-sized images, K = 10' },
    { args: [random.uniform([3, 4, 4, 3], { min: -1, max: 1 }), labelsOf(random, 3, 5), 5], note: 'RGB images [3, 4, 4, 3], K = 5' },
    { args: [random.uniform([1, 2, 3, 1], { min: -1, max: 1 }), [1], 2], note: 'one 2 × 3 image' },
  ],
  compare: { rtol: 1e-6, atol: 1e-6, gradients: 'tape' },
  hints: [
    ({ got, args: [images, labels, k] }) =>
      isMistake(got, () => tf.concat([oneHotLabels(labels as number[], k as number), (images as T).reshape([(images as T).shape[0], -1])], 1), 1e-6, 1e-6)
        ? 'your columns are in the other order: the flattened image first, then the one-hot label.'
        : undefined,
    ({ got, expected }) => {
      const sorted = (v: number[]) => [...v].sort((a, b) => a - b);
      const [g, e] = [sorted(got), sorted(expected)];
      return got.length === expected.length && g.every((x, i) => Math.abs(x - e[i]) < 1e-6)
        ? 'your numbers are the right ones in another order: flatten each image as it is stored (reshape([B, -1])), without transposing it, and put the label last.'
        : undefined;
    },
  ],
});

// ---- 03.cganAccuracy -------------------------------------------------------------------------

let mnistJudge: Judge | undefined;

/**
 * Conditional accuracy (in %) of 1,000 samples asked for 0–9, judged by the MNIST judge
 * (metrics.sampleQuality). Master: lesson 03's cGAN and settings (Adam 5e-4, batch 64, seed 0):
 * 10.6% after 500 steps, 10.1% after 1,000, 12.1% after 1,500, 21.3% after 2,000, 53.4% after
 * 2,500, 68.1% after 3,000 (2,420 s on the shared machine, load 15-20); seed 1: 63.2% after 2,500,
 * 74.9% after 3,000 (941 s, load 9-11). Bar 55% at 3,000 steps.
 * Quick mode (40 steps) is at chance (10%): its bar only runs the check end to end.
 */
const cganAccuracy = trainTask({
  id: '03.cganAccuracy',
  title: 'a cGAN with conditional accuracy ≥ 55% within 3,000 steps of batch 64',
  points: 4,
  measure: 'conditional accuracy',
  unit: '%',
  digits: 1,
  bar: { full: 55, quick: 5 },
  direction: 'atLeast',
  evaluate: async (answer: unknown, { seed }) => {
    const generator = answer as tf.LayersModel;
    if (!(generator instanceof tf.LayersModel)) throw new Error('myCganGenerator must be a tf.LayersModel (models.buildCganGenerator returns one)');
    if (generator.inputs.length !== 2 || generator.inputs[1]?.shape[1] !== 10) {
      throw new Error(`myCganGenerator must take two inputs [z, one-hot label of 10 classes], it takes ${generator.inputs.length} input(s)`);
    }
    const outputShape = generator.outputs[0].shape.slice(1);
    if (outputShape.join() !== '28,28,1') throw new Error(`myCganGenerator must draw MNIST images [28, 28, 1], it draws [${outputShape}]`);
    mnistJudge ??= await loadJudge('mnist');
    const asked = Array.from({ length: 1000 }, (_, i) => i % 10);
    const samples = generateConditional(generator, asked, seed); // tanh outputs, [-1, 1]
    try {
      const quality = sampleQuality(samples, { judge: mnistJudge, labels: asked, range: 'symmetric' });
      return { value: 100 * (quality.conditionalAccuracy ?? 0), note: `${(100 * quality.recognisability).toFixed(1)}% of the samples recognisable` };
    } finally {
      samples.dispose();
    }
  },
  advice: "the images must be in [−1, 1] (data.loadMnist({ range: 'symmetric' })) and the labels passed to the trainer; lesson 03's learning rate 5e-4 and all 3,000 steps.",
});

export const tasks = [oneHot, generatorInput, discriminatorInput, cganAccuracy];
