/**
 * Full-reference image metrics: how close an image `a` is to a reference `b`.
 *   MSE  = mean((a - b)^2)
 *   PSNR = 10 log10(R^2 / MSE) in dB, R = the data range (1 for [0, 1] images); +Infinity when a = b
 *   SSIM (Wang, Bovik, Sheikh & Simoncelli 2004, "Image quality assessment: from error
 *        visibility to structural similarity", Eq. 13), per channel, from local Gaussian-weighted
 *        means mu, variances sigma^2 and covariance sigma_ab:
 *        SSIM = (2 mu_a mu_b + C1)(2 sigma_ab + C2) / ((mu_a^2 + mu_b^2 + C1)(sigma_a^2 + sigma_b^2 + C2)),
 *        C1 = (K1 R)^2, C2 = (K2 R)^2, K1 = 0.01, K2 = 0.03, window 11 x 11 with sigma = 1.5,
 *        averaged over every window position that fits inside the image and over channels.
 * This matches scikit-image's structural_similarity(a, b, data_range=R, channel_axis=-1,
 * gaussian_weights=True, sigma=1.5, use_sample_covariance=False): skimage filters the whole
 * image and then drops a 5-pixel border, which leaves exactly the windows used here.
 * For a batch [N, H, W, C] each metric is computed per image and the mean is returned.
 */
import * as tf from '@tensorflow/tfjs';
import { checkNumber, checkTensor, GenlabError, resolveOptions } from '../errors';

export interface ImageMetricOptions {
  /** R: the width of the value range, max - min possible value (default 1, for images in [0, 1]). */
  dataRange?: number;
}

export const DEFAULT_IMAGE_METRIC_OPTIONS = { dataRange: 1 };

export interface SsimOptions extends ImageMetricOptions {
  /** Side of the Gaussian window (default 11, Wang et al. 2004). */
  windowSize?: number;
  /** Standard deviation of the window in pixels (default 1.5, Wang et al. 2004). */
  sigma?: number;
  /** K1 (default 0.01, Wang et al. 2004). */
  k1?: number;
  /** K2 (default 0.03, Wang et al. 2004). */
  k2?: number;
}

export const DEFAULT_SSIM_OPTIONS = { dataRange: 1, windowSize: 11, sigma: 1.5, k1: 0.01, k2: 0.03 };

/** Mean squared error over all values (for a batch: the mean of the per-image MSEs, which is the same). */
export function mse(a: tf.Tensor, b: tf.Tensor, options: ImageMetricOptions = {}): number {
  checkPair(a, b, 'mse', options);
  return tf.tidy(() => tf.squaredDifference(a, b).mean().dataSync()[0]);
}

