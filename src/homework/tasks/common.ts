/**
 * Small pieces shared by the task definitions: reading a result as numbers, comparing it with a
 * candidate mistake, and formatting numbers for the messages a student reads.
 *
 * A hint recognises a common mistake by computing what that mistake would have returned on the
 * same inputs and comparing it with the student's result: if they agree, the mistake is named.
 */
import * as tf from '@tensorflow/tfjs';
import { ringCoverage } from '../../data/ring';
import { generateImages } from '../../models/gan';

/** The values of a tensor, a number or a flat array of numbers (empty for anything else). */
export function valuesOf(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value as number[];
  if (value instanceof tf.Tensor && !value.isDisposed) return Array.from(value.dataSync() as ArrayLike<number>);
  return [];
}

/** The single number of a scalar (or the first value of a tensor); NaN when there is none. */
export function numberOf(value: unknown): number {
  const values = valuesOf(value);
  return values.length > 0 ? values[0] : NaN;
}

/** True when `actual` has the values of `candidate` (same count, each within tolerance). */
export function matches(actual: unknown, candidate: unknown, rtol = 1e-3, atol = 1e-4): boolean {
  const a = valuesOf(actual);
  const b = valuesOf(candidate);
  if (a.length === 0 || a.length !== b.length) return false;
  return a.every((x, i) => Number.isFinite(x) && Number.isFinite(b[i]) && Math.abs(x - b[i]) <= atol + rtol * Math.abs(b[i]));
}

/**
 * Whether `actual` equals what `mistake(args)` would return; the candidate tensors are freed.
 * A candidate that throws is no match.
 */
export function isMistake(actual: unknown, mistake: () => tf.Tensor | number, rtol = 1e-3, atol = 1e-4): boolean {
  let candidate: tf.Tensor | number | undefined;
  try {
    candidate = tf.tidy(mistake);
    return matches(actual, candidate, rtol, atol);
  } catch {
    return false;
  } finally {
    if (candidate instanceof tf.Tensor) candidate.dispose();
  }
}

/** True when any value is NaN or infinite. */
export function hasNonFinite(value: unknown): boolean {
  return valuesOf(value).some((x) => !Number.isFinite(x));
}

/** A number as a student reads it: 4 significant digits, no exponent for ordinary sizes. */
export function fmt(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}

/** "your value is A, expected B" for two scalars. */
export function yoursVsExpected(what: string, student: unknown, expected: unknown): string {
  return `your ${what} is ${fmt(numberOf(student))}, expected ${fmt(numberOf(expected))}`;
}

/**
 * A train task's measurement for a ring generator: the modes of the ring of 8 Gaussians covered
 * by 1,000 of its samples (data.ringCoverage). `name` is the student's variable, for the messages.
 */
export function ringModesOf(answer: unknown, seed: number, name: string): { value: number; note: string } {
  const generator = answer as tf.LayersModel;
  if (!(generator instanceof tf.LayersModel)) throw new Error(`${name} must be a tf.LayersModel (models.buildToyGenerator returns one)`);
  const outputShape = generator.outputs[0].shape;
  if (outputShape.length !== 2 || outputShape[1] !== 2) throw new Error(`${name} must output 2-D points [B, 2], it outputs [${outputShape.map((d) => d ?? 'B')}]`);
  const samples = generateImages(generator, 1000, seed);
  try {
    const coverage = ringCoverage(samples);
    return { value: coverage.modesCovered, note: `${(100 * coverage.highQuality).toFixed(1)}% of the samples within 3 std of a centre` };
  } finally {
    samples.dispose();
  }
}
