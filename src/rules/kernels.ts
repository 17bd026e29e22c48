/**
 * Convolution kernels as plain number grids, and `convolve`, which applies one to every
 * channel of an image with tf.depthwiseConv2d.
 *
 * Code vs textbook: tf.conv2d and tf.depthwiseConv2d compute a cross-correlation,
 *   out[y, x] = sum_{i, j} kernel[i][j] * in[y + i - r, x + j - r],
 * without flipping the kernel (as OpenCV's filter2D does too). For the symmetric kernels
 * (blur, sharpen) this is the same as convolution; the Sobel and emboss kernels below are
 * written as correlation masks, so SOBEL_X responds positively where the image gets brighter
 * to the right.
 */
import * as tf from '@tensorflow/tfjs';
import { asBatch, checkImage, checkNumber, describe, unbatch } from './image';
import { GenlabError, resolveOptions } from '../errors';

/** A kernel: rows of numbers, odd height and width, e.g. [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]. */
export type Kernel = ReadonlyArray<ReadonlyArray<number>>;

/** The 3 x 3 identity: convolving with it changes nothing. */
export const IDENTITY_KERNEL: Kernel = [
  [0, 0, 0],
  [0, 1, 0],
  [0, 0, 0],
];

/** Sharpen = identity + (identity - 4-neighbour mean) * 4: boosts each pixel against its neighbours. Sums to 1. */
export const SHARPEN_KERNEL: Kernel = [
  [0, -1, 0],
  [-1, 5, -1],
  [0, -1, 0],
];

/**
 * Emboss: the difference between the lower-right and upper-left neighbours, as if lit from the
 * top left. It sums to 0, so a flat region maps to 0 (and `emboss` adds 0.5 to show it as grey).
 */
export const EMBOSS_KERNEL: Kernel = [
  [-1, -1, 0],
  [-1, 0, 1],
  [0, 1, 1],
];

/** Sobel (1968) horizontal derivative: central difference across, smoothed [1, 2, 1] down. */
export const SOBEL_X_KERNEL: Kernel = [
  [-1, 0, 1],
  [-2, 0, 2],
  [-1, 0, 1],
];

/** Sobel vertical derivative: positive where the image gets brighter downwards. */
export const SOBEL_Y_KERNEL: Kernel = [
  [-1, -2, -1],
  [0, 0, 0],
  [1, 2, 1],
];

/** The 4-neighbour Laplacian: 0 on flat regions and linear ramps, large at thin lines and corners. */
export const LAPLACIAN_KERNEL: Kernel = [
  [0, 1, 0],
  [1, -4, 1],
  [0, 1, 0],
];

/** The size x size box (mean) kernel: every entry 1 / size^2. */
export function boxKernel(size: number): Kernel {
  checkNumber(size, 'boxKernel', 'size', { min: 1, integer: true });
  if (size % 2 === 0) throw new GenlabError(`boxKernel: size must be odd so the kernel has a centre, got ${size}`);
  return Array.from({ length: size }, () => new Array(size).fill(1 / (size * size)));
}

/**
 * The Gaussian kernel exp(-(i^2 + j^2) / (2 sigma^2)), normalised to sum 1.
 * `size` defaults to 2 * ceil(3 sigma) + 1, which keeps 99.7% of the weight along each axis.
 */
