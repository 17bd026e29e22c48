/**
 * batchSampler: batch number i of a data set as a pure function of i, so that a training run
 * is reproducible and resumes from a checkpoint exactly where it stopped.
 * Batch i comes from epoch floor(i / batchesPerEpoch), shuffled with seed `${seed}:${epoch}`
 * (the same shuffle as data.batches); the remainder of each epoch is dropped.
 */
import * as tf from '@tensorflow/tfjs';
import { permutation } from '../random';
import { GenlabError, resolveOptions } from '../errors';

export interface BatchSamplerOptions {
  /** Rows per batch. */
  batchSize: number;
  /** Seed of the per-epoch shuffles (default 0). */
  seed?: number;
}

export const DEFAULT_BATCH_SAMPLER_OPTIONS = { seed: 0 };

/** A batch: the same rows of every tensor given (e.g. images and their labels). */
export type SampledBatch<T extends Record<string, tf.Tensor>> = { [K in keyof T]: T[K] };

/**
 * `batchSampler({ images, labels }, { batchSize: 64 })(i)` returns `{ images, labels }` of
 * batch i: new tensors the caller frees (the trainer does).
 */
export function batchSampler<T extends Record<string, tf.Tensor>>(
  tensors: T,
  options: BatchSamplerOptions,
): (index: number) => SampledBatch<T> {
  const { batchSize, seed } = resolveOptions('batchSampler', DEFAULT_BATCH_SAMPLER_OPTIONS, options, ['batchSize']);
  const names = Object.keys(tensors);
  if (names.length === 0) throw new GenlabError('batchSampler: tensors must name at least one tensor, e.g. { images }');
  const n = tensors[names[0]].shape[0];
  for (const name of names) {
    if (tensors[name].shape[0] !== n) {
      throw new GenlabError(`batchSampler: every tensor needs the same first dimension; ${names[0]} has ${n}, ${name} has ${tensors[name].shape[0]}`);
    }
  }
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > n) {
    throw new GenlabError(`batchSampler: options.batchSize must be an integer in 1..${n} (the number of rows), got ${batchSize}`);
  }
  const perEpoch = Math.floor(n / batchSize);
  let cachedEpoch = -1;
  let order = new Int32Array(0);
  return (index: number) => {
    if (!Number.isInteger(index) || index < 0) throw new GenlabError(`batchSampler: index must be a non-negative integer, got ${index}`);
    const epoch = Math.floor(index / perEpoch);
    if (epoch !== cachedEpoch) {
      order = permutation(n, `${seed}:${epoch}`);
      cachedEpoch = epoch;
    }
    const start = (index % perEpoch) * batchSize;
    return tf.tidy(() => {
      const rows = tf.tensor1d(order.subarray(start, start + batchSize), 'int32');
      const out: Record<string, tf.Tensor> = {};
      for (const name of names) out[name] = tf.gather(tensors[name], rows);
      return out as SampledBatch<T>;
    });
  };
}
