/**
 * Conv2DBackpropInput: the gradient of conv2d(x, filter) with respect to x, which is also
 * the forward pass of conv2dTranspose (every generator's upsampling layer).
 *
 *   dx[b, ih, iw, ci] = sum over kh, kw, co with ih = oh*sh + kh - padTop (same for w) of
 *       dy[b, oh, ow, co] * W[kh, kw, ci, co]
 *
 * Sub-pixel decomposition: write ih + padTop = q*sh + r with phase r in [0, sh). Only taps
 * kh = r + sh*j contribute, reading dy at oh = q - j. So each of the sh*sw output phases is
 * a stride-1 correlation of dy with a small kernel of J = ceil(K / s) taps:
 *
 *   dx[q*sh + r - padTop] = sum over t in [0, J) of dy[q + t - (J - 1)] * W[r + sh*(J - 1 - t)]
 *
 * All phases share the same input window, so they fold into ONE stride-1 forward conv2d
 * (fast in wasm: XNNPACK) with sh*sw*Cin output channels:
 *
 *   K[th, tw, co, (rh*sw + rw)*Cin + ci] = W[rh + sh*(Jh-1-th), rw + sw*(Jw-1-tw), ci, co]
 *                                           (0 where the tap is past the kernel's edge)
 *   phases = conv2d(dy, K, stride 1, padding Jh-1-qmin on top ...)   // [N, Qh, Qw, sh*sw*Cin]
 *   dx     = phases interleaved: reshape [N*Qh, Qw, sh, sw*Cin], transpose (0, 2, 1, 3),
 *            reshape [N, Qh*sh, Qw*sw, Cin], then crop to [N, H, W, Cin]
 *
 * The re-arranged kernel K is cached per filter (a filter's data never changes in tfjs:
 * assigning a variable gives it new data), so the generator's two forward passes in a GAN
 * step re-arrange it once. The stock wasm kernel is a scalar loop (~10x slower here), and
 * DepthToSpace, the textbook interleave, is slower than one transpose.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type KernelArgs,
  type WasmBackend,
  conv2d,
  fromValues,
  heapView,
  pair,
  release,
  reshape,
  run,
  slice,
} from './wasm-ops';

interface Conv2DBackpropInputAttrs {
  inputShape: [number, number, number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** One spatial axis of the decomposition. */
interface AxisPlan {
  stride: number;
  taps: number; // J = ceil(K / s)
  rows: number; // Q: output rows per phase
  cropBefore: number; // rows of dy dropped at the start (negative padding)
  keep: number; // rows of dy kept
  padBefore: number;
  padAfter: number;
  offset: number; // where dx row 0 sits in the interleaved result: padTop mod s
}

function planAxis(inSize: number, outSize: number, kernel: number, stride: number, padBefore: number): AxisPlan {
  const taps = Math.ceil(kernel / stride);
  const qMin = Math.floor(padBefore / stride);
  const qMax = Math.floor((inSize - 1 + padBefore) / stride);
  const first = qMin - (taps - 1); // first dy row read (may be < 0: zero padding)
  const last = qMax; // last dy row read (may be >= outSize: zero padding)
  const cropBefore = Math.max(first, 0);
  const keep = Math.max(Math.min(last, outSize - 1) - cropBefore + 1, 0);
  return {
    stride,
    taps,
    rows: qMax - qMin + 1,
    cropBefore,
    keep,
    padBefore: Math.max(-first, 0),
    padAfter: Math.max(last - (outSize - 1), 0),
    offset: padBefore - qMin * stride,
  };
}

/** Cache of re-arranged kernels, keyed by the filter's data; entries die with their filter. */
const kernelCache = new Map<object, { key: string; kernel: tf.TensorInfo }>();

