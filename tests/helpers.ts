/** Shared test helpers: value comparisons and leak checks. */
import type { ExecutionContext } from 'ava';
import { tf } from '../src/index';

/** Largest |a - b| / max(|b|, floor) over all elements: a scale-aware relative error. */
export function relativeError(actual: tf.Tensor, expected: tf.Tensor, floor = 1e-3): number {
  const a = actual.dataSync();
  const b = expected.dataSync();
  if (a.length !== b.length) throw new Error(`relativeError: sizes differ, ${a.length} vs ${b.length}`);
  let scale = floor;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

/** Runs `fn` and asserts that it leaves the number of live tensors unchanged. */
export async function assertNoLeak(t: ExecutionContext, fn: () => unknown | Promise<unknown>, what = 'fn'): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  t.is(tf.memory().numTensors, before, `${what} leaked tensors`);
}

/** Runs `fn` with `backend` active, then switches back. */
export async function onBackend<T>(backend: string, fn: () => T): Promise<T> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return fn();
  } finally {
    await tf.setBackend(previous);
  }
}
