/**
 * Filters: fixed convolution kernels (see ./kernels) applied to images in [0, 1].
 * Blur, sharpen and emboss return images (clipped to [0, 1]); the Sobel derivatives and the
 * gradient magnitude return raw responses; `edges` thresholds the magnitude into a 0/1 map,
 * which the synthetic data sets (data.edgePairs) use as the "edges" half of each pair.
 */
import * as tf from '@tensorflow/tfjs';
import { asBatch, checkImage, checkNumber, unbatch } from './image';
import {
  DEFAULT_CONVOLVE_OPTIONS,
  EMBOSS_KERNEL,
  SOBEL_X_KERNEL,
  SOBEL_Y_KERNEL,
  boxKernel,
  convolve,
  gaussianKernel,
  type ConvolveOptions,
  type Kernel,
} from './kernels';
import { GenlabError, resolveOptions } from '../errors';

export interface BoxBlurOptions extends ConvolveOptions {
  /** Side of the square neighbourhood, odd (default 3). */
  size?: number;
}

export const DEFAULT_BOX_BLUR_OPTIONS = { size: 3 };

/** Mean over size x size neighbourhoods. */
export function boxBlur<T extends tf.Tensor>(image: T, options: BoxBlurOptions = {}): T {
  const o = resolveOptions('boxBlur', DEFAULT_BOX_BLUR_OPTIONS, options, ['padding']);
  checkImage(image, 'boxBlur');
  checkNumber(o.size, 'boxBlur', 'options.size', { min: 1, integer: true });
  return convolve(image, boxKernel(o.size), { padding: o.padding });
}

export interface GaussianBlurOptions extends ConvolveOptions {
  /** Standard deviation in pixels (default 1). */
  sigma?: number;
  /** Kernel side, odd (default 2 * ceil(3 sigma) + 1). */
  size?: number;
}

export const DEFAULT_GAUSSIAN_BLUR_OPTIONS = { sigma: 1 };

/** Gaussian blur: convolution with gaussianKernel(sigma, size). */
export function gaussianBlur<T extends tf.Tensor>(image: T, options: GaussianBlurOptions = {}): T {
  const o = resolveOptions('gaussianBlur', DEFAULT_GAUSSIAN_BLUR_OPTIONS, options, ['size', 'padding']);
  checkImage(image, 'gaussianBlur');
  checkNumber(o.sigma, 'gaussianBlur', 'options.sigma', { min: 1e-6 });
  return convolve(image, gaussianKernel(o.sigma, o.size), { padding: o.padding });
}

/**
 * The sharpen kernel with a strength: identity + amount * (SHARPEN_KERNEL - identity), i.e.
 * x + amount * (4x - sum of the 4 neighbours). amount 1 gives SHARPEN_KERNEL itself.
 */
export function sharpenKernel(amount = 1): Kernel {
  checkNumber(amount, 'sharpenKernel', 'amount', { min: 0 });
  return [
    [0, -amount, 0],
    [-amount, 1 + 4 * amount, -amount],
    [0, -amount, 0],
  ];
}

export interface SharpenOptions extends ConvolveOptions {
  /** Strength: 0 leaves the image alone, 1 is SHARPEN_KERNEL (default 1). */
  amount?: number;
}

export const DEFAULT_SHARPEN_OPTIONS = { amount: 1 };

/** Sharpened image, clipped to [0, 1]. */
export function sharpen<T extends tf.Tensor>(image: T, options: SharpenOptions = {}): T {
  const o = resolveOptions('sharpen', DEFAULT_SHARPEN_OPTIONS, options, ['padding']);
  checkImage(image, 'sharpen');
  checkNumber(o.amount, 'sharpen', 'options.amount', { min: 0 });
  const kernel = sharpenKernel(o.amount);
  return tf.tidy(() => convolve(image, kernel, { padding: o.padding }).clipByValue(0, 1)) as T;
}

export interface EmbossOptions extends ConvolveOptions {
  /** Factor on the kernel's response before the 0.5 offset (default 1). */
  strength?: number;
}

export const DEFAULT_EMBOSS_OPTIONS = { strength: 1 };

