/**
 * Small kernels that stock tfjs-backend-wasm 4.22 runs far below its own fast paths, found
 * by profiling the reference DCGAN training step (scripts/bench-worker.ts with "profile": true):
 *
 * - BatchMatMul with transposeA/transposeB (every dense layer's backward pass): the stock
 *   kernel leaves XNNPACK's fast path when an operand is transposed; transposing it first
 *   and multiplying plainly stays on it (issue 4 measured ~14x).
 * - Tile where every tiled axis has size 1 (batch-norm gradients broadcast [1, 1, 1, C]
 *   this way): the stock kernel is a generic index loop; a broadcasting Add onto zeros
 *   is one XNNPACK call.
 * - LeakyRelu: the stock kernel is a scalar loop; XNNPACK's PReLU with a per-channel
 *   alpha filled with the constant is the same function, vectorised. The alpha vectors
 *   are cached per (alpha, channels).
 * - Identity (tfjs calls it hundreds of times per training step, e.g. for every tf.clone and
 *   in many gradients): the stock wasm kernel copies the data; tensors are immutable, so the
 *   output can share it with a raised reference count, as the stock Reshape and the cpu
 *   backend's Identity do.
 * - Tanh (every generator's output layer): see tanh below.
 * - Slice: see slice below (the stock kernel copies the whole input first).
 * - Concat along a last axis of a few values (see concat below).
 * - Sum and Mean over a run of axes before the last (batch norm's statistics and every bias
 *   gradient reduce [B, H, W, C] over B, H, W; instance norm over H, W): the stock kernels first
 *   transpose the reduced axes to the end, a full strided copy. Read as [outer, M, C], the mean
 *   is an average pooling with an M x 1 window, which XNNPACK runs in one vectorised pass.
 *   (A row of ones times the [M, C] matrix in XNNPACK is slower: it re-packs the matrix as
 *   weights on every call.)
 * - FusedBatchNorm with per-channel statistics (every batch-norm layer): the stock kernel is
 *   a scalar loop with an index division per value. With a = scale / sqrt(variance + eps)
 *   and b = offset - mean * a, computed per channel, the layer is x * a + b: two
 *   broadcasting XNNPACK calls (about 4x faster on [64, 14, 14, 64]).
 */
import * as tf from '@tensorflow/tfjs';
import { COPY_WITHIN_FROM, type KernelArgs, type KernelImpl, type WasmBackend, heapView, release, reshape, run } from './wasm-ops';

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

/**
 * Constant tensors the kernels reuse (LeakyRelu's alphas, the rows of ones that sum), made once
 * per (shape, value) and kept for the life of the backend.
 */
const fillCache = new Map<string, tf.TensorInfo>();

function cachedFill(backend: tf.KernelBackend, shape: number[], value: number): tf.TensorInfo {
  const key = `${shape},${value}`;
  let filled = fillCache.get(key);
  if (filled === undefined || !(backend as WasmBackend).dataIdMap.has(filled.dataId)) {
    filled = run(backend, 'Fill', {}, { shape, value, dtype: 'float32' });
    fillCache.set(key, filled);
  }
  return filled;
}

export function leakyRelu(args: KernelArgs<{ alpha: number }>, stock: KernelImpl): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { backend } = args;
  const { alpha } = args.attrs!;
  if (x.dtype !== 'float32' || x.shape.length === 0) return stock(args) as tf.TensorInfo;
  const alphas = cachedFill(backend, [x.shape[x.shape.length - 1]], alpha);
  return run(backend, 'Prelu', { x, alpha: alphas });
}

/**
 * Tanh as 2 * sigmoid(2x) - 1 (the same function): the stock kernel calls the C library's tanh
 * value by value (about 28 ns each), while XNNPACK's sigmoid is vectorised; the four passes
 * together are about 6x faster on [64, 28, 28, 1]. The price is precision near 0, where the
 * result is a difference of values near 1: the absolute error stays below 3e-7, so the
 * relative error passes 1e-4 only for |x| < 3e-3, far below what a pixel value can show.
 */
export function tanh(args: KernelArgs, stock: KernelImpl): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { backend } = args;
  if (x.dtype !== 'float32') return stock(args) as tf.TensorInfo;
  const two = cachedFill(backend, [], 2);
  const doubled = run(backend, 'Multiply', { a: x, b: two });
  const sigmoid = run(backend, 'Sigmoid', { x: doubled });
  release(backend, doubled);
  const scaled = run(backend, 'Multiply', { a: sigmoid, b: two });
  release(backend, sigmoid);
  const out = run(backend, 'Sub', { a: scaled, b: cachedFill(backend, [], 1) });
  release(backend, scaled);
  return out;
}

