/**
 * Tone: reducing the number of distinct values.
 *   posterize: each channel rounded to `levels` evenly spaced values, floor(x (L - 1) + 0.5) / (L - 1)
 *              (halves round up; tf.round would round them to even);
 *   quantize: each pixel replaced by the nearest colour (Euclidean in RGB) of a palette.
 */
import * as tf from '@tensorflow/tfjs';
import { asBatch, checkImage, checkNumber, describe, unbatch } from './image';
import { checkPixelRange, GenlabError, resolveOptions } from '../errors';

export interface PosterizeOptions {
  /** Values per channel, L >= 2 (default 4). */
  levels?: number;
}

export const DEFAULT_POSTERIZE_OPTIONS = { levels: 4 };

/** Posterized image: values in {0, 1/(L-1), ..., 1}. Same shape as `image`. */
export function posterize<T extends tf.Tensor>(image: T, options: PosterizeOptions = {}): T {
  const o = resolveOptions('posterize', DEFAULT_POSTERIZE_OPTIONS, options);
  const levels = checkNumber(o.levels, 'posterize', 'options.levels', { min: 2, max: 256, integer: true });
  checkImage(image, 'posterize');
  checkPixelRange('posterize', 'image', image, [0, 1]);
  return tf.tidy(() => image.clipByValue(0, 1).mul(levels - 1).add(0.5).floor().div(levels - 1)) as T;
}

/**
 * Each pixel replaced by its nearest palette colour. `palette` holds K colours with as many
 * channels as the image (e.g. [[0, 0, 0], [1, 0.8, 0.2]] for RGB, [[0], [0.5], [1]] for grey).
 */
export interface QuantizeOptions {
  /** The K colours allowed, each with as many channels as the image (required: no default palette). */
  palette: ReadonlyArray<ReadonlyArray<number>>;
}

export function quantize<T extends tf.Tensor>(image: T, options: QuantizeOptions): T {
  const palette = options?.palette;
  checkImage(image, 'quantize');
  const channels = image.shape[image.rank - 1];
  const ok = Array.isArray(palette) && palette.length > 0 && palette.every((c) => Array.isArray(c) && c.length === channels && c.every((v) => typeof v === 'number'));
  if (!ok) {
    throw new GenlabError(`quantize: options.palette must be a non-empty list of colours with ${channels} channel(s) each (like the image), got ${describe(palette)}`);
  }
  return tf.tidy(() => {
    const { batch, single } = asBatch(image, 'quantize');
    const [n, h, w, c] = batch.shape;
    const colours = tf.tensor2d(palette.flat(), [palette.length, c]); // [K, C]
    const pixels = batch.reshape([n * h * w, 1, c]); // [P, 1, C]
    const distances = pixels.sub(colours.expandDims(0)).square().sum(-1); // [P, K]
    const nearest = distances.argMin(-1); // [P]
    return unbatch(tf.gather(colours, nearest).reshape([n, h, w, c]) as tf.Tensor4D, single);
  }) as T;
}
