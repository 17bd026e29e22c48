/**
 * Conv2D for few output positions (the small-image end of a U-Net or ResNet encoder, and the
 * input gradients of the decoder steps there):
 *
 *   columns[m, (kh, kw, ci)] = x[b, oh*sh + kh - padTop, ow*sw + kw - padLeft, ci]   (0 outside)
 *   y[m, co] = sum over (kh, kw, ci) of columns[m, (kh, kw, ci)] * W[kh, kw, ci, co]
 *
 * over the M = N*OH*OW output positions m = (b, oh, ow): the columns made in JS, then one XNNPACK
 * matrix product. The stock wasm Conv2D, whenever it meets a filter for the first time (every
 * training step: assigning a variable gives it new data), first transposes the whole filter to
 * [Cout, KH, KW, Cin] in a plain loop and then packs it, which for a 4x4x128x512 filter takes
 * ~15 ms while the product itself is ~2 ms. The matrix product packs the filter as it lies
 * ([KH*KW*Cin, Cout] read as the transposed weights), and the columns cost M*KH*KW*Cin copies,
 * fewer than the filter's values when M <= Cout (see convByColumns). Dilated, grouped or NCHW
 * convolutions go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { COPY_WITHIN_FROM, type KernelArgs, type KernelImpl, type WasmBackend, convInfo, heapView, pair, release, reshape, run } from './wasm-ops';

/** True when Conv2D goes through columns and one matrix product (see the header). */
export function convByColumns(positions: number, outChannels: number): boolean {
  return positions <= outChannels;
}

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function conv2d(args: KernelArgs<Conv2DAttrs>, stock: KernelImpl): tf.TensorInfo {
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const { backend } = args;
  const attrs = args.attrs!;
  const [dilationHeight, dilationWidth] = pair(attrs.dilations ?? 1);
  if (
    attrs.dataFormat === 'NCHW' || dilationHeight !== 1 || dilationWidth !== 1 ||
    x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape[3] !== filter.shape[2]
  ) {
    return stock(args) as tf.TensorInfo;
  }
  const info = convInfo(x.shape, filter.shape, attrs);
  const { batchSize, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const positions = batchSize * outHeight * outWidth;
  if (positions === 0 || !convByColumns(positions, outChannels)) return stock(args) as tf.TensorInfo;
  const taps = filterHeight * filterWidth * inChannels;
  const columns = columnsOf(backend, x, info);
  const filter3 = reshape(backend, filter, [1, taps, outChannels]);
  const product = run(backend, 'BatchMatMul', { a: columns, b: filter3 }, { transposeA: false, transposeB: false }); // [1, M, Cout]
  release(backend, columns, filter3);
  const y = reshape(backend, product, [batchSize, outHeight, outWidth, outChannels]);
  release(backend, product);
  return y;
}

/**
 * The columns of x for a convolution (im2col), [1, N*OH*OW, KH*KW*Cin]:
 *
 *   columns[(b, oh, ow), (kh, kw, ci)] = x[b, oh*sh + kh - padTop, ow*sw + kw - padLeft, ci]   (0 outside)
 *
 * made in JS on the wasm heap, a pixel's channels moved as one run.
 */
export function columnsOf(backend: tf.KernelBackend, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const taps = filterHeight * filterWidth * inChannels;
  const columns = (backend as WasmBackend).makeOutput([1, batchSize * outHeight * outWidth, taps], 'float32');
  // No allocation until the loop ends: the views stay valid. Short runs go value by value
  // through the arrays' own views; long ones by copyWithin on a view of the whole heap.
  const target = heapView(backend, columns);
  const source = heapView(backend, x);
  const heap = new Float32Array(target.buffer);
  const targetBase = target.byteOffset / 4;
  const sourceBase = source.byteOffset / 4;
  const long = inChannels >= COPY_WITHIN_FROM;
  const tapRow = filterWidth * inChannels;
  let p = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh - padTop;
          if (ih < 0 || ih >= inHeight) {
            target.fill(0, p, p + tapRow);
            p += tapRow;
            continue;
          }
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw - padLeft;
            const from = ((n * inHeight + ih) * inWidth + iw) * inChannels;
            if (iw < 0 || iw >= inWidth) {
              for (let c = 0; c < inChannels; c++) target[p++] = 0;
            } else if (long) {
              heap.copyWithin(targetBase + p, sourceBase + from, sourceBase + from + inChannels);
              p += inChannels;
            } else {
              for (let c = 0; c < inChannels; c++) target[p++] = source[from + c];
            }
          }
        }
      }
    }
  }
  return columns;
}
