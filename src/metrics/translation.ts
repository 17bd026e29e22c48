/**
 * Scores of a paired translation against its targets, for images in `options.range` ([-1, 1]
 * for tanh outputs): both are scored in [0, 1], so L1 is the mean absolute pixel error on the
 * usual [0, 1] scale and PSNR/SSIM use data range 1 (image.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SSIM_OPTIONS, psnr, ssim } from './image';
import { GenlabError, checkTensor, resolveOptions } from '../errors';
import { checkInRange, checkRangeName, DEFAULT_PIXEL_RANGE, toRange, type PixelRange } from '../pixels';

export interface TranslationScores {
  /** mean |output - target| in [0, 1] units: lower is better. */
  l1: number;
  /** Peak signal-to-noise ratio in dB, mean over images: higher is better. */
  psnr: number;
  /** Structural similarity, mean over images, in [-1, 1]: higher is better. */
  ssim: number;
}

export interface TranslationScoreOptions {
  /** Pixel range of outputs and targets: 'unit' [0, 1] (default) or 'symmetric' [-1, 1], a tanh generator's. */
  range?: PixelRange;
}

export const DEFAULT_TRANSLATION_SCORE_OPTIONS = { range: DEFAULT_PIXEL_RANGE };

/** L1, PSNR and SSIM of `outputs` against `targets`, both [N, H, W, C] in `options.range`. */
export function translationScores(outputs: tf.Tensor4D, targets: tf.Tensor4D, options: TranslationScoreOptions = {}): TranslationScores {
  const { range } = resolveOptions('translationScores', DEFAULT_TRANSLATION_SCORE_OPTIONS, options);
  checkRangeName('translationScores', 'options.range', range);
  checkTensor('translationScores', 'outputs', outputs);
  checkTensor('translationScores', 'targets', targets);
  if (!tf.util.arraysEqual(outputs.shape, targets.shape)) {
    throw new GenlabError(`translationScores: outputs and targets must have the same shape, got [${outputs.shape}] and [${targets.shape}]`);
  }
  checkTensor('translationScores', 'outputs', outputs, { rank: 4, layout: '[N, H, W, C]', dtype: 'float32' });
  checkTensor('translationScores', 'targets', targets, { rank: 4, layout: '[N, H, W, C]', dtype: 'float32' });
  if (outputs.shape[1] < DEFAULT_SSIM_OPTIONS.windowSize || outputs.shape[2] < DEFAULT_SSIM_OPTIONS.windowSize) {
    throw new GenlabError(`translationScores: outputs must be at least ${DEFAULT_SSIM_OPTIONS.windowSize} pixels on each side (the SSIM window), got [${outputs.shape}]`);
  }
  checkInRange('translationScores', 'outputs', outputs, range);
  checkInRange('translationScores', 'targets', targets, range);
  // Clipped after the conversion: PSNR and SSIM refuse values outside [0, 1].
  const a = tf.tidy(() => toRange(outputs, range, 'unit').clipByValue(0, 1)) as tf.Tensor4D;
  const b = tf.tidy(() => toRange(targets, range, 'unit').clipByValue(0, 1)) as tf.Tensor4D;
  try {
    const l1 = tf.tidy(() => a.sub(b).abs().mean().dataSync()[0]);
    return { l1, psnr: psnr(a, b), ssim: ssim(a, b) };
  } finally {
    tf.dispose([a, b]);
  }
}
