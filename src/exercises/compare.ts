/**
 * The comparison behind every exercise check: a student's tensor against the reference, value by
 * value, with what differs said in words (shape, disposed tensor, NaNs, how many values are off,
 * the worst one and where), printed and returned so that a notebook cell can both show and
 * assert it.
 */
import * as tf from '@tensorflow/tfjs';
import { describe } from '../rules/image';

/** The verdict of a check and the lines it printed. */
export interface CheckResult {
  ok: boolean;
  messages: string[];
}

export interface CompareOptions {
  /** Name printed in front of every line (default 'check'). */
  name?: string;
  /** Largest absolute difference per value still counted as equal (default 1e-4). */
  tolerance?: number;
  /** Print the verdict (default true). */
  print?: boolean;
}

/** Compares two images (or any tensors) value by value and says what differs. */
export function compareImages(actual: unknown, expected: tf.Tensor, options: CompareOptions = {}): CheckResult {
  const name = options.name ?? 'check';
  const tolerance = options.tolerance ?? 1e-4;
  const messages: string[] = [];
  if (!(actual instanceof tf.Tensor)) {
    messages.push(`✗ expected a tensor of shape [${expected.shape.join(', ')}], got ${describe(actual)}`);
    return report(name, false, messages, options.print);
  }
  if (actual.isDisposed) {
    messages.push('✗ your tensor has been disposed (was it created inside a tf.tidy that returned something else?)');
    return report(name, false, messages, options.print);
  }
  if (actual.shape.join() !== expected.shape.join()) {
    messages.push(`✗ shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`);
    return report(name, false, messages, options.print);
  }
  const a = actual.dataSync();
  const b = expected.dataSync();
  let worst = 0;
  let worstAt = 0;
  let off = 0;
  let nonFinite = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      nonFinite++;
      continue;
    }
    const d = Math.abs(a[i] - b[i]);
    if (d > tolerance) off++;
    if (d > worst) {
      worst = d;
      worstAt = i;
    }
  }
  if (nonFinite > 0) messages.push(`✗ ${nonFinite} value(s) are NaN or infinite`);
  if (off > 0) {
    const where = unravel(worstAt, expected.shape);
    messages.push(
      `✗ ${off} of ${a.length} values differ by more than ${tolerance}; the largest difference is ${fmt(worst)} ` +
        `at [${where.join(', ')}] (yours ${fmt(a[worstAt])}, reference ${fmt(b[worstAt])})`,
    );
  }
  const ok = nonFinite === 0 && off === 0;
  if (ok) messages.push(`✓ matches the reference (largest difference ${fmt(worst)})`);
  return report(name, ok, messages, options.print);
}

export function report(name: string, ok: boolean, messages: string[], print = true): CheckResult {
  if (print) for (const line of messages) console.log(`${name}: ${line}`);
  return { ok, messages };
}

function unravel(index: number, shape: number[]): number[] {
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(index % shape[d]);
    index = Math.floor(index / shape[d]);
  }
  return out;
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e-3 || x === 0 ? String(Math.round(x * 1e4) / 1e4) : x.toExponential(2);
}
