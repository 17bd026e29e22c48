/**
 * The cartoon effect, built from the other rules:
 *   1. edge-preserving smoothing (a bilateral filter, Tomasi & Manduchi 1998) flattens textures
 *      inside regions but not across their borders;
 *   2. the brightness of the smoothed image is posterized into a few bands, keeping each pixel's
 *      hue: out = smooth * posterize(b) / b with b = the channel mean (posterizing each channel
 *      separately would shift hues and invent colours that were not there);
 *   3. dark lines are drawn where the edge detector fires on the smoothed image (on the original,
 *      noise would draw lines too).
 * The bilateral filter is not a fixed kernel: each neighbour's weight also depends on how much
 * its value differs from the centre,
 *   w(p, q) = exp(-|p - q|^2 / (2 sigmaSpace^2)) * exp(-|I(p) - I(q)|^2 / (2 sigmaRange^2)),
 * so it is written with tensor ops over the (2r + 1)^2 shifted copies of the image.
 */
import * as tf from '@tensorflow/tfjs';
import { asBatch, checkImage, checkNumber, unbatch } from './image';
import { edges } from './filters';
import { posterize } from './tone';
import { GenlabError, resolveOptions } from '../errors';

export interface BilateralOptions {
  /** Window radius in pixels: a (2r + 1)^2 neighbourhood (default 2). */
  radius?: number;
  /** Spatial standard deviation in pixels (default 2). */
  sigmaSpace?: number;
  /** Range standard deviation in intensity units (default 0.1: neighbours differing by > 0.3 barely count). */
  sigmaRange?: number;
}

export const DEFAULT_BILATERAL_OPTIONS = { radius: 2, sigmaSpace: 2, sigmaRange: 0.1 };

/** Bilateral filter with reflected borders; the range distance is the Euclidean distance over channels. */
export function bilateralFilter<T extends tf.Tensor>(image: T, options: BilateralOptions = {}): T {
  const o = resolveOptions('bilateralFilter', DEFAULT_BILATERAL_OPTIONS, options);
  checkImage(image, 'bilateralFilter');
  const r = checkNumber(o.radius, 'bilateralFilter', 'options.radius', { min: 0, integer: true });
  checkNumber(o.sigmaSpace, 'bilateralFilter', 'options.sigmaSpace', { min: 1e-6 });
  checkNumber(o.sigmaRange, 'bilateralFilter', 'options.sigmaRange', { min: 1e-6 });
  return tf.tidy(() => {
    const { batch, single } = asBatch(image, 'bilateralFilter');
    const [, h, w] = batch.shape;
    if (r >= h || r >= w) throw new GenlabError(`bilateralFilter: options.radius must be smaller than the image size ${h} x ${w}, got ${r}`);
    const padded = tf.mirrorPad(batch, [[0, 0], [r, r], [r, r], [0, 0]], 'reflect');
    let weighted: tf.Tensor = tf.zerosLike(batch);
    let total: tf.Tensor = tf.zeros([...batch.shape.slice(0, 3), 1]);
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        // Each step in its own tidy, freeing the previous sums, so memory stays at a few image copies.
        const [nextWeighted, nextTotal] = tf.tidy(() => {
          const neighbour = padded.slice([0, r + dy, r + dx, 0], batch.shape); // [N, H, W, C]
          const spatial = Math.exp(-(dy * dy + dx * dx) / (2 * o.sigmaSpace ** 2));
          const range = neighbour.sub(batch).square().sum(-1, true).div(-2 * o.sigmaRange ** 2).exp(); // [N, H, W, 1]
          const weight = range.mul(spatial);
          return [weighted.add(neighbour.mul(weight)), total.add(weight)];
        });
        tf.dispose([weighted, total]);
        weighted = nextWeighted;
        total = nextTotal;
      }
    }
    return unbatch(weighted.div(total) as tf.Tensor4D, single);
  }) as T;
}

export interface CartoonOptions {
  /** Bilateral filter passes (default 2: repeated passes flatten regions further). */
  passes?: number;
  /** Options of each bilateral pass. */
  bilateral?: BilateralOptions;
  /** Brightness levels (default 5). */
  levels?: number;
  /** Edge threshold on the gradient magnitude of the smoothed image (default 0.15). */
  edgeThreshold?: number;
  /** Brightness left on an edge line: 0 = black lines (default 0.1). */
  edgeBrightness?: number;
}

export const DEFAULT_CARTOON_OPTIONS = { passes: 2, levels: 5, edgeThreshold: 0.15, edgeBrightness: 0.1 };

/**
 * Cartoon: bilateral^passes(image) with its brightness posterized, darkened to `edgeBrightness`
 * on edges. Same shape as `image`; on a grey image the banding is plain posterize.
 */
export function cartoon<T extends tf.Tensor>(image: T, options: CartoonOptions = {}): T {
  const o = resolveOptions('cartoon', DEFAULT_CARTOON_OPTIONS, options, ['bilateral']);
  checkImage(image, 'cartoon');
  checkNumber(o.passes, 'cartoon', 'options.passes', { min: 0, integer: true });
  checkNumber(o.edgeBrightness, 'cartoon', 'options.edgeBrightness', { min: 0, max: 1 });
  checkNumber(o.levels, 'cartoon', 'options.levels', { min: 2, max: 256, integer: true });
  checkNumber(o.edgeThreshold, 'cartoon', 'options.edgeThreshold', { min: 0 });
  return tf.tidy(() => {
    let smooth: tf.Tensor = image;
    for (let i = 0; i < o.passes; i++) smooth = bilateralFilter(smooth, o.bilateral);
    const brightness = smooth.mean(-1, true); // [.., 1]
    const banded = posterize(brightness, { levels: o.levels });
    // Scale each pixel to its band's brightness; a black pixel (brightness 0) stays black.
    const flat = smooth.mul(banded.div(brightness.maximum(1e-6))).clipByValue(0, 1);
    const lines = edges(smooth, { threshold: o.edgeThreshold }); // [.., 1]: 1 on edges
    // On an edge: flat * edgeBrightness; elsewhere flat.
    return flat.mul(tf.sub(1, lines.mul(1 - o.edgeBrightness)));
  }) as T;
}
