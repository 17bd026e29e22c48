/**
 * Pixel ranges: the one convention for the values of an image tensor.
 *
 *   'unit'       [0, 1]    a stored 8-bit pixel / 255; figures, the judges, every metric, a VAE's sigmoid
 *   'symmetric'  [-1, 1]   the output range of a tanh generator: x_symmetric = 2 x_unit - 1
 *
 * A tensor does not know its range, so every genlab function that makes or takes images says
 * which it means with one option, `range`, and every such option has the same default,
 * DEFAULT_PIXEL_RANGE = 'unit'. `toRange(images, from, to)` is the one conversion; it is needed
 * only where the range really changes (a tanh generator's samples fed to something that wants
 * [0, 1] and takes no `range`, or mixed with [0, 1] images in one tensor).
 */
import * as tf from '@tensorflow/tfjs';
import { checkOneOf, checkTensor, GenlabError, valueRange } from './errors';

/** The name of a pixel range: 'unit' is [0, 1], 'symmetric' is [-1, 1]. */
export type PixelRange = 'unit' | 'symmetric';

/** The interval [low, high] of each named range. */
export const PIXEL_RANGES: Readonly<Record<PixelRange, readonly [number, number]>> = { unit: [0, 1], symmetric: [-1, 1] };

/** The default `range` of every loader, data set, figure and measure that takes one. */
export const DEFAULT_PIXEL_RANGE: PixelRange = 'unit';

const NAMES = Object.keys(PIXEL_RANGES) as PixelRange[];

/** `value` is 'unit' or 'symmetric'; the error suggests the name of a range written as [low, high]. */
export function checkRangeName(fn: string, argument: string, value: unknown): PixelRange {
  if (Array.isArray(value) && value.length === 2) {
    const name = NAMES.find((n) => PIXEL_RANGES[n][0] === value[0] && PIXEL_RANGES[n][1] === value[1]);
    const hint = name ? ` (for [${value.join(', ')}] write '${name}')` : '';
    throw new GenlabError(`${fn}: ${argument} must be 'unit' ([0, 1]) or 'symmetric' ([-1, 1]), got [${value.join(', ')}]${hint}`);
  }
  return checkOneOf(fn, argument, value, NAMES);
}

/**
 * The values of `images` are finite and lie in `range`, give or take a tenth of its width (so
 * rounding passes, and so does a slightly unclipped image; [-1, 1] images declared 'unit', or
 * [0, 255] pixels, do not). One min/max reduction.
 */
export function checkInRange(fn: string, argument: string, images: tf.Tensor, range: PixelRange): void {
  if (images.size === 0) return;
  const [low, high] = PIXEL_RANGES[range];
  const slack = (high - low) / 10;
  const [min, max] = valueRange(images);
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw new GenlabError(`${fn}: ${argument} must have finite values, got values from ${min} to ${max}`);
  }
  if (min >= low - slack && max <= high + slack) return;
  const hint =
    max > 2 ? ' (pixels in [0, 255]? divide by 255 first)'
    : range === 'unit' && min >= -1 - slack ? " (a tanh generator's [-1, 1] images? say so with range: 'symmetric')"
    : '';
  throw new GenlabError(
    `${fn}: ${argument} must have values in [${low}, ${high}] (range '${range}'), got values from ${round(min)} to ${round(max)}${hint}`,
  );
}

/**
 * `images` moved from one pixel range to another, as a new float32 tensor the caller disposes
 * (a copy when the two ranges are the same). Checks first that the images really are in `from`.
 *   unit -> symmetric: x * 2 - 1        symmetric -> unit: (x + 1) / 2
 */
export function toRange<T extends tf.Tensor>(images: T, from: PixelRange, to: PixelRange): T {
  checkTensor('toRange', 'images', images, { dtype: 'float32' });
  checkRangeName('toRange', 'from', from);
  checkRangeName('toRange', 'to', to);
  checkInRange('toRange', 'images', images, from);
  if (from === to) return images.clone();
  return tf.tidy(() => (to === 'symmetric' ? images.mul(2).sub(1) : images.add(1).div(2)) as T);
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}
