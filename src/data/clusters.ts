/**
 * k-means clustering (Lloyd 1982, with the k-means++ start of Arthur & Vassilvitskii 2007), for
 * lesson 06's self-conditioned DCGAN: clusters of the training images, found without labels,
 * stand in for the classes a conditional GAN would be given.
 *
 * Written with tf matrix products rather than taken from npm: `ml-kmeans` (pure JavaScript)
 * needs about two and a half minutes for 50 clusters of 10,000 MNIST digits on one core, while
 * the distances below are one matrix product per iteration, |x - c|^2 = |x|^2 - 2 x.c + |c|^2.
 */
import * as tf from '@tensorflow/tfjs';
import { makeRandom } from '../random';
import { checkFiniteValues, checkPositiveInteger, checkSeed, checkTensor, GenlabError, resolveOptions } from '../errors';

export interface KMeansOptions {
  /** Lloyd iterations at most (default 30; it stops earlier once no assignment changes). */
  iterations?: number;
  /** Seed of the k-means++ start (default 0). */
  seed?: number;
  /** Points per distance product (default 8,192: bounds the [chunk, k] distance matrix). */
  chunkSize?: number;
}

export const DEFAULT_KMEANS_OPTIONS = { iterations: 30, seed: 0, chunkSize: 8192 };

export interface KMeansResult {
  /** The k cluster centres [k, D]. The caller disposes them. */
  centroids: tf.Tensor2D;
  /** The cluster of every point, 0 .. k - 1. */
  assignments: Int32Array;
  /** Points per cluster. */
  sizes: number[];
  /** Mean squared distance of a point to its centre, after each iteration. */
  inertia: number[];
  /** Iterations run. */
  iterations: number;
}

/** Squared distances of `points` [n, D] to `centroids` [k, D]: [n, k]. */
function squaredDistances(points: tf.Tensor2D, centroids: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const pointNorms = points.square().sum(1, true); //                                  [n, 1]
    const centroidNorms = centroids.square().sum(1).reshape([1, -1]); //                 [1, k]
    const products = tf.matMul(points, centroids, false, true); //                       [n, k]
    return pointNorms.sub(products.mul(2)).add(centroidNorms).relu() as tf.Tensor2D; //   >= 0 despite rounding
  });
}

/** The nearest centroid of every point, and the squared distance to it. */
export function nearestCentroid(points: tf.Tensor2D, centroids: tf.Tensor2D, chunkSize = DEFAULT_KMEANS_OPTIONS.chunkSize): { assignments: Int32Array; distances: Float32Array } {
  checkTensor('nearestCentroid', 'points', points, { rank: 2, layout: '[N, D]', dtype: 'float32' });
  checkTensor('nearestCentroid', 'centroids', centroids, { shape: [null, points.shape[1]], layout: `[k, ${points.shape[1]}] (the points' D)`, dtype: 'float32' });
  checkPositiveInteger('nearestCentroid', 'chunkSize', chunkSize);
  const n = points.shape[0];
  const assignments = new Int32Array(n);
  const distances = new Float32Array(n);
  for (let start = 0; start < n; start += chunkSize) {
    const size = Math.min(chunkSize, n - start);
    const [index, distance] = tf.tidy(() => {
      const d = squaredDistances(points.slice([start, 0], [size, -1]), centroids); //    [size, k]
      return [d.argMin(1), d.min(1)];
    });
    assignments.set(index.dataSync() as Int32Array, start);
    distances.set(distance.dataSync() as Float32Array, start);
    tf.dispose([index, distance]);
  }
  return { assignments, distances };
}

