/**
 * Homework 01 (images made by rules): a Gaussian kernel, Sobel edge strength, posterisation and
 * PSNR. References: rules.gaussianKernel, rules.gradientMagnitude, rules.posterize, metrics.psnr.
 */
import * as tf from '@tensorflow/tfjs';
import { psnr } from '../../metrics/image';
import { convolve, gaussianKernel, SOBEL_X_KERNEL, SOBEL_Y_KERNEL } from '../../rules/kernels';
import { gradientMagnitude } from '../../rules/filters';
import { posterize } from '../../rules/tone';
import { implementTask } from '../define';
import { fmt, isMistake } from './common';

type T = tf.Tensor;

/** A Gaussian kernel made with a common mistake, flattened row by row. */
function mistakenKernel(sigma: number, size: number | undefined, mistake: { normalise?: boolean; twoSigma?: boolean }): number[] {
  const n = size ?? 2 * Math.ceil(3 * sigma) + 1;
  const r = (n - 1) / 2;
  const g = Array.from({ length: n }, (_, i) => Math.exp(-((i - r) ** 2) / (mistake.twoSigma ? 2 * sigma : 2 * sigma * sigma)));
  const total = mistake.normalise === false ? 1 : g.reduce((a, b) => a + b, 0);
  return g.flatMap((gi) => g.map((gj) => (gi * gj) / (total * total)));
}

/**
 * Whether the student's kernel is the mistaken one: `got` is either the whole kernel (compared
 * as one array) or the first differing entry at `path` ('[i][j]' or '[i, j]').
 */
function isMistakenKernel(got: number[], path: string, sigma: number, size: number | undefined, mistake: { normalise?: boolean; twoSigma?: boolean }): boolean {
  const wrong = mistakenKernel(sigma, size, mistake);
  const close = (x: number, y: number) => Number.isFinite(y) && Math.abs(x - y) <= 1e-6 + 1e-4 * Math.abs(y);
  if (got.length === wrong.length && got.length > 1) return got.every((x, i) => close(x, wrong[i]));
  const m = /^\[(\d+)\]\[(\d+)\]$/.exec(path);
  if (!m || got.length !== 1) return false;
  const n = Math.round(Math.sqrt(wrong.length));
  return close(got[0], wrong[Number(m[1]) * n + Number(m[2])]);
}

// ---- 01.gaussianKernel -------------------------------------------------------------------------

const kernel = implementTask({
  id: '01.gaussianKernel',
  title: 'the normalised Gaussian kernel, default side 2⌈3σ⌉ + 1',
  points: 2,
  reference: (sigma: number, size?: number) => gaussianKernel(sigma, size),
  cases: (random) => [
    { args: [1], note: 'σ = 1, default size (7 × 7)' },
    { args: [random.number(0.4, 0.9)], note: 'σ below 1, default size' },
    { args: [random.number(1.5, 2.2)], note: 'σ around 2, default size' },
    { args: [3, 5], note: 'σ = 3 cut to 5 × 5 (normalise after cutting)' },
    { args: [0.8, 3], note: 'σ = 0.8, size 3' },
  ],
  compare: { rtol: 1e-4, atol: 1e-6, gradients: false },
  hints: [
    // A hint sees the first differing entry (path '[i][j]'): it is compared with what each
    // common mistake puts there.
    ({ got, path, args: [sigma, size] }) =>
      isMistakenKernel(got, path, sigma as number, size as number | undefined, { normalise: false })
        ? 'your weights are not normalised: divide by their total (or the 1-D weights by theirs) so that the kernel sums to 1 and keeps the brightness.'
        : undefined,
    ({ got, path, args: [sigma, size] }) =>
      isMistakenKernel(got, path, sigma as number, size as number | undefined, { twoSigma: true })
        ? "your weights use 2σ in the exponent's denominator; it is 2σ² (σ is a standard deviation)."
        : undefined,
    ({ got, expected }) =>
      got.length !== expected.length
        ? 'your kernel has another size: without a size argument it is n × n with n = 2⌈3σ⌉ + 1 (Math.ceil); with one, exactly size × size.'
        : undefined,
  ],
});

// ---- 01.edgeStrength ---------------------------------------------------------------------------

const edgeStrength = implementTask({
  id: '01.edgeStrength',
  title: 'Sobel edge strength of the grey image, sqrt(Gx² + Gy²) / 4',
  points: 3,
  reference: (image: T) => gradientMagnitude(image),
  cases: (random) => [
    { args: [random.uniform([8, 9, 1])], note: 'a random grey 8 × 9 image' },
    { args: [random.uniform([6, 7, 3])], note: 'a random RGB image [6, 7, 3]' },
    { args: [random.tensor(Array.from({ length: 36 }, (_, i) => (i % 6 >= 3 ? 1 : 0)), [6, 6, 1])], note: 'a step from 0 to 1 in the middle' },
  ],
  // sqrt has no finite gradient where the image is flat, so values only.
  compare: { rtol: 1e-4, atol: 1e-5, gradients: false },
  hints: [
    ({ got, expected }) =>
      got.length === 3 * expected.length
        ? 'your result has 3 channels: take the grey image first (the mean over channels, image.mean(-1, true)), so the result has one.'
        : undefined,
    ({ got, args: [image] }) =>
      isMistake(got, () => gradientMagnitude(image as T).mul(4))
        ? 'your edge strength is 4 times too large: divide sqrt(Gx² + Gy²) by 4.'
        : undefined,
    ({ got, args: [image] }) =>
      isMistake(got, () => {
        const grey = (image as T).mean(-1, true);
        return convolve(grey, SOBEL_X_KERNEL).abs().add(convolve(grey, SOBEL_Y_KERNEL).abs()).div(4);
      })
        ? 'you added |Gx| + |Gy|; the edge strength is the length of the gradient, sqrt(Gx² + Gy²) / 4.'
        : undefined,
    ({ got, args: [image] }) =>
      isMistake(got, () => {
        const grey = (image as T).mean(-1, true);
        return convolve(grey, SOBEL_X_KERNEL, { padding: 'zero' }).square().add(convolve(grey, SOBEL_Y_KERNEL, { padding: 'zero' }).square()).sqrt().div(4);
      })
        ? "your border differs: pad by reflection (rules.convolve's default), not with zeros, or the frame of the image looks like an edge."
        : undefined,
  ],
});

