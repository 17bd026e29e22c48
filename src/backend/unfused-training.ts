/**
 * Gradients only for what is trained.
 *
 * tf.layers' conv2d and dense layers call `tf.fused.conv2d` / `tf.fused.matMul`. Under a
 * gradient tape with a linear activation (the usual case: the activation is a layer of its
 * own, as in every GAN here), tfjs 4.22 runs them as one custom-gradient op whose backward
 * pass computes the gradient of EVERY input at once: the input, the weights and the bias,
 * needed or not. A GAN's generator step then pays for the discriminator's weight gradients
 * (one extra 1.3 GFLOP Conv2DBackpropFilter per step in the reference DCGAN of issue 4),
 * and its discriminator step for the input gradient of D's first layer.
 *
 * The plain ops (conv2d or matMul, then add the bias) have per-input gradients that tfjs
 * computes only for the inputs on the path from the trained variables, as PyTorch's
 * autograd does. So while a gradient is being recorded, linear fused calls are routed to
 * the plain ops; everything else (inference, fused non-linear activations, PReLU weights)
 * still goes to the stock fused op. Same values either way: the fused kernel adds the bias
 * to the same convolution. Measured on the reference DCGAN step: see README "Performance".
 *
 * This replaces two functions on tfjs-core's `fused` namespace object, which tfjs-layers
 * reads at call time. Where that object cannot be changed (an ES-module build of tfjs),
 * nothing happens and the stock behaviour stays.
 */
import * as tf from '@tensorflow/tfjs';

type FusedConv2DArgs = Parameters<typeof tf.fused.conv2d>[0];
type FusedMatMulArgs = Parameters<typeof tf.fused.matMul>[0];

interface FusedNamespace {
  conv2d: (args: FusedConv2DArgs) => tf.Tensor;
  matMul: (args: FusedMatMulArgs) => tf.Tensor;
}

const INSTALLED = Symbol('genlab unfused training');

/** True while a gradient tape records (inside tf.grad, variableGrads, optimizer.minimize). */
function recordingGradients(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

function linear(activation: string | undefined, preluWeights: unknown): boolean {
  return (activation === undefined || activation === 'linear') && preluWeights == null;
}

/** Routes linear fused conv2d / matMul to the plain ops while gradients are recorded (idempotent). */
export function installUnfusedTraining(): boolean {
  const fused = tf.fused as unknown as FusedNamespace;
  if ((fused.conv2d as unknown as Record<symbol, boolean>)[INSTALLED]) return true;
  const stockConv2d = fused.conv2d;
  const stockMatMul = fused.matMul;
  const conv2d = (args: FusedConv2DArgs): tf.Tensor => {
    if (!recordingGradients() || !linear(args.activation, args.preluActivationWeights)) return stockConv2d(args);
    const y = tf.conv2d(
      args.x as tf.Tensor4D,
      args.filter as tf.Tensor4D,
      args.strides,
      args.pad,
      args.dataFormat ?? 'NHWC',
      args.dilations ?? [1, 1],
      args.dimRoundingMode,
    );
    return args.bias == null ? y : tf.add(y, args.bias);
  };
  const matMul = (args: FusedMatMulArgs): tf.Tensor => {
    if (!recordingGradients() || !linear(args.activation, args.preluActivationWeights)) return stockMatMul(args);
    const y = tf.matMul(args.a, args.b, args.transposeA ?? false, args.transposeB ?? false);
    return args.bias == null ? y : tf.add(y, args.bias);
  };
  Object.defineProperty(conv2d, INSTALLED, { value: true });
  try {
    fused.conv2d = conv2d;
    fused.matMul = matMul;
  } catch {
    return false;
  }
  if (fused.conv2d !== conv2d || fused.matMul !== matMul) {
    fused.conv2d = stockConv2d;
    fused.matMul = stockMatMul;
    return false;
  }
  return true;
}
