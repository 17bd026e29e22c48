/**
 * Conv2DBackpropInput: the gradient of conv2d(x, filter) with respect to x, which is also
 * the forward pass of conv2dTranspose (every generator's upsampling layer).
 *
 *   dx[b, ih, iw, ci] = sum over kh, kw, co with ih = oh*sh + kh - padTop (same for w) of
 *       dy[b, oh, ow, co] * W[kh, kw, ci, co]
 *
 * Sub-pixel decomposition: write ih + padTop = q*sh + r with phase r in [0, sh). Only taps
 * kh = r + sh*j contribute, reading dy at oh = q - j. So each of the sh*sw output phases is
 * a stride-1 correlation of dy with a small kernel of J_r = ceil((K - r) / s) taps:
 *
 *   dx[q*sh + r - padTop] = sum over t in [0, J_r) of dy[q + t - (J_r - 1)] * W[r + sh*(J_r - 1 - t)]
 *
 * i.e. one stride-1 forward conv2d per phase (fast in wasm: XNNPACK), over exactly the q whose
 * row q*sh + r - padTop lies inside dx (a window common to all phases would compute (8/7)^2 more
 * for a 14 x 14 'same' layer), with the phase's taps
 * re-arranged into a kernel K_r[t_h, t_w, co, ci] (cached per filter: a filter's data never
 * changes in tfjs, assigning a variable gives it new data, so a GAN step's two generator
 * passes re-arrange it once). One pass in JS then interleaves the phases into dx and crops
 * the padding. Together the phases do exactly the multiply-adds of the direct formula; the
 * stock wasm kernel runs at about a tenth of the forward Conv2D's speed (issue 4: 2.8 vs 28 GFLOP/s).
 *
 * With few input channels (an image's 1 or 3) a conv per phase would leave XNNPACK's
 * 8-wide output tiles mostly empty; then all phases fold into ONE conv with sh*sw*Cin output
 * channels and the common J = ceil(K/s) taps (zero where a phase has fewer). For many
 * channels the fold is worse: it multiplies those zeros, 36 taps instead of 25 for a 5x5
 * kernel at stride 2, measured ~1.5x slower than a conv per phase.
 */
import * as tf from '@tensorflow/tfjs';
import { COPY_WITHIN_FROM, type KernelArgs, type WasmBackend, conv2d, convInfo, fromValues, heapView, release, reshape, run, slice, transpose } from './wasm-ops';

