/**
 * Conv2DBackpropFilter: the gradient of conv2d(x, filter) with respect to the filter.
 *
 *   dW[kh, kw, ci, co] = sum over b, oh, ow of
 *       x[b, oh*sh + kh*dh - padTop, ow*sw + kw*dw - padLeft, ci] * dy[b, oh, ow, co]
 *
 * Written out as plain loops over the backend's memory: correct for every stride, padding
 * and dilation the Conv2D kernel accepts. NHWC only (the layout tfjs layers use).
 */
import * as tf from '@tensorflow/tfjs';


export function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const backend = args.backend;
  const attrs = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (attrs.dataFormat === 'NCHW') {
    throw new Error(`Conv2DBackpropFilter: dataFormat must be 'NHWC', got 'NCHW'`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const xs = backend.readSync(x.dataId) as Float32Array;
  const dys = backend.readSync(dy.dataId) as Float32Array;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dw = new Float32Array(filterHeight * filterWidth * inChannels * outChannels);
  const acc = new Float64Array(outChannels);
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let ci = 0; ci < inChannels; ci++) {
        acc.fill(0);
        for (let b = 0; b < batchSize; b++) {
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * strideHeight + kh * dilationHeight - top;
            if (ih < 0 || ih >= inHeight) continue;
            for (let ow = 0; ow < outWidth; ow++) {
              const iw = ow * strideWidth + kw * dilationWidth - left;
              if (iw < 0 || iw >= inWidth) continue;
              const xv = xs[((b * inHeight + ih) * inWidth + iw) * inChannels + ci];
              if (xv === 0) continue;
              const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
              for (let co = 0; co < outChannels; co++) acc[co] += xv * dys[dyBase + co];
            }
          }
        }
        const base = ((kh * filterWidth + kw) * inChannels + ci) * outChannels;
        for (let co = 0; co < outChannels; co++) dw[base + co] = acc[co];
      }
    }
  }
  const shape = [...attrs.filterShape];
  return { dataId: backend.write(dw, shape, 'float32'), shape, dtype: 'float32' };
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
