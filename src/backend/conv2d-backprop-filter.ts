/**
 * Conv2DBackpropFilter: the gradient of conv2d(x, filter) with respect to the filter.
 *
 *   dW[kh, kw, ci, co] = sum over b, oh, ow of
 *       x[b, oh*sh + kh - padTop, ow*sw + kw - padLeft, ci] * dy[b, oh, ow, co]
 *
 * Read with ci as the batch, (oh, ow) as the kernel taps and b as the channel being summed,
 * this is itself a forward convolution, which the wasm backend runs fast (XNNPACK):
 *
 *   xT  = x  transposed to [Cin, H, W, N]      (batch <-> channels)
 *   dyT = dy transposed to [OH, OW, N, Cout]   (the "filter")
 *   out = conv2d(xT, dyT, stride 1, dilation (sh, sw), padding (padTop, padBottom', ...))
 *                                              // [Cin, KH, KW, Cout]
 *   dW  = out transposed to [KH, KW, Cin, Cout]
 *
 * where padBottom' = (OH - 1)*sh + KH - H - padTop makes the output exactly KH tall. With
 * 'valid' padding and a stride that does not divide evenly, padBottom' is negative: the
 * rows of x that no output reads are cropped first. Stock tfjs-backend-wasm 4.x has no
 * Conv2DBackpropFilter at all. NHWC only (the layout tfjs layers use); dilated forward
 * convolutions have no gradient in tfjs, so the forward dilation is always 1 here.
 *
 * Small filters over few input channels (a network's first layer, reading a 1- or 3-channel
 * image) take a second route. Above, XNNPACK packs dyT, all N*OH*OW*Cout values of it, as the
 * "filter" on every call, to produce only Cin*KH*KW output rows: the packing costs more than
 * the product. There the product is written out instead, with the columns of x made in JS:
 *
 *   columnsT[(kh, kw, ci), (b, oh, ow)] = x[b, oh*sh + kh - padTop, ow*sw + kw - padLeft, ci]  (0 outside)
 *   dW = columnsT . dy    // [KH*KW*Cin, N*OH*OW] . [N*OH*OW, Cout], one XNNPACK product
 *
 * which packs dy once and nothing larger. Used when KH*KW*Cin <= Cout (see filterByColumns):
 * the columns are then no larger than dy. Measured on the DCGAN's first layer (x 64x28x28x1,
 * 5x5, 64 filters, stride 2), one thread: 2.3 ms instead of 7.5 ms.
 */
import * as tf from '@tensorflow/tfjs';
import { type KernelArgs, type WasmBackend, conv2d, heapView, pair, release, reshape, run, slice, transpose } from './wasm-ops';

/** True when Conv2DBackpropFilter goes through columns of x and one matrix product (see the header). */
export function filterByColumns(filterHeight: number, filterWidth: number, inChannels: number, outChannels: number): boolean {
  return filterHeight * filterWidth * inChannels <= outChannels;
}

interface Conv2DBackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2dBackpropFilter(args: KernelArgs<Conv2DBackpropFilterAttrs>): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { backend } = args;
  const attrs = args.attrs!;
  if (attrs.dataFormat === 'NCHW') {
    throw new Error(`Conv2DBackpropFilter: dataFormat must be 'NHWC', got 'NCHW'`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    pair(attrs.strides),
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const padBottom = (outHeight - 1) * strideHeight + filterHeight - inHeight - padTop;
  const padRight = (outWidth - 1) * strideWidth + filterWidth - inWidth - padLeft;
  if (filterByColumns(filterHeight, filterWidth, inChannels, info.outChannels)) return byColumns(backend, x, dy, info);

  // Crop the rows/columns of x that no output position reads (negative padding).
  let xUsed = x;
  if (padBottom < 0 || padRight < 0) {
    const height = inHeight + Math.min(padBottom, 0);
    const width = inWidth + Math.min(padRight, 0);
    xUsed = slice(backend, x, [0, 0, 0, 0], [batchSize, height, width, inChannels]);
  }
  const xT = transpose(backend, xUsed, [3, 1, 2, 0]); // [Cin, H', W', N]
  if (xUsed !== x) release(backend, xUsed);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH, OW, N, Cout]
  const out = conv2d(backend, xT, dyT, {
    dilations: [strideHeight, strideWidth],
    pad: [padTop, Math.max(padBottom, 0), padLeft, Math.max(padRight, 0)],
  }); // [Cin, KH, KW, Cout]
  release(backend, xT, dyT);
  const filterGradient = transpose(backend, out, [1, 2, 0, 3]); // [KH, KW, Cin, Cout]
  release(backend, out);
  return filterGradient;
}

function byColumns(backend: tf.KernelBackend, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const positions = batchSize * outHeight * outWidth; // P = N*OH*OW
  const taps = filterHeight * filterWidth * inChannels;
  const columnsT = (backend as WasmBackend).makeOutput([1, taps, positions], 'float32'); // [1, KH*KW*Cin, P]
  const target = heapView(backend, columnsT); // no allocation until the loop ends: the views stay valid
  const source = heapView(backend, x);
  for (let kh = 0, row = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let ci = 0; ci < inChannels; ci++, row++) {
        let p = row * positions;
        for (let n = 0; n < batchSize; n++) {
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * strideHeight + kh - padTop;
            if (ih < 0 || ih >= inHeight) {
              target.fill(0, p, p + outWidth);
              p += outWidth;
              continue;
            }
            const rowBase = (n * inHeight + ih) * inWidth;
            for (let ow = 0; ow < outWidth; ow++, p++) {
              const iw = ow * strideWidth + kw - padLeft;
              target[p] = iw < 0 || iw >= inWidth ? 0 : source[(rowBase + iw) * inChannels + ci];
            }
          }
        }
      }
    }
  }
  const dy3 = reshape(backend, dy, [1, positions, outChannels]);
  const product = run(backend, 'BatchMatMul', { a: columnsT, b: dy3 }, { transposeA: false, transposeB: false }); // [1, KH*KW*Cin, Cout]
  release(backend, columnsT, dy3);
  const filterGradient = reshape(backend, product, [filterHeight, filterWidth, inChannels, outChannels]);
  release(backend, product);
  return filterGradient;
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
