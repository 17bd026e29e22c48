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
 */
import * as tf from '@tensorflow/tfjs';
import { type KernelArgs, conv2d, pair, release, slice, transpose } from './wasm-ops';

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

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
