/**
 * Scores of a paired translation against its targets, for images in [-1, 1] (tanh outputs):
 * both are mapped to [0, 1] first, so L1 is the mean absolute pixel error on the usual [0, 1]
 * scale and PSNR/SSIM use data range 1 (image.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SSIM_OPTIONS, psnr, ssim } from './image';
import { GenlabError, checkPixelRange, checkTensor } from '../errors';

export interface TranslationScores {
  /** mean |output - target| in [0, 1] units: lower is better. */
  l1: number;
  /** Peak signal-to-noise ratio in dB, mean over images: higher is better. */
  psnr: number;
  /** Structural similarity, mean over images, in [-1, 1]: higher is better. */
  ssim: number;
}

/** L1, PSNR and SSIM of `outputs` against `targets`, both [N, H, W, C] in [-1, 1]. */
export function translationScores(outputs: tf.Tensor4D, targets: tf.Tensor4D): TranslationScores {
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
  checkPixelRange('translationScores', 'outputs', outputs, [-1, 1]);
  checkPixelRange('translationScores', 'targets', targets, [-1, 1]);
  const a = tf.tidy(() => outputs.add(1).div(2).clipByValue(0, 1)) as tf.Tensor4D;
  const b = tf.tidy(() => targets.add(1).div(2).clipByValue(0, 1)) as tf.Tensor4D;
  try {
    const l1 = tf.tidy(() => a.sub(b).abs().mean().dataSync()[0]);
    return { l1, psnr: psnr(a, b), ssim: ssim(a, b) };
  } finally {
    tf.dispose([a, b]);
  }
}
