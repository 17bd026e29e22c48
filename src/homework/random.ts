/**
 * The seeded source of a check's inputs. The seed is the course's own while a student works and
 * another one, passed by the grader, in a grading run; the same seed gives the same cases.
 */
import * as tf from '@tensorflow/tfjs';
import { makeRandom, tfSeed } from '../random';

export interface CaseRandom {
  /** Gaussian tensor (default mean 0, std 1). */
  normal(shape: number[], options?: { mean?: number; std?: number }): tf.Tensor;
  /** Uniform tensor in [min, max) (default [0, 1)). */
  uniform(shape: number[], options?: { min?: number; max?: number }): tf.Tensor;
  /** Tensor of 0s and 1s, each 1 with probability p (default 0.5). */
  bernoulli(shape: number[], p?: number): tf.Tensor;
  /** An integer in [lo, hi). */
  int(lo: number, hi: number): number;
  /** A float in [lo, hi). */
  number(lo: number, hi: number): number;
  /** A fresh integer seed for a tfjs random op or initializer. */
  seed(): number;
  /** A tensor from given values (for hand-picked cases). */
  tensor(values: number[] | Float32Array, shape: number[], dtype?: 'float32' | 'int32'): tf.Tensor;
}

export function caseRandom(seed: number | string): CaseRandom {
  const rng = makeRandom(seed);
  const next = () => tfSeed(Math.floor(rng() * 2 ** 31));
  return {
    normal: (shape, o = {}) => tf.randomNormal(shape, o.mean ?? 0, o.std ?? 1, 'float32', next()),
    uniform: (shape, o = {}) => tf.randomUniform(shape, o.min ?? 0, o.max ?? 1, 'float32', next()),
    bernoulli: (shape, p = 0.5) => tf.tidy(() => tf.randomUniform(shape, 0, 1, 'float32', next()).less(p).cast('float32')),
    int: (lo, hi) => lo + Math.floor(rng() * (hi - lo)),
    number: (lo, hi) => lo + rng() * (hi - lo),
    seed: next,
    tensor: (values, shape, dtype = 'float32') => tf.tensor(values, shape, dtype),
  };
}