interface Conv2DBackpropInputAttrs {
  inputShape: [number, number, number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The rows of dy one conv reads for output rows q in [qMin, qMax] with `taps` taps: dy rows
 * q - (taps - 1) .. q, cropped to dy's [0, outSize) and zero-padded beyond it.
 */
interface Window {
  qMin: number;
  rows: number; // qMax - qMin + 1: output rows of the conv
  cropBefore: number; // rows of dy dropped at the start
  keep: number; // rows of dy kept
  padBefore: number;
  padAfter: number;
}

function window(taps: number, qMin: number, qMax: number, outSize: number): Window {
  const first = qMin - (taps - 1); // first dy row read (< 0: zero padding)
  const cropBefore = Math.max(first, 0);
  return {
    qMin,
    rows: qMax - qMin + 1,
    cropBefore,
    keep: Math.max(Math.min(qMax, outSize - 1) - cropBefore + 1, 0),
    padBefore: Math.max(-first, 0),
    padAfter: Math.max(qMax - (outSize - 1), 0),
  };
}

/** One phase r of one spatial axis, with the rows q that land inside dx (its own window). */
interface PhasePlan {
  phase: number; // r
  taps: number; // J_r = ceil((K - r) / s); 0 when the kernel is narrower than the stride
  own: Window; // q with 0 <= q*s + r - padTop < inSize
}

/** One spatial axis. `common` spans every phase's q: the window a folded conv uses. */
interface AxisPlan {
  stride: number;
  padTop: number;
  phases: PhasePlan[];
  common: Window;
}

function planAxis(kernel: number, stride: number, padBefore: number, inSize: number, outSize: number): AxisPlan {
  const phases: PhasePlan[] = [];
  for (let r = 0; r < stride; r++) {
    const taps = Math.max(Math.ceil((kernel - r) / stride), 0);
    const qMin = Math.ceil((padBefore - r) / stride);
    const qMax = Math.floor((inSize - 1 + padBefore - r) / stride);
    phases.push({ phase: r, taps, own: window(taps, qMin, qMax, outSize) });
  }
  const qMin = Math.floor(padBefore / stride);
  const qMax = Math.floor((inSize - 1 + padBefore) / stride);
  return { stride, padTop: padBefore, phases, common: window(phases[0].taps, qMin, qMax, outSize) };
}

/** Below this many input channels, all phases fold into one conv (see the header). */
const FOLD_BELOW_CHANNELS = 8;

/** A set of phases computed by one conv; a phase's channels sit at `index * Cin`. */
interface PhaseGroup {
  key: string;
  tapsH: number;
  tapsW: number;
  phases: Array<{ ph: PhasePlan; pw: PhasePlan; index: number }>;
  /** The dy windows of the conv: the phase's own, or the common one of a folded group. */
  windowH: Window;
  windowW: Window;
}

function phaseGroups(h: AxisPlan, w: AxisPlan, inChannels: number): PhaseGroup[] {
  const live = h.phases.flatMap((ph) => w.phases.filter((pw) => ph.taps > 0 && pw.taps > 0).map((pw) => ({ ph, pw })));
  if (inChannels >= FOLD_BELOW_CHANNELS || live.length <= 1) {
    return live.map(({ ph, pw }) => ({
      key: `${ph.phase},${pw.phase}`,
      tapsH: ph.taps,
      tapsW: pw.taps,
      phases: [{ ph, pw, index: 0 }],
      windowH: ph.own,
      windowW: pw.own,
    }));
  }
  // The phase with the most taps (r = 0) needs the widest dy window: all phases use it.
  return [{
    key: 'folded',
    tapsH: h.phases[0].taps,
    tapsW: w.phases[0].taps,
    phases: live.map((p, index) => ({ ...p, index })),
    windowH: h.common,
    windowW: w.common,
  }];
}

/** Cache of re-arranged kernels, keyed by the filter's data; entries die with their filter. */
const kernelCache = new Map<object, { key: string; kernels: Map<string, tf.TensorInfo> }>();

function groupKernels(backend: tf.KernelBackend, filter: tf.TensorInfo, h: AxisPlan, w: AxisPlan, groups: PhaseGroup[]): Map<string, tf.TensorInfo> {
  const wasm = backend as WasmBackend;
  for (const [dataId, entry] of kernelCache) {
    if (!wasm.dataIdMap.has(dataId)) {
      release(backend, ...entry.kernels.values());
      kernelCache.delete(dataId);
    }
  }
  const key = `${filter.shape},${h.stride},${w.stride},${groups.map((g) => g.key)}`;
  const cached = kernelCache.get(filter.dataId);
  if (cached !== undefined && cached.key === key) return cached.kernels;

  const [, kernelWidth, inChannels, outChannels] = filter.shape;
  const kernels = new Map<string, tf.TensorInfo>();
  for (const group of groups) {
    const groupChannels = group.phases.length * inChannels;
    const values = new Float32Array(group.tapsH * group.tapsW * outChannels * groupChannels);
    const source = heapView(backend, filter); // [KH, KW, Cin, Cout]; re-read: allocations move the heap
    for (const { ph, pw, index } of group.phases) {
      // A phase with fewer taps than the group reads the group's window from its end.
      const skipH = group.tapsH - ph.taps;
      const skipW = group.tapsW - pw.taps;
      for (let th = skipH; th < group.tapsH; th++) {
        const kh = ph.phase + h.stride * (group.tapsH - 1 - th);
        for (let tw = skipW; tw < group.tapsW; tw++) {
          const kw = pw.phase + w.stride * (group.tapsW - 1 - tw);
          for (let ci = 0; ci < inChannels; ci++) {
            const from = ((kh * kernelWidth + kw) * inChannels + ci) * outChannels;
            // K[th, tw, co, index*Cin + ci]: consecutive co are groupChannels apart.
            let to = (th * group.tapsW + tw) * outChannels * groupChannels + index * inChannels + ci;
            for (let co = 0; co < outChannels; co++, to += groupChannels) values[to] = source[from + co];
          }
        }
      }
    }
    kernels.set(group.key, fromValues(backend, values, [group.tapsH, group.tapsW, outChannels, groupChannels]));
  }
  if (cached !== undefined) release(backend, ...cached.kernels.values());
  kernelCache.set(filter.dataId, { key, kernels });
  return kernels;
}

/** The [first, end) of the conv rows i whose dx row (qMin + i)*stride + offset is in [0, size). */
function inside(window: Window, stride: number, offset: number, size: number): [number, number] {
  const first = Math.max(Math.ceil(-offset / stride) - window.qMin, 0);
  const end = Math.min(Math.floor((size - 1 - offset) / stride) - window.qMin + 1, window.rows);
  return [first, end];
}

export function conv2dBackpropInput(args: KernelArgs<Conv2DBackpropInputAttrs>): tf.TensorInfo {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { backend } = args;
  const attrs = args.attrs!;
  if (attrs.dataFormat === 'NCHW') {
    throw new Error(`Conv2DBackpropInput: dataFormat must be 'NHWC', got 'NCHW'`);
  }
  const info = convInfo(attrs.inputShape, filter.shape, attrs);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  if (useColumns(batchSize * outHeight * outWidth, info.outChannels)) return byColumns(backend, dy, filter, info);
  const h = planAxis(info.filterHeight, info.strideHeight, info.padInfo.top, inHeight, outHeight);
  const w = planAxis(info.filterWidth, info.strideWidth, info.padInfo.left, inWidth, outWidth);
  const groups = phaseGroups(h, w, inChannels).filter(
    (g) => g.windowH.rows > 0 && g.windowW.rows > 0 && g.windowH.keep > 0 && g.windowW.keep > 0,
  );
  const kernels = groupKernels(backend, filter, h, w, groups);

  // One stride-1 conv per group: [N, rowsH, rowsW, phases*Cin] each.
  const outputs: Array<{ group: PhaseGroup; out: tf.TensorInfo }> = [];
  for (const group of groups) {
    const { windowH: wh, windowW: ww } = group;
    let dyUsed = dy;
    if (wh.keep < outHeight || ww.keep < outWidth) {
      dyUsed = slice(backend, dy, [0, wh.cropBefore, ww.cropBefore, 0], [batchSize, wh.keep, ww.keep, dy.shape[3]]);
    }
    const out = conv2d(backend, dyUsed, kernels.get(group.key)!, {
      pad: [wh.padBefore, wh.padAfter, ww.padBefore, ww.padAfter],
    });
    if (dyUsed !== dy) release(backend, dyUsed);
    outputs.push({ group, out });
  }
  const phasesComputed = groups.reduce((sum, g) => sum + g.phases.length, 0);

  // Interleave: dx[n, (qMin + u)*sh + rh - padTop, (qMin + v)*sw + rw - padLeft, :] = phase[n, u, v, :].
  const dx = (backend as WasmBackend).makeOutput([...attrs.inputShape], 'float32');
  const target = heapView(backend, dx); // no allocation below: the views stay valid
  if (phasesComputed < h.stride * w.stride) target.fill(0); // phases no tap reaches are zero
  // One view of the whole heap, so that a run of channels moves with copyWithin (a memmove).
  const heap = new Float32Array(target.buffer);
  const targetBase = target.byteOffset / 4;
  for (const { group, out } of outputs) {
    const sourceBase = heapView(backend, out).byteOffset / 4;
    const { windowH: wh, windowW: ww } = group;
    const pixelStride = group.phases.length * inChannels;
    for (const { ph, pw, index } of group.phases) {
      // The u (v) whose row (column) lands inside dx: a folded group's common window overhangs.
      const [uFirst, uEnd] = inside(wh, h.stride, ph.phase - h.padTop, inHeight);
      const [vFirst, vEnd] = inside(ww, w.stride, pw.phase - w.padTop, inWidth);
      const runs = vEnd - vFirst;
      if (runs <= 0) continue;
      const targetStep = w.stride * inChannels;
      for (let n = 0; n < batchSize; n++) {
        for (let u = uFirst; u < uEnd; u++) {
          const ih = (wh.qMin + u) * h.stride + ph.phase - h.padTop;
          const iw = (ww.qMin + vFirst) * w.stride + pw.phase - w.padTop;
          let to = targetBase + ((n * inHeight + ih) * inWidth + iw) * inChannels;
          let from = sourceBase + ((n * wh.rows + u) * ww.rows + vFirst) * pixelStride + index * inChannels;
          if (inChannels >= COPY_WITHIN_FROM) {
            for (let v = 0; v < runs; v++, to += targetStep, from += pixelStride) heap.copyWithin(to, from, from + inChannels);
          } else {
            for (let v = 0; v < runs; v++, to += targetStep, from += pixelStride) {
              for (let c = 0; c < inChannels; c++) heap[to + c] = heap[from + c];
            }
          }
        }
      }
    }
  }
  release(backend, ...outputs.map((o) => o.out));
  return dx;
}

/** The [first, end) of the positions o in [0, outSize) whose o*stride + offset is in [0, inSize). */
function inRange(offset: number, stride: number, inSize: number, outSize: number): [number, number] {
  const first = Math.max(Math.ceil(-offset / stride), 0);
  const end = Math.min(Math.floor((inSize - 1 - offset) / stride) + 1, outSize);
  return [first, Math.max(end, first)];
}

/**
 * Few dy rows (the small-image end of a U-Net: 1 x 1 to 4 x 4 at batch 16) make the phase
 * convolutions tiny while their re-arranged kernels are as large as the filter, re-packed by
 * XNNPACK whenever the filter changes (every training step). There, the product
 *
 *   columnsT[(kh, kw, ci), m] = sum over co of W[kh, kw, ci, co] * dy[m, co]    // [KH*KW*Cin, M]
 *
 * (one XNNPACK matrix product over the M = N*OH*OW rows of dy) followed by a scatter-add of each
 * row's KH*KW taps into dx ("col2im", in JS) is cheaper: the scatter touches M*KH*KW*Cin values,
 * the re-arrangement it replaces touches KH*KW*Cin*Cout. Used when M <= 2*Cout. The filter is the
 * product's left operand, read as it lies; XNNPACK packs only the right one, dy transposed
 * (Cout*M values). With the filter on the right it would transpose and pack all KH*KW*Cin*Cout
 * values: 14.7 ms instead of about 1 ms for a U-Net bottleneck (dy 16x1x1x256, filter 4x4x256x256).
 */
export function useColumns(rows: number, outChannels: number): boolean {
  return rows <= 2 * outChannels;
}

function byColumns(backend: tf.KernelBackend, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const rows = batchSize * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;
  const dy2 = reshape(backend, dy, [rows, outChannels]);
  const dyT = transpose(backend, dy2, [1, 0]); // [Cout, M]: small, M <= 2*Cout
  release(backend, dy2);
  const dyT3 = reshape(backend, dyT, [1, outChannels, rows]);
  const filter3 = reshape(backend, filter, [1, taps, outChannels]);
  const columnsT = run(backend, 'BatchMatMul', { a: filter3, b: dyT3 }, { transposeA: false, transposeB: false }); // [1, KH*KW*Cin, M]
  release(backend, dyT, dyT3, filter3);
  const dx = (backend as WasmBackend).makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
  const target = heapView(backend, dx);
  const source = heapView(backend, columnsT);
  target.fill(0);
  // Tap by tap, over the dy positions whose input pixel lies inside dx: no test in the inner loop.
  for (let kh = 0; kh < filterHeight; kh++) {
    const [ohFirst, ohEnd] = inRange(kh - padTop, strideHeight, inHeight, outHeight);
    for (let kw = 0; kw < filterWidth; kw++) {
      const [owFirst, owEnd] = inRange(kw - padLeft, strideWidth, inWidth, outWidth);
      const tap = (kh * filterWidth + kw) * inChannels;
      const targetStep = strideWidth * inChannels;
      for (let n = 0; n < batchSize; n++) {
        for (let oh = ohFirst; oh < ohEnd; oh++) {
          const ih = oh * strideHeight + kh - padTop;
          let to = ((n * inHeight + ih) * inWidth + owFirst * strideWidth + kw - padLeft) * inChannels;
          let from = tap * rows + (n * outHeight + oh) * outWidth + owFirst; // columnsT[tap + c, m] at from + c*M
          for (let ow = owFirst; ow < owEnd; ow++, to += targetStep, from++) {
            for (let c = 0; c < inChannels; c++) target[to + c] += source[from + c * rows];
          }
        }
      }
    }
  }
  release(backend, columnsT);
  return dx;
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as unknown as tf.KernelFunc,
};
