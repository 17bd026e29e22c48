/**
 * Shared argument checks and shape helpers of the rules module.
 *
 * Every rule takes one image [H, W, C] or a batch [N, H, W, C] with values in [0, 1] and
 * returns the same rank it was given: the work is done on a batch, and `unbatch` puts a
 * single image back to [H, W, C].
 */
import * as tf from '@tensorflow/tfjs';
import { checkTensor, GenlabError } from '../errors';

/** An RGB colour with channels in [0, 1], e.g. [0.9, 0.85, 0.8]. */
export type Colour = readonly [number, number, number];

/** `image` as a batch [N, H, W, C], and whether it was a single [H, W, C] image. */
export interface Batched {
  batch: tf.Tensor4D;
  single: boolean;
}

/**
 * Checks that `image` is a [H, W, C] or [N, H, W, C] tensor and returns it as a batch.
 * For a single image the batch is a new tensor (an expandDims), so call this inside tf.tidy.
 */
export function asBatch(image: tf.Tensor, caller: string, argument = 'image'): Batched {
  checkImage(image, caller, argument);
  if (image.rank === 4) return { batch: image as tf.Tensor4D, single: false };
  return { batch: image.expandDims(0) as tf.Tensor4D, single: true };
}

/** Throws unless `image` is a [H, W, C] or [N, H, W, C] tensor; creates no tensor. */
export function checkImage(image: unknown, caller: string, argument = 'image'): tf.Tensor {
  if (!(image instanceof tf.Tensor)) {
    throw new GenlabError(`${caller}: ${argument} must be a tf.Tensor of shape [H, W, C] or [N, H, W, C], got ${describe(image)}`);
  }
  if (image.rank !== 3 && image.rank !== 4) {
    throw new GenlabError(`${caller}: ${argument} must be [H, W, C] or [N, H, W, C], got [${image.shape.join(', ')}]`);
  }
  checkTensor(caller, argument, image, { dtype: 'float32' }); // not empty, float32
  return image;
}

/** Back to the caller's rank: [1, H, W, C] -> [H, W, C] when the input was a single image. */
export function unbatch<T extends tf.Tensor>(batch: tf.Tensor4D, single: boolean): T {
  return (single ? batch.squeeze([0]) : batch) as unknown as T;
}

/** Throws unless `value` is a number within [min, max] (and an integer when asked). */
export function checkNumber(
  value: unknown,
  caller: string,
  argument: string,
  { min = -Infinity, max = Infinity, integer = false }: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) {
    const kind = integer ? 'an integer' : 'a number';
    const bounds = `${min === -Infinity ? '' : `>= ${min}`}${min !== -Infinity && max !== Infinity ? ' and ' : ''}${max === Infinity ? '' : `<= ${max}`}`;
    throw new GenlabError(`${caller}: ${argument} must be ${kind}${bounds ? ' ' + bounds : ''}, got ${describe(value)}`);
  }
  return value as number;
}

/** Throws unless `size` is a positive integer image size. */
export function checkSize(height: unknown, width: unknown, caller: string): void {
  checkNumber(height, caller, 'height', { min: 1, integer: true });
  checkNumber(width, caller, 'width', { min: 1, integer: true });
}

/** Throws unless `colour` is three numbers in [0, 1]. */
export function checkColour(colour: unknown, caller: string, argument: string): Colour {
  const ok = Array.isArray(colour) && colour.length === 3 && colour.every((v) => typeof v === 'number' && v >= 0 && v <= 1);
  if (!ok) throw new GenlabError(`${caller}: ${argument} must be an RGB colour [r, g, b] with values in [0, 1], got ${describe(colour)}`);
  return colour as unknown as Colour;
}

/** Throws unless every value of `image` is within [0, 1] (tolerating float round-off). */
export function checkUnitRange(image: tf.Tensor, caller: string, argument = 'image'): void {
  const [min, max] = tf.tidy(() => [image.min().dataSync()[0], image.max().dataSync()[0]]);
  if (!(min >= -1e-6 && max <= 1 + 1e-6)) {
    throw new GenlabError(`${caller}: ${argument} must have values in [0, 1], got min ${round(min)}, max ${round(max)}`);
  }
}

/** A short description of any value for error messages. */
export function describe(value: unknown): string {
  if (value instanceof tf.Tensor) return `a tensor of shape [${value.shape.join(', ')}]`;
  if (Array.isArray(value)) return JSON.stringify(value);
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