/** Peak signal-to-noise ratio in dB; +Infinity for identical images. Batches: the mean over images. */
export function psnr(a: tf.Tensor, b: tf.Tensor, options: ImageMetricOptions = {}): number {
  const { dataRange } = checkPair(a, b, 'psnr', options);
  const perImage = tf.tidy(() => {
    const a4 = a.rank === 3 ? a.expandDims(0) : a;
    const b4 = b.rank === 3 ? b.expandDims(0) : b;
    return Array.from(tf.squaredDifference(a4, b4).mean([1, 2, 3]).dataSync());
  });
  // Identical images have MSE 0 and infinite PSNR: said explicitly rather than left to log10(x / 0).
  const values = perImage.map((m) => (m === 0 ? Infinity : 10 * Math.log10((dataRange * dataRange) / m)));
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Mean structural similarity in [-1, 1]; exactly 1 for identical images. Batches: the mean over images. */
export function ssim(a: tf.Tensor, b: tf.Tensor, options: SsimOptions = {}): number {
  const o = resolveOptions('ssim', DEFAULT_SSIM_OPTIONS, options);
  const size = o.windowSize;
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
    throw new GenlabError(`ssim: options.windowSize must be an odd positive integer, got ${size}`);
  }
  checkNumber('ssim', 'options.sigma', o.sigma, { above: 0 });
  checkNumber('ssim', 'options.k1', o.k1, { above: 0 });
  checkNumber('ssim', 'options.k2', o.k2, { above: 0 });
  const { dataRange } = checkPair(a, b, 'ssim', o);
  const [height, width] = a.shape.slice(a.rank - 3, a.rank - 1);
  if (height < size || width < size) {
    throw new GenlabError(`ssim: images must be at least options.windowSize = ${size} pixels on each side, got ${height} x ${width}`);
  }
  const c1 = (o.k1 * dataRange) ** 2;
  const c2 = (o.k2 * dataRange) ** 2;
  const perImage = tf.tidy(() => {
    const x = (a.rank === 3 ? a.expandDims(0) : a).toFloat() as tf.Tensor4D; // [N, H, W, C]
    const y = (b.rank === 3 ? b.expandDims(0) : b).toFloat() as tf.Tensor4D;
    const channels = x.shape[3];
    const window = gaussianWindow(size, o.sigma, channels); // [size, size, C, 1]
    const filter = (t: tf.Tensor) => tf.depthwiseConv2d(t as tf.Tensor4D, window, 1, 'valid'); // local weighted mean
    const muX = filter(x);
    const muY = filter(y);
    // Population (not sample) moments, as use_sample_covariance=False: var = E[x^2] - E[x]^2.
    // Variances and covariance do not change when a constant is subtracted, so they are computed
    // from images centred on their own mean: in float32 that avoids cancelling two large,
    // nearly equal numbers (a flat image then has variance exactly 0).
    const xc = x.sub(x.mean([1, 2], true));
    const yc = y.sub(y.mean([1, 2], true));
    const muXc = filter(xc);
    const muYc = filter(yc);
    const varX = filter(xc.square()).sub(muXc.square());
    const varY = filter(yc.square()).sub(muYc.square());
    const covXY = filter(xc.mul(yc)).sub(muXc.mul(muYc));
    const numerator = muX.mul(muY).mul(2).add(c1).mul(covXY.mul(2).add(c2));
    const denominator = muX.square().add(muY.square()).add(c1).mul(varX.add(varY).add(c2));
    return Array.from(numerator.div(denominator).mean([1, 2, 3]).dataSync()); // [N]
  });
  // An image compared with itself is 1 by definition; float round-off would give 0.99999...
  const identical = tf.tidy(() => {
    const a4 = a.rank === 3 ? a.expandDims(0) : a;
    const b4 = b.rank === 3 ? b.expandDims(0) : b;
    return Array.from(a4.notEqual(b4).any([1, 2, 3]).dataSync()).map((v) => v === 0);
  });
  const values = perImage.map((v, i) => (identical[i] ? 1 : v));
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** The normalised 2-D Gaussian window exp(-(i^2 + j^2) / (2 sigma^2)), one copy per channel. */
function gaussianWindow(size: number, sigma: number, channels: number): tf.Tensor4D {
  const r = (size - 1) / 2;
  const g = Array.from({ length: size }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = g.reduce((s, v) => s + v, 0);
  const values: number[] = [];
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) values.push((g[i] * g[j]) / (sum * sum));
  return tf.tensor4d(values, [size, size, 1, 1]).tile([1, 1, channels, 1]) as tf.Tensor4D;
}

/** Checks the two images and the data range; returns the range. */
function checkPair(a: tf.Tensor, b: tf.Tensor, caller: string, options: ImageMetricOptions): { dataRange: number } {
  const dataRange = caller === 'ssim' ? (options.dataRange ?? DEFAULT_IMAGE_METRIC_OPTIONS.dataRange) : resolveOptions(caller, DEFAULT_IMAGE_METRIC_OPTIONS, options).dataRange;
  if (typeof dataRange !== 'number' || !(dataRange > 0) || !Number.isFinite(dataRange)) {
    throw new GenlabError(`${caller}: options.dataRange must be a positive number (1 for images in [0, 1], 255 for 8-bit), got ${dataRange}`);
  }
  for (const [name, t] of [['a', a], ['b', b]] as const) {
    if (!(t instanceof tf.Tensor)) {
      throw new GenlabError(`${caller}: ${name} must be a tf.Tensor of shape [H, W, C] or [N, H, W, C], got ${typeof t}`);
    }
    if (t.rank !== 3 && t.rank !== 4) {
      throw new GenlabError(`${caller}: ${name} must be [H, W, C] or [N, H, W, C], got [${t.shape.join(', ')}]`);
    }
    checkTensor(caller, name, t, { rank: [3, 4], layout: '[H, W, C] or [N, H, W, C]', dtype: ['float32', 'int32'] });
  }
  if (a.shape.join() !== b.shape.join()) {
    throw new GenlabError(`${caller}: a and b must have the same shape, got a [${a.shape.join(', ')}] and b [${b.shape.join(', ')}]`);
  }
  for (const [name, t] of [['a', a], ['b', b]] as const) {
    const [min, max] = tf.tidy(() => [t.min().dataSync()[0], t.max().dataSync()[0]]);
    const slack = 1e-6 * dataRange;
    if (!(min >= -slack && max <= dataRange + slack)) {
      throw new GenlabError(
        `${caller}: ${name} must have values in [0, ${dataRange}] (options.dataRange = ${dataRange}), got min ${min}, max ${max}` +
          (min < 0 && min >= -1 ? "; for [-1, 1] images use data.toRange(images, 'symmetric', 'unit') first" : ''),
      );
    }
  }
  return { dataRange };
}
