/**
 * Blending: new images as pixel-wise mixtures of existing ones.
 *   blend:          out = sum_i w_i x_i with the weights normalised to sum to 1;
 *   alphaComposite: out = alpha * foreground + (1 - alpha) * background ("over", Porter & Duff 1984,
 *                   with an opaque background);
 *   crossFade:      the frames (1 - t) a + t b for t = 0 .. 1.
 * Images may differ in channel count where one has 1 channel (a grey image or mask broadcasts
 * over RGB); otherwise shapes must match.
 */
import * as tf from '@tensorflow/tfjs';
import { checkImage, checkNumber, describe } from './image';
import { GenlabError, resolveOptions } from '../errors';

/**
 * Weighted combination of two or more images. `weights` (default equal) must be non-negative
 * and are divided by their sum, so the result stays in [0, 1].
 */
export function blend(images: ReadonlyArray<tf.Tensor>, weights?: ReadonlyArray<number>): tf.Tensor {
  if (!Array.isArray(images) || images.length < 1) {
    throw new GenlabError(`blend: images must be a non-empty array of tensors, got ${describe(images)}`);
  }
  images.forEach((image, i) => checkImage(image, 'blend', `images[${i}]`));
  for (let i = 1; i < images.length; i++) checkCompatible(images[0], images[i], 'blend', 'images[0]', `images[${i}]`);
  const w = weights ?? images.map(() => 1);
  if (!Array.isArray(w) || w.length !== images.length) {
    throw new GenlabError(`blend: weights must have one entry per image (${images.length}), got ${describe(weights)}`);
  }
  w.forEach((v, i) => checkNumber(v, 'blend', `weights[${i}]`, { min: 0 }));
  const sum = w.reduce((a, b) => a + b, 0);
  if (sum <= 0) throw new GenlabError(`blend: weights must not all be zero, got ${describe(weights)}`);
  return tf.tidy(() => images.map((image, i) => image.mul(w[i] / sum)).reduce((a, b) => a.add(b)));
}

/**
 * alpha * foreground + (1 - alpha) * background. `alpha` is a tensor in [0, 1] of the image
 * shape with 1 channel (a mask, e.g. a grey digit) or as many channels as the images, or a number.
 */
export function alphaComposite(foreground: tf.Tensor, background: tf.Tensor, alpha: tf.Tensor | number): tf.Tensor {
  checkImage(foreground, 'alphaComposite', 'foreground');
  checkImage(background, 'alphaComposite', 'background');
  checkCompatible(foreground, background, 'alphaComposite', 'foreground', 'background');
  if (typeof alpha === 'number') {
    checkNumber(alpha, 'alphaComposite', 'alpha', { min: 0, max: 1 });
  } else {
    checkImage(alpha, 'alphaComposite', 'alpha');
    checkCompatible(foreground, alpha, 'alphaComposite', 'foreground', 'alpha');
  }
  return tf.tidy(() => {
    const a = typeof alpha === 'number' ? tf.scalar(alpha) : alpha;
    return foreground.mul(a).add(background.mul(tf.sub(1, a)));
  });
}

export interface CrossFadeOptions {
  /** Frames, the first a and the last b (default 8). */
  steps?: number;
}

export const DEFAULT_CROSS_FADE_OPTIONS = { steps: 8 };

/** `steps` frames from a to b: [steps, H, W, C] for single images a, b of shape [H, W, C]. */
export function crossFade(a: tf.Tensor3D, b: tf.Tensor3D, options: CrossFadeOptions = {}): tf.Tensor4D {
  const o = resolveOptions('crossFade', DEFAULT_CROSS_FADE_OPTIONS, options);
  const steps = checkNumber(o.steps, 'crossFade', 'options.steps', { min: 2, integer: true });
  for (const [name, image] of [['a', a], ['b', b]] as const) {
    checkImage(image, 'crossFade', name);
    if (image.rank !== 3) throw new GenlabError(`crossFade: ${name} must be one image [H, W, C], got [${image.shape.join(', ')}]`);
  }
  checkCompatible(a, b, 'crossFade', 'a', 'b');
  return tf.tidy(() => {
    const t = tf.linspace(0, 1, steps).reshape([steps, 1, 1, 1]); // [steps, 1, 1, 1]
    return a.expandDims(0).mul(tf.sub(1, t)).add(b.expandDims(0).mul(t)) as tf.Tensor4D;
  });
}

/** Same rank and size; channels equal or one of them 1. */
function checkCompatible(a: tf.Tensor, b: tf.Tensor, caller: string, nameA: string, nameB: string): void {
  const sa = a.shape;
  const sb = b.shape;
  const sameSize = sa.length === sb.length && sa.slice(0, -1).every((d, i) => d === sb[i]);
  const ca = sa[sa.length - 1];
  const cb = sb[sb.length - 1];
  if (!sameSize || !(ca === cb || ca === 1 || cb === 1)) {
    throw new GenlabError(
      `${caller}: ${nameB} must have the shape of ${nameA} [${sa.join(', ')}] (or 1 channel), got [${sb.join(', ')}]`,
    );
  }
}