/**
 * Sum (or Mean) over one run of neighbouring axes that leaves a last axis, read as
 * [outer, M, C]: the mean is XNNPACK's average pooling of [outer, M, 1, C] with an M x 1 window
 * (one vectorised pass), the sum that mean times M. Batch norm's statistics and every bias
 * gradient reduce [B, H, W, C] over B, H, W (outer = 1; ~3x faster than the stock kernel's
 * transpose and loop on [64, 14, 14, 64]); instance norm reduces over H, W (outer = B). Other
 * cases (several runs, or a run that ends at the last axis, which the stock kernel reads in
 * order) go to the stock kernel.
 */
export function reduceAxisRun(
  args: KernelArgs<{ axis: number | number[]; keepDims: boolean }>,
  stock: KernelImpl,
  mean: boolean,
): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { backend } = args;
  const { axis, keepDims } = args.attrs!;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const first = axes[0];
  const last = axes[axes.length - 1];
  const isRun = axes.length > 0 && axes.every((a, i) => a === first + i) && last < rank - 1;
  const size = (from: number, to: number) => x.shape.slice(from, to).reduce((p, d) => p * d, 1);
  const outer = size(0, first);
  const rows = size(first, last + 1);
  const columns = size(last + 1, rank);
  // XNNPACK refuses a 1 x 1 pooling window; an empty tensor has nothing to pool.
  if (!isRun || x.dtype !== 'float32' || rows < 2 || outer * columns === 0) {
    return stock(args) as tf.TensorInfo;
  }
  const x4 = reshape(backend, x, [outer, rows, 1, columns]);
  const pooled = run(backend, 'AvgPool', { x: x4 }, { filterSize: [rows, 1], strides: [1, 1], pad: 'valid' }); // [outer, 1, 1, C]
  release(backend, x4);
  if (!mean) {
    const values = heapView(backend, pooled); // our own new output: scaled in place
    for (let i = 0; i < values.length; i++) values[i] *= rows;
  }
  const outShape = x.shape.flatMap((d, i) => (i < first || i > last ? [d] : keepDims ? [1] : []));
  const out = reshape(backend, pooled, outShape);
  release(backend, pooled);
  return out;
}

export function identity(args: KernelArgs, stock: KernelImpl): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return stock(args) as tf.TensorInfo;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * Concat of float32 tensors. The stock kernel copies one run of `inner` values per input and
 * outer index with `subarray` + `set`: concatenating two [16, 32, 32, 1] images along the
 * channels (Pix2Pix's discriminator input) makes 32,768 typed-array views of one value each.
 * Short runs are copied here with a plain loop; long runs still use `set`.
 */
export function concat(args: KernelArgs<{ axis: number | number[] }>, stock: KernelImpl): tf.TensorInfo {
  const inputs = (args.inputs as unknown as tf.TensorInfo[]).filter((t) => tf.util.sizeFromShape(t.shape) > 0);
  const { backend } = args;
  if (inputs.length < 2 || inputs.some((t) => t.dtype !== 'float32')) return stock(args) as tf.TensorInfo;
  const axis = tf.util.parseAxisParam(args.attrs!.axis, inputs[0].shape)[0];
  const outShape = tf.backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
  const outer = tf.util.sizeFromShape(inputs[0].shape.slice(0, axis));
  const inners = inputs.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
  if (Math.min(...inners) >= SHORT_RUN) return stock(args) as tf.TensorInfo;
  const out = (backend as WasmBackend).makeOutput(outShape, 'float32');
  const target = heapView(backend, out);
  const total = inners.reduce((a, b) => a + b, 0);
  let start = 0;
  inputs.forEach((input, i) => {
    const source = heapView(backend, input);
    const inner = inners[i];
    for (let o = 0; o < outer; o++) {
      const from = o * inner;
      const to = o * total + start;
      if (inner >= SHORT_RUN) target.set(source.subarray(from, from + inner), to);
      else for (let k = 0; k < inner; k++) target[to + k] = source[from + k];
    }
    start += inner;
  });
  return out;
}

/** Runs shorter than this are copied value by value (a view per run costs more). */
const SHORT_RUN = 64;

/**
 * FusedBatchNorm: y = (x - mean) * scale / sqrt(variance + eps) + offset, computed as
 * x * a + b with the per-channel a = scale / sqrt(variance + eps) and b = offset - mean * a.
 * Only for float32 statistics that are vectors over x's last axis (what tf.layers'
 * batchNormalization passes); anything else goes to the stock kernel.
 */
export function fusedBatchNorm(args: KernelArgs<{ varianceEpsilon: number }>, stock: KernelImpl): tf.TensorInfo {
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { backend } = args;
  const channels = x!.shape[x!.shape.length - 1];
  const perChannel = (t: tf.TensorInfo | undefined) => t === undefined || (t.shape.length === 1 && t.shape[0] === channels && t.dtype === 'float32');
  if (x!.dtype !== 'float32' || x!.shape.length < 2 || ![mean, variance, offset, scale].every(perChannel)) {
    return stock(args) as tf.TensorInfo;
  }
  const epsilon = args.attrs!.varianceEpsilon;
  const read = (t: tf.TensorInfo | undefined) => (t === undefined ? undefined : heapView(backend, t).slice());
  const [m, v, o, g] = [mean, variance, offset, scale].map(read);
  const a = new Float32Array(channels);
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    a[c] = (g === undefined ? 1 : g[c]) / Math.sqrt(v![c] + epsilon);
    b[c] = (o === undefined ? 0 : o[c]) - m![c] * a[c];
  }
  const aInfo = (backend as WasmBackend).makeOutput([channels], 'float32', undefined, a);
  const bInfo = (backend as WasmBackend).makeOutput([channels], 'float32', undefined, b);
  const scaled = run(backend, 'Multiply', { a: x!, b: aInfo });
  const out = run(backend, 'Add', { a: scaled, b: bInfo });
  release(backend, aInfo, bInfo, scaled);
  return out;
}

