/**
 * The exercise checks of lesson 01 (rule-based generation): each compares a student's result with
 * what the library computes from the same inputs, prints what differs (shape, range, the worst
 * pixel, how many values are off) and returns the verdict, so a notebook cell can both show and
 * assert it.
 *
 *   exercises.rules.posterize(image, myPosterized, 4)   // prints "posterize: ✓ matches ..." or what differs
 * The inputs come first, the student's result after them.
 */
import * as tf from '@tensorflow/tfjs';
import { mse, psnr as referencePsnr } from '../metrics/image';
import { describe } from '../rules/image';
import { alphaComposite } from '../rules/blend';
import { shift } from '../rules/blocks';
import { checkKernel, convolve, type Kernel } from '../rules/kernels';
import { fbm as referenceFbm, whiteNoise, type FbmOptions } from '../rules/noise';
import { posterize as referencePosterize } from '../rules/tone';
import { compareImages, fmt, report, type CheckResult } from './compare';

/**
 * Exercise: a 3 x 3 kernel that moves an image one pixel to the right (out[y, x] = in[y, x - 1]),
 * applied with rules.convolve(image, kernel, { padding: 'zero' }).
 */
export function shiftKernel(kernel: Kernel): CheckResult {
  const name = 'shiftKernel';
  try {
    const [h, w] = checkKernel(kernel, name);
    if (h !== 3 || w !== 3) return report(name, false, [`✗ the kernel must be 3 x 3, got ${h} x ${w}`]);
  } catch (error) {
    return report(name, false, [`✗ ${(error as Error).message}`]);
  }
  const image = whiteNoise(12, 12, { seed: 11 });
  const yours = convolve(image, kernel, { padding: 'zero' });
  const reference = shift(image, { dx: 1 });
  const result = compareImages(yours, reference, { name, print: false });
  if (!result.ok) {
    // Name the move the kernel does make, if it is a plain shift: the usual slip is a left shift.
    for (const [dx, dy] of [[-1, 0], [0, 1], [0, -1], [1, 1], [-1, -1], [1, -1], [-1, 1], [0, 0]]) {
      const moved = shift(image, { dx, dy });
      const same = tf.tidy(() => yours.sub(moved).abs().max().dataSync()[0]) < 1e-5;
      moved.dispose();
      if (same) {
        const move = dx === 0 && dy === 0 ? 'leaves the image where it is' : `moves the image by dx = ${dx}, dy = ${dy}`;
        result.messages.push(
          `  your kernel ${move}. Remember tf.conv2d does not flip the kernel: ` +
            `out[y][x] = sum kernel[i][j] * in[y + i - 1][x + j - 1].`,
        );
        break;
      }
    }
  }
  tf.dispose([image, yours, reference]);
  return report(name, result.ok, result.messages);
}

/** Exercise: `result` should be alpha * foreground + (1 - alpha) * background. */
export function composite(foreground: tf.Tensor, background: tf.Tensor, alpha: tf.Tensor | number, result: tf.Tensor): CheckResult {
  const reference = alphaComposite(foreground, background, alpha);
  const verdict = compareImages(result, reference, { name: 'composite' });
  reference.dispose();
  return verdict;
}

/** The fixed settings of the fBm exercise: sum these octaves of rules.gradientNoise yourself. */
export const EXERCISE_FBM: Required<Omit<FbmOptions, 'basis'>> & { height: number; width: number } = {
  height: 64,
  width: 64,
  scale: 32,
  octaves: 4,
  lacunarity: 2,
  gain: 0.5,
  seed: 7,
};

/** Exercise: `result` [64, 64, 1] should equal rules.fbm with the settings of EXERCISE_FBM. */
export function fbm(result: tf.Tensor): CheckResult {
  const { height, width, ...options } = EXERCISE_FBM;
  const reference = referenceFbm(height, width, { ...options, basis: 'gradient' });
  const verdict = compareImages(result, reference, { name: 'fbm', tolerance: 1e-5 });
  reference.dispose();
  return verdict;
}

/** Exercise: `result` should be `image` posterized to `levels` levels. */
export function posterize(image: tf.Tensor, result: tf.Tensor, levels: number): CheckResult {
  const reference = referencePosterize(image, { levels });
  const verdict = compareImages(result, reference, { name: 'posterize', tolerance: 1e-5 });
  reference.dispose();
  return verdict;
}

/** Exercise: your PSNR of `a` against `b` (data range 1) as a number, compared with metrics.psnr. */
export function psnr(a: tf.Tensor, b: tf.Tensor, value: number): CheckResult {
  const name = 'psnr';
  const reference = referencePsnr(a, b, { dataRange: 1 });
  if (typeof value !== 'number' || Number.isNaN(value)) {
    return report(name, false, [`✗ expected a number (use .dataSync()[0] or await .data() to read a tensor), got ${describe(value)}`]);
  }
  const close = value === reference || Math.abs(value - reference) <= 1e-3 * Math.max(1, Math.abs(reference));
  if (close) return report(name, true, [`✓ ${fmt(value)} dB matches the reference ${fmt(reference)} dB`]);
  // What differs, never the reference itself: the value is the exercise's answer.
  const messages = [`✗ ${fmt(value)} dB is too ${value > reference ? 'high' : 'low'}`];
  const error = mse(a, b);
  const fromLog = 10 * Math.log(1 / error); // natural log instead of log10: off by a factor ln(10)
  if (Math.abs(value - fromLog) < 1e-3 * Math.abs(fromLog)) messages.push('  you used the natural logarithm; PSNR uses log10');
  if (Math.abs(value - 20 * Math.log10(1 / error)) < 1e-3 * Math.abs(reference)) messages.push('  20 log10 is for the root of the MSE: 10 log10(1 / MSE) = 20 log10(1 / RMSE)');
  const pooled = 10 * Math.log10(1 / error);
  if (a.rank === 4 && a.shape[0] > 1 && Math.abs(value - pooled) < 1e-3 * Math.abs(pooled)) {
    messages.push('  that is the PSNR of the MSE pooled over the batch; metrics.psnr averages the PSNR of each image');
  }
  if (messages.length === 1) messages.push('  PSNR = 10 log10(R^2 / MSE) with R = 1, the MSE being the mean of the squared differences over all pixels');
  return report(name, false, messages);
}
