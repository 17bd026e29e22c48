/**
 * Seeded mini-batches over a labelled image set.
 */
import * as tf from '@tensorflow/tfjs';
import { permutation } from '../random';
import type { LabelledImages } from './datasets';
import { checkBoolean, checkFunction, checkNumber, checkPositiveInteger, checkSeed, checkTensor, fail, GenlabError, resolveOptions } from '../errors';

export interface BatchOptions {
  /** Images per batch. */
  batchSize: number;
  /** Seed of the shuffle (default 0). Epoch e uses seed `${seed}:${e}`. */
  seed?: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** Drop the last, smaller batch of an epoch (default true: GAN steps want equal batches). */
  dropRemainder?: boolean;
  /** Number of epochs; Infinity for an endless stream (default 1). */
  epochs?: number;
}

export const DEFAULT_BATCH_OPTIONS = { seed: 0, shuffle: true, dropRemainder: true, epochs: 1 };

/**
 * Yields batches `{ images: [B, H, W, C], labels: [B] }`. The caller owns each batch and
 * disposes it (or use `forEachBatch`, which does).
 */
export function* batches(set: LabelledImages, options: BatchOptions): Generator<LabelledImages> {
  const { batchSize, seed, shuffle, dropRemainder, epochs } = checkBatches('batches', set, options);
  const n = set.images.shape[0];
  if (dropRemainder && batchSize > n) {
    throw new GenlabError(`batches: options.batchSize (${batchSize}) is larger than the ${n} images with dropRemainder on`);
  }
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = shuffle ? permutation(n, `${seed}:${epoch}`) : Int32Array.from({ length: n }, (_, i) => i);
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(start + batchSize, n);
      if (dropRemainder && end - start < batchSize) break;
      const indices = order.subarray(start, end);
      yield tf.tidy(() => {
        const idx = tf.tensor1d(indices, 'int32');
        return { images: tf.gather(set.images, idx) as tf.Tensor4D, labels: tf.gather(set.labels, idx) as tf.Tensor1D };
      });
    }
  }
}

function checkBatches(fn: string, set: LabelledImages, options: BatchOptions): Required<BatchOptions> {
  if (set === null || typeof set !== 'object') fail(fn, 'set', 'a labelled image set { images, labels }', set);
  checkTensor(fn, 'set.images', set.images, { rank: 4, layout: '[N, H, W, C]' });
  checkTensor(fn, 'set.labels', set.labels, { shape: [set.images.shape[0]], layout: `[${set.images.shape[0]}] (one label per image)` });
  if (options === undefined) fail(fn, 'options', 'an object with at least batchSize', options);
  const o = resolveOptions(fn, DEFAULT_BATCH_OPTIONS, options, ['batchSize']);
  checkPositiveInteger(fn, 'options.batchSize', o.batchSize);
  checkSeed(fn, 'options.seed', o.seed);
  checkBoolean(fn, 'options.shuffle', o.shuffle);
  checkBoolean(fn, 'options.dropRemainder', o.dropRemainder);
  checkNumber(fn, 'options.epochs', o.epochs, { integer: true, min: 1, infinite: true });
  return o;
}

/** Runs `fn` on each batch and disposes the batch afterwards. */
export async function forEachBatch(
  set: LabelledImages,
  options: BatchOptions,
  fn: (batch: LabelledImages, index: number) => void | Promise<void>,
): Promise<void> {
  checkBatches('forEachBatch', set, options);
  checkFunction('forEachBatch', 'fn', fn);
  let index = 0;
  for (const batch of batches(set, options)) {
    try {
      await fn(batch, index++);
    } finally {
      tf.dispose([batch.images, batch.labels]);
    }
  }
}