/**
 * Slice: the stock wasm kernel first copies the *whole* input out of the wasm heap (its
 * readSync), then the part it needs, so taking 16 rows of a 60,000-row data set, or one column
 * of a [16, 34, 34, 64] activation (2.8 ms), costs as much as copying the input. Here the output
 * is copied straight from the input's place in the heap, in runs: the trailing axes the slice
 * keeps whole are contiguous, so each run is size[k] * (their sizes) values for the innermost
 * axis k that is cut. Strings go to the stock kernel.
 */
export function slice(args: KernelArgs<{ begin: number | number[]; size?: number | number[] }>, stock: KernelImpl): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { backend } = args;
  if (x.dtype === 'string' || x.dtype === 'complex64') return stock(args) as tf.TensorInfo;
  const [begin, size] = tf.slice_util.parseSliceParams(x, args.attrs!.begin, args.attrs!.size);
  const wasm = backend as WasmBackend;
  const out = wasm.makeOutput(size, x.dtype);
  const total = size.reduce((p, d) => p * d, 1);
  if (total === 0) return out;
  // Views after the allocation: it may have grown (moved) the heap.
  const target = wasm.typedArrayFromHeap(out) as unknown as Float32Array;
  const source = wasm.typedArrayFromHeap(x) as unknown as Float32Array;
  const rank = x.shape.length;
  const strides = tf.util.computeStrides(x.shape); // per axis but the last
  const strideOf = (axis: number) => (axis === rank - 1 ? 1 : strides[axis]);
  // The innermost axis that is cut: every axis after it is whole.
  let cut = rank - 1;
  while (cut > 0 && size[cut] === x.shape[cut]) cut--;
  const run = rank === 0 ? 1 : size[cut] * strideOf(cut);
  const runs = total / run;
  const base = rank === 0 ? 0 : begin.reduce((offset, b, axis) => offset + b * strideOf(axis), 0);
  if (runs === 1) {
    target.set(source.subarray(base, base + run));
    return out;
  }
  // One view of the heap for copyWithin: element offsets of the two arrays within it.
  const View = source.constructor as unknown as new (buffer: ArrayBufferLike) => Float32Array;
  const heap = new View(source.buffer);
  const from0 = source.byteOffset / source.BYTES_PER_ELEMENT + base;
  let to = target.byteOffset / target.BYTES_PER_ELEMENT;
  const index = new Array<number>(cut).fill(0); // odometer over the axes before `cut`
  let from = from0;
  for (let r = 0; r < runs; r++, to += run) {
    if (run >= COPY_WITHIN_FROM) heap.copyWithin(to, from, from + run);
    else for (let i = 0; i < run; i++) heap[to + i] = heap[from + i];
    for (let axis = cut - 1; axis >= 0; axis--) {
      from += strideOf(axis);
      if (++index[axis] < size[axis]) break;
      index[axis] = 0;
      from -= size[axis] * strideOf(axis);
    }
  }
  return out;
}