// ---- 01.posterize ------------------------------------------------------------------------------

const poster = implementTask({
  id: '01.posterize',
  title: 'posterise to L levels, halves rounded up',
  points: 2,
  reference: (image: T, levels: number) => posterize(image, { levels }),
  cases: (random) => [
    { args: [random.uniform([5, 5, 1]), 4], note: 'a random image, L = 4' },
    { args: [random.tensor([0, 0.25, 0.5, 0.75, 1, 0.25], [2, 3, 1]), 3], note: 'L = 3 with values exactly halfway between levels (0.25, 0.75)' },
    { args: [random.tensor([-0.2, 1.3, 0.4, 0.6], [2, 2, 1]), 2], note: 'values outside [0, 1], L = 2' },
    { args: [random.uniform([4, 4, 3]), random.int(5, 17)], note: 'an RGB image, more levels' },
  ],
  compare: { rtol: 1e-5, atol: 1e-6, gradients: false },
  hints: [
    ({ got, args: [image, levels] }) =>
      isMistake(got, () => (image as T).clipByValue(0, 1).mul((levels as number) - 1).round().div((levels as number) - 1), 1e-5, 1e-6)
        ? 'halfway values come out one level too low: tf.round rounds halves to the even neighbour (0.5 → 0); use floor(v + 0.5).'
        : undefined,
    ({ got, args: [image, levels] }) =>
      isMistake(got, () => (image as T).clipByValue(0, 1).mul(levels as number).add(0.5).floor().div(levels as number), 1e-5, 1e-6)
        ? `your levels are spaced by 1/L; L levels from 0 to 1 are spaced by 1/(L − 1) (for L = ${levels}: ${Array.from({ length: levels as number }, (_, i) => fmt(i / ((levels as number) - 1))).join(', ')}).`
        : undefined,
    ({ got, args: [image, levels] }) =>
      isMistake(got, () => (image as T).mul((levels as number) - 1).add(0.5).floor().div((levels as number) - 1), 1e-5, 1e-6)
        ? 'values below 0 or above 1 come out beyond the lowest or highest level: clip to [0, 1] first.'
        : undefined,
  ],
});

// ---- 01.psnr -------------------------------------------------------------------------------------

const noisy = (random: { normal: (s: number[], o?: { std?: number }) => T }, clean: T, std: number): T =>
  tf.tidy(() => clean.add(random.normal(clean.shape, { std })).clipByValue(0, 1));

const psnrTask = implementTask({
  id: '01.psnr',
  title: 'PSNR in dB, the mean over the images of a batch',
  points: 2,
  reference: (a: T, b: T) => psnr(a, b),
  cases: (random) => {
    const clean = random.uniform([4, 6, 6, 1]);
    const rgb = random.uniform([2, 5, 5, 3]);
    const one = random.uniform([1, 4, 4, 1]);
    const mixed = random.uniform([2, 6, 6, 1]);
    return [
      { args: [noisy(random, clean, 0.05), clean], note: 'four images with a little noise' },
      { args: [noisy(random, rgb, 0.2), rgb], note: 'two RGB images with strong noise' },
      { args: [tf.concat([noisy(random, mixed.slice(0, 1), 0.02), noisy(random, mixed.slice(1, 1), 0.3)]), mixed], note: 'one image barely changed, one very noisy' },
      { args: [one.clone(), one], note: 'an image and its exact copy (PSNR = Infinity)' },
    ];
  },
  compare: { rtol: 1e-3, atol: 1e-3, gradients: false },
  hints: [
    ({ got, expected }) =>
      expected[0] === Infinity && got.length === 1 && got[0] !== Infinity
        ? `for identical images your PSNR is ${fmt(got[0])}: MSE is 0, so PSNR is +Infinity (say so explicitly rather than computing log10(1 / 0)).`
        : undefined,
    ({ got, expected }) =>
      Number.isFinite(expected[0]) && Math.abs(got[0] - expected[0] * Math.LN10) < 1e-2 * Math.abs(expected[0] * Math.LN10)
        ? 'your PSNR is 2.303 times too large: use Math.log10, not Math.log (the natural log).'
        : undefined,
    ({ got, expected }) =>
      Number.isFinite(expected[0]) && Math.abs(got[0] - 2 * expected[0]) < 1e-3 * Math.abs(expected[0])
        ? 'your PSNR is twice the expected value: with MSE (a squared error) the factor is 10 · log10, not 20 · log10.'
        : undefined,
    ({ got, expected }) =>
      Number.isFinite(expected[0]) && Math.abs(got[0] - expected[0] / 10) < 1e-3 * Math.abs(expected[0])
        ? 'your PSNR is a tenth of the expected value: decibels are 10 · log10(R² / MSE).'
        : undefined,
    ({ got, args: [a, b] }) =>
      isMistake(got, () => tf.scalar(10 * Math.log10(1 / tf.squaredDifference(a as T, b as T).mean().dataSync()[0])), 1e-3, 1e-3)
        ? 'you took one MSE over the whole batch; compute the PSNR of each image (x.mean([1, 2, 3])) and average those.'
        : undefined,
  ],
});

export const tasks = [kernel, edgeStrength, poster, psnrTask];
