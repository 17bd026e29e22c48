/**
 * Small kernels that stock tfjs-backend-wasm 4.22 runs far below its own fast paths, found
 * by profiling a DCGAN training step (see scripts/bench.ts --profile):
 *
 * - BatchMatMul with transposeA/transposeB (every dense layer's backward pass): the stock
 *   kernel leaves XNNPACK's fast path when an operand is transposed; transposing it first
 *   and multiplying plainly is ~10x faster.
 * - Tile where every tiled axis has size 1 (batch-norm gradients broadcast [1, 1, 1, C]
 *   this way): the stock kernel is a generic index loop; a broadcasting Add onto zeros
 *   is one XNNPACK call.
 * - LeakyRelu: the stock kernel is a scalar loop; XNNPACK's PReLU with a per-channel
 *   alpha filled with the constant is the same function, vectorised. The alpha vectors
 *   are cached per (alpha, channels) and live as long as the process.
 */
import * as tf from '@tensorflow/tfjs';
import { type KernelArgs, type KernelImpl, release, reshape, run } from './wasm-ops';

export function batchMatMul(
  args: KernelArgs<{ transposeA: boolean; transposeB: boolean }>,
  stock: KernelImpl,
): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { backend } = args;
  const { transposeA, transposeB } = args.attrs!;
  if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return stock(args) as tf.TensorInfo;
  }
  const aPlain = transposeA ? swapLastTwo(backend, a) : a;
  const bPlain = transposeB ? swapLastTwo(backend, b) : b;
  const out = stock({ inputs: { a: aPlain, b: bPlain }, backend, attrs: { transposeA: false, transposeB: false } });
  if (aPlain !== a) release(backend, aPlain);
  if (bPlain !== b) release(backend, bPlain);
  return out as tf.TensorInfo;
}

/** [..., r, c] -> [..., c, r], through a rank-3 view so any rank works. */
function swapLastTwo(backend: tf.KernelBackend, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const rows = x.shape[rank - 2];
  const columns = x.shape[rank - 1];
  const batch = x.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const x3 = reshape(backend, x, [batch, rows, columns]);
  const swapped = run(backend, 'Transpose', { x: x3 }, { perm: [0, 2, 1] });
  const out = reshape(backend, swapped, [...x.shape.slice(0, -2), columns, rows]);
  release(backend, x3, swapped);
  return out;
}

export function tile(args: KernelArgs<{ reps: number[] }>, stock: KernelImpl): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { backend } = args;
  const { reps } = args.attrs!;
  const isBroadcast = reps.every((r, axis) => r === 1 || x.shape[axis] === 1);
  if (!isBroadcast || x.dtype !== 'float32') return stock(args) as tf.TensorInfo;
  const shape = x.shape.map((d, axis) => d * reps[axis]);
  const zeros = run(backend, 'Fill', {}, { shape, value: 0, dtype: 'float32' });
  const out = run(backend, 'Add', { a: zeros, b: x });
  release(backend, zeros);
  return out;
}

const alphaCache = new Map<string, tf.TensorInfo>();

export function leakyRelu(args: KernelArgs<{ alpha: number }>, stock: KernelImpl): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { backend } = args;
  const { alpha } = args.attrs!;
  if (x.dtype !== 'float32' || x.shape.length === 0) return stock(args) as tf.TensorInfo;
  const channels = x.shape[x.shape.length - 1];
  const key = `${alpha},${channels}`;
  let alphas = alphaCache.get(key);
  if (alphas === undefined || !(backend as unknown as { dataIdMap: { has(id: object): boolean } }).dataIdMap.has(alphas.dataId)) {
    alphas = run(backend, 'Fill', {}, { shape: [channels], value: alpha, dtype: 'float32' });
    alphaCache.set(key, alphas);
  }
  return run(backend, 'Prelu', { x, alpha: alphas });
}