function rearrangedKernel(backend: tf.KernelBackend, filter: tf.TensorInfo, h: AxisPlan, w: AxisPlan): tf.TensorInfo {
  const wasm = backend as WasmBackend;
  for (const [dataId, entry] of kernelCache) {
    if (!wasm.dataIdMap.has(dataId)) {
      release(backend, entry.kernel);
      kernelCache.delete(dataId);
    }
  }
  const key = `${filter.shape},${h.stride},${w.stride},${h.taps},${w.taps}`;
  const cached = kernelCache.get(filter.dataId);
  if (cached !== undefined && cached.key === key) return cached.kernel;

  const [kernelHeight, kernelWidth, inChannels, outChannels] = filter.shape;
  const phases = h.stride * w.stride;
  const values = new Float32Array(h.taps * w.taps * outChannels * phases * inChannels);
  const source = heapView(backend, filter); // [KH, KW, Cin, Cout]
  for (let th = 0; th < h.taps; th++) {
    for (let tw = 0; tw < w.taps; tw++) {
      for (let rh = 0; rh < h.stride; rh++) {
        const kh = rh + h.stride * (h.taps - 1 - th);
        if (kh >= kernelHeight) continue;
        for (let rw = 0; rw < w.stride; rw++) {
          const kw = rw + w.stride * (w.taps - 1 - tw);
          if (kw >= kernelWidth) continue;
          const phase = rh * w.stride + rw;
          for (let ci = 0; ci < inChannels; ci++) {
            const from = ((kh * kernelWidth + kw) * inChannels + ci) * outChannels;
            // K[th, tw, co, phase*Cin + ci]: consecutive co are phases*Cin apart.
            let to = ((th * w.taps + tw) * outChannels) * phases * inChannels + phase * inChannels + ci;
            for (let co = 0; co < outChannels; co++, to += phases * inChannels) values[to] = source[from + co];
          }
        }
      }
    }
  }
  const kernel = fromValues(backend, values, [h.taps, w.taps, outChannels, phases * inChannels]);
  if (cached !== undefined) release(backend, cached.kernel);
  kernelCache.set(filter.dataId, { key, kernel });
  return kernel;
}

export function conv2dBackpropInput(args: KernelArgs<Conv2DBackpropInputAttrs>): tf.TensorInfo {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { backend } = args;
  const attrs = args.attrs!;
  if (attrs.dataFormat === 'NCHW') {
    throw new Error(`Conv2DBackpropInput: dataFormat must be 'NHWC', got 'NCHW'`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    pair(attrs.strides),
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const h = planAxis(inHeight, outHeight, info.filterHeight, info.strideHeight, info.padInfo.top);
  const w = planAxis(inWidth, outWidth, info.filterWidth, info.strideWidth, info.padInfo.left);
  if (h.keep === 0 || w.keep === 0) {
    // No output position reads any of dy (only possible with extreme explicit padding).
    return run(backend, 'Fill', {}, { shape: attrs.inputShape, value: 0, dtype: 'float32' });
  }

  const kernel = rearrangedKernel(backend, filter, h, w);
  let dyUsed = dy;
  if (h.keep < outHeight || w.keep < outWidth) {
    dyUsed = slice(backend, dy, [0, h.cropBefore, w.cropBefore, 0], [batchSize, h.keep, w.keep, dy.shape[3]]);
  }
  const phases = conv2d(backend, dyUsed, kernel, {
    pad: [h.padBefore, h.padAfter, w.padBefore, w.padAfter],
  }); // [N, Qh, Qw, sh*sw*Cin]
  if (dyUsed !== dy) release(backend, dyUsed);

  let interleaved = phases;
  if (h.stride * w.stride > 1) {
    // [N*Qh, Qw, sh, sw*Cin] -> [N*Qh, sh, Qw, sw*Cin] = [N, Qh*sh, Qw*sw, Cin]
    const grouped = reshape(backend, phases, [batchSize * h.rows, w.rows, h.stride, w.stride * inChannels]);
    const swapped = run(backend, 'Transpose', { x: grouped }, { perm: [0, 2, 1, 3] });
    interleaved = reshape(backend, swapped, [batchSize, h.rows * h.stride, w.rows * w.stride, inChannels]);
    release(backend, phases, grouped, swapped);
  }
  if (h.offset === 0 && w.offset === 0 && h.rows * h.stride === inHeight && w.rows * w.stride === inWidth) {
    return interleaved;
  }
  const dx = slice(backend, interleaved, [0, h.offset, w.offset, 0], [batchSize, inHeight, inWidth, inChannels]);
  release(backend, interleaved);
  return dx;
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as unknown as tf.KernelFunc,
};