export function gaussianKernel(sigma: number, size?: number): Kernel {
  checkNumber(sigma, 'gaussianKernel', 'sigma', { min: 1e-6 });
  const n = size ?? 2 * Math.ceil(3 * sigma) + 1;
  checkNumber(n, 'gaussianKernel', 'size', { min: 1, integer: true });
  if (n % 2 === 0) throw new GenlabError(`gaussianKernel: size must be odd so the kernel has a centre, got ${n}`);
  const r = (n - 1) / 2;
  const row = Array.from({ length: n }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = row.reduce((a, b) => a + b, 0);
  const weights = row.map((w) => w / sum); // separable: K[i][j] = g[i] * g[j]
  return weights.map((wi) => weights.map((wj) => wi * wj));
}

/** How `convolve` fills the border before the kernel slides over it. */
export type Padding = 'reflect' | 'wrap' | 'zero';

export interface ConvolveOptions {
  /**
   * 'reflect' mirrors the image at its border without repeating the edge pixel (d c b | a b c d);
   * 'wrap' treats the image as periodic (the sum of every pixel, hence the mean, is kept by a
   * kernel that sums to 1); 'zero' pads with black (default 'reflect': no dark frame).
   */
  padding?: Padding;
}

export const DEFAULT_CONVOLVE_OPTIONS = { padding: 'reflect' as Padding };

/** Applies `kernel` to every channel of `image` separately. Same shape out; values not clipped. */
export function convolve<T extends tf.Tensor>(image: T, kernel: Kernel, options: ConvolveOptions = {}): T {
  const { padding } = resolveOptions('convolve', DEFAULT_CONVOLVE_OPTIONS, options);
  checkImage(image, 'convolve');
  const [kh, kw] = checkKernel(kernel, 'convolve');
  if (!['reflect', 'wrap', 'zero'].includes(padding)) {
    throw new GenlabError(`convolve: options.padding must be 'reflect', 'wrap' or 'zero', got ${describe(padding)}`);
  }
  return tf.tidy(() => {
    const { batch, single } = asBatch(image, 'convolve');
    const channels = batch.shape[3];
    const ry = (kh - 1) / 2;
    const rx = (kw - 1) / 2;
    if (padding !== 'zero' && (ry >= batch.shape[1] || rx >= batch.shape[2])) {
      throw new GenlabError(`convolve: a ${kh} x ${kw} kernel with '${padding}' padding needs an image larger than its radius, got ${batch.shape[1]} x ${batch.shape[2]}`);
    }
    const padded = pad(batch, ry, rx, padding); // [N, H + 2ry, W + 2rx, C]
    // One copy of the kernel per channel: [kh, kw, C, 1].
    const filter = tf.tensor4d(kernel.flat(), [kh, kw, 1, 1]).tile([1, 1, channels, 1]) as tf.Tensor4D;
    const out = tf.depthwiseConv2d(padded, filter, 1, 'valid'); // [N, H, W, C]
    return unbatch(out, single);
  }) as T;
}

/** Checks that `kernel` is a rectangular grid of finite numbers with odd sides; returns [height, width]. */
export function checkKernel(kernel: unknown, caller: string, argument = 'kernel'): [number, number] {
  const ok =
    Array.isArray(kernel) &&
    kernel.length > 0 &&
    kernel.every((row) => Array.isArray(row) && row.length === kernel[0].length && row.every((v) => typeof v === 'number' && Number.isFinite(v)));
  if (!ok) throw new GenlabError(`${caller}: ${argument} must be a grid of numbers like [[0, 1, 0], [1, -4, 1], [0, 1, 0]], got ${describe(kernel)}`);
  const rows = kernel as number[][];
  const [h, w] = [rows.length, rows[0].length];
  if (h % 2 === 0 || w % 2 === 0) throw new GenlabError(`${caller}: ${argument} must have odd height and width, got ${h} x ${w}`);
  return [h, w];
}

function pad(batch: tf.Tensor4D, ry: number, rx: number, padding: Padding): tf.Tensor4D {
  if (ry === 0 && rx === 0) return batch;
  const paddings: Array<[number, number]> = [[0, 0], [ry, ry], [rx, rx], [0, 0]];
  if (padding === 'zero') return tf.pad(batch, paddings);
  if (padding === 'reflect') return tf.mirrorPad(batch, paddings, 'reflect');
  // wrap: the last ry rows above, the first ry rows below; then the same for columns.
  const [, h, w] = batch.shape;
  let out = batch;
  if (ry > 0) out = tf.concat([out.slice([0, h - ry, 0, 0], [-1, ry, -1, -1]), out, out.slice([0, 0, 0, 0], [-1, ry, -1, -1])], 1);
  if (rx > 0) out = tf.concat([out.slice([0, 0, w - rx, 0], [-1, -1, rx, -1]), out, out.slice([0, 0, 0, 0], [-1, -1, rx, -1])], 2);
  return out;
}