/** k-means of `points` [N, D] (images are flattened first: [N, H, W, C] -> [N, H*W*C]). */
export function kMeans(points: tf.Tensor, k: number, options: KMeansOptions = {}): KMeansResult {
  const o = resolveOptions('kMeans', DEFAULT_KMEANS_OPTIONS, options);
  if (!(points instanceof tf.Tensor) || points.rank < 2) {
    throw new GenlabError(`kMeans: points must be a tf.Tensor [N, D] or [N, H, W, C], got ${points instanceof tf.Tensor ? `[${points.shape.join(', ')}]` : typeof points}`);
  }
  const n = points.shape[0];
  if (!Number.isInteger(k) || k < 1 || k > n) throw new GenlabError(`kMeans: k must be an integer from 1 to the number of points (${n}), got ${k}`);
  if (!Number.isInteger(o.iterations) || o.iterations < 1) throw new GenlabError(`kMeans: options.iterations must be a positive integer, got ${o.iterations}`);
  checkPositiveInteger('kMeans', 'options.chunkSize', o.chunkSize);
  checkSeed('kMeans', 'options.seed', o.seed);
  checkTensor('kMeans', 'points', points, { dtype: 'float32' });
  checkFiniteValues('kMeans', 'points', points);
  const flat = points.reshape([n, -1]) as tf.Tensor2D; //                                    [N, D]
  const random = makeRandom(`kmeans:${o.seed}`);

  // k-means++: the first centre uniformly, each next one with probability proportional to the
  // squared distance to the nearest centre chosen so far.
  const chosen = [Math.floor(random() * n)];
  const nearest = new Float32Array(n).fill(Infinity);
  while (chosen.length < k) {
    const last = tf.tidy(() => flat.slice([chosen[chosen.length - 1], 0], [1, -1]) as tf.Tensor2D);
    const { distances } = nearestCentroid(flat, last, o.chunkSize);
    last.dispose();
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i], distances[i]);
      total += nearest[i];
    }
    let target = random() * total;
    let next = n - 1;
    for (let i = 0; i < n; i++) {
      target -= nearest[i];
      if (target < 0) {
        next = i;
        break;
      }
    }
    chosen.push(next);
  }
  let centroids = tf.gather(flat, chosen) as tf.Tensor2D; //                               [k, D]

  // Lloyd: assign every point to its nearest centre, move every centre to the mean of its points.
  let assignments = new Int32Array(n).fill(-1);
  const inertia: number[] = [];
  let iterations = 0;
  for (; iterations < o.iterations; iterations++) {
    const nearestNow = nearestCentroid(flat, centroids, o.chunkSize);
    inertia.push(nearestNow.distances.reduce((a, b) => a + b, 0) / n);
    const unchanged = nearestNow.assignments.every((c, i) => c === assignments[i]);
    assignments = nearestNow.assignments;
    if (unchanged) break;
    const moved = tf.tidy(() => {
      const oneHot = tf.oneHot(tf.tensor1d(assignments, 'int32'), k); //                   [N, k]
      const sums = tf.matMul(oneHot, flat, true, false); //                                [k, D]
      const counts = oneHot.sum(0).reshape([k, 1]); //                                      [k, 1]
      // an empty cluster keeps its centre
      return tf.where(counts.greater(0).tile([1, flat.shape[1] as number]), sums.div(counts.maximum(1)), centroids) as tf.Tensor2D;
    });
    centroids.dispose();
    centroids = moved;
  }
  flat.dispose(); // a reshaped view of `points`, which stays the caller's
  const sizes = new Array(k).fill(0);
  for (const c of assignments) sizes[c]++;
  return { centroids, assignments, sizes, inertia, iterations };
}

/**
 * `count` labels with each label k present in proportion to sizes[k] (largest-remainder
 * rounding, so the counts add up to `count` exactly), in order 0, 0, …, 1, 1, …: how to sample
 * the clusters of a self-conditioned GAN as often as they occur in the data.
 */
export function proportionalLabels(sizes: number[], count: number): Int32Array {
  if (!Array.isArray(sizes) || sizes.length === 0 || sizes.some((s) => !(s >= 0)) || !(sizes.reduce((a, b) => a + b, 0) > 0)) {
    throw new GenlabError(`proportionalLabels: sizes must be non-negative numbers with a positive sum, got ${JSON.stringify(sizes)}`);
  }
  if (!Number.isInteger(count) || count < 0) throw new GenlabError(`proportionalLabels: count must be a non-negative integer, got ${count}`);
  const total = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (s / total) * count);
  const counts = exact.map(Math.floor);
  const byRemainder = exact.map((e, k) => ({ remainder: e - counts[k], k })).sort((a, b) => b.remainder - a.remainder || a.k - b.k);
  const missing = count - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; i < missing; i++) counts[byRemainder[i].k]++;
  const labels = new Int32Array(count);
  let at = 0;
  counts.forEach((c, k) => {
    labels.fill(k, at, at + c);
    at += c;
  });
  return labels;
}