/** Emboss: 0.5 + strength * EMBOSS_KERNEL response, clipped to [0, 1]. A flat image becomes uniform grey 0.5. */
export function emboss<T extends tf.Tensor>(image: T, options: EmbossOptions = {}): T {
  const o = resolveOptions('emboss', DEFAULT_EMBOSS_OPTIONS, options, ['padding']);
  checkImage(image, 'emboss');
  const strength = checkNumber(o.strength, 'emboss', 'options.strength', { min: 0 });
  return tf.tidy(() => convolve(image, EMBOSS_KERNEL, { padding: o.padding }).mul(strength).add(0.5).clipByValue(0, 1)) as T;
}

/** Mean over channels: [.., C] -> [.., 1] (a plain average, so a grey RGB pixel keeps its value). */
export function toGrey<T extends tf.Tensor>(image: T): T {
  checkImage(image, 'toGrey');
  const channels = image.shape[image.rank - 1];
  if (channels !== 1 && channels !== 3) throw new GenlabError(`toGrey: image must have C = 1 or 3 channels, got [${image.shape.join(', ')}]`);
  return tf.tidy(() => image.mean(-1, true)) as T;
}

/** The horizontal and vertical Sobel responses of the grey image: { x, y }, each [.., H, W, 1], in [-4, 4]. */
export function sobel<T extends tf.Tensor>(image: T, options: ConvolveOptions = {}): { x: T; y: T } {
  resolveOptions('sobel', DEFAULT_CONVOLVE_OPTIONS, options);
  checkImage(image, 'sobel');
  return tf.tidy(() => {
    const grey = toGrey(image);
    return { x: convolve(grey, SOBEL_X_KERNEL, options), y: convolve(grey, SOBEL_Y_KERNEL, options) };
  });
}

/**
 * Gradient magnitude sqrt(Gx^2 + Gy^2) of the Sobel responses, divided by 4 so that a sharp step
 * from 0 to 1 measures 1 next to the step. [.., H, W, 1], in [0, sqrt(2)].
 */
export function gradientMagnitude<T extends tf.Tensor>(image: T, options: ConvolveOptions = {}): T {
  resolveOptions('gradientMagnitude', DEFAULT_CONVOLVE_OPTIONS, options);
  checkImage(image, 'gradientMagnitude');
  return tf.tidy(() => {
    const { x, y } = sobel(image, options);
    return x.square().add(y.square()).sqrt().div(4);
  }) as T;
}

export interface EdgeOptions {
  /** A pixel is an edge where the gradient magnitude (1 = a sharp 0 -> 1 step) exceeds this (default 0.3). */
  threshold?: number;
  /** Gaussian blur before the derivative, in pixels; 0 for none (default 0.7: suppresses single-pixel noise). */
  blurSigma?: number;
  /** Return 1 - edges: dark lines on white paper, as in the edges2shoes data set (default false). */
  invert?: boolean;
}

export const DEFAULT_EDGE_OPTIONS = { threshold: 0.3, blurSigma: 0.7, invert: false };

/**
 * A simple edge detector: (optional Gaussian blur) -> Sobel gradient magnitude -> threshold.
 * Returns a 0/1 map [.., H, W, 1] (1 = edge, or 0 = edge with `invert`). Unlike Canny it does
 * no non-maximum suppression, so edges are about two pixels wide.
 */
export function edges<T extends tf.Tensor>(image: T, options: EdgeOptions = {}): T {
  const o = resolveOptions('edges', DEFAULT_EDGE_OPTIONS, options);
  checkImage(image, 'edges');
  checkNumber(o.threshold, 'edges', 'options.threshold', { min: 0 });
  checkNumber(o.blurSigma, 'edges', 'options.blurSigma', { min: 0 });
  return tf.tidy(() => {
    const { batch, single } = asBatch(image, 'edges');
    const smooth = o.blurSigma > 0 ? gaussianBlur(batch, { sigma: o.blurSigma }) : batch;
    const edgeMap = gradientMagnitude(smooth).greater(o.threshold).cast('float32') as tf.Tensor4D;
    return unbatch(o.invert ? tf.sub(1, edgeMap) : edgeMap, single);
  }) as T;
}
