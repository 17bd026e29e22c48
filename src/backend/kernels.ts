/**
 * genlab's training kernels for the wasm backend.
 *
 * Stock @tensorflow/tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so the
 * gradient of any convolution with respect to its filter fails there, and several kernels
 * a training step needs run as scalar loops far below XNNPACK's speed. Every kernel here
 * is built from kernels the wasm backend already runs fast (see each file), and each is
 * checked against the cpu backend in tests/kernels.test.ts.
 *
 * A replaced stock kernel stays reachable (our kernel calls it for the cases it does not
 * speed up), and its setup function still runs when the backend starts.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInput } from './conv2d-backprop-input';
import { conv2d } from './conv2d';
import { batchMatMul, concat, fusedBatchNorm, identity, leakyRelu, reduceAxisRun, slice, tanh, tile } from './small-kernels';
import { type KernelArgs, type KernelImpl, saveStockKernel } from './wasm-ops';

/** Kernels the stock backend lacks. */
const MISSING: tf.KernelConfig[] = [conv2dBackpropFilterConfig];

/** Kernels that replace a stock one; each receives the stock implementation. */
const REPLACEMENTS: Record<string, (args: KernelArgs<any>, stock: KernelImpl) => tf.TensorInfo> = {
  Conv2DBackpropInput: (args) => conv2dBackpropInput(args),
  Conv2D: conv2d,
  BatchMatMul: batchMatMul,
  Tile: tile,
  LeakyRelu: leakyRelu,
  Tanh: tanh,
  Slice: slice,
  Identity: identity,
  Concat: concat,
  FusedBatchNorm: fusedBatchNorm,
  Sum: (args, stock) => reduceAxisRun(args, stock, false),
  Mean: (args, stock) => reduceAxisRun(args, stock, true),
};

/** The kernel names genlab registers for the wasm backend. */
export const TRAINING_KERNELS = [...MISSING.map((c) => c.kernelName), ...Object.keys(REPLACEMENTS)];

const GENLAB = Symbol('genlab kernel');

/** Registers genlab's training kernels for the wasm backend (idempotent). */
export function registerTrainingKernels(backendName = 'wasm'): void {
  if (backendName !== 'wasm') throw new Error(`registerTrainingKernels: backendName must be 'wasm', got '${backendName}'`);
  for (const config of MISSING) {
    if (tf.getKernel(config.kernelName, backendName) !== undefined) continue;
    tf.registerKernel({ ...config, backendName });
  }
  for (const [kernelName, replacement] of Object.entries(REPLACEMENTS)) {
    const stock = tf.getKernel(kernelName, backendName);
    if (stock === undefined || (stock as unknown as Record<symbol, boolean>)[GENLAB]) continue;
    const stockImpl = stock.kernelFunc as unknown as KernelImpl;
    saveStockKernel(kernelName, stockImpl);
    tf.unregisterKernel(kernelName, backendName);
    const config: tf.KernelConfig = {
      kernelName,
      backendName,
      setupFunc: stock.setupFunc,
      disposeFunc: stock.disposeFunc,
      kernelFunc: ((args: KernelArgs) => replacement(args, stockImpl)) as unknown as tf.KernelFunc,
    };
    Object.defineProperty(config, GENLAB, { value: true });
    tf.registerKernel(config);
  }
  registerLeakyReluGradient();
}

/**
 * LeakyRelu's gradient on the wasm backend as dx = dy * step(x, alpha), where step(x, alpha) is
 * 1 for x > 0 and alpha elsewhere: two vectorised kernels. tfjs' own gradient,
 * where(x > 0, dy, alpha * dy), runs three and makes a boolean tensor (~4x slower on
 * [64, 14, 14, 64]). On other backends, or for other dtypes, the stock gradient. Gradients are
 * registered per kernel for all backends, hence the check at run time. Step and Multiply have
 * gradients of their own, so second derivatives (WGAN-GP's penalty) still work.
 */
function registerLeakyReluGradient(): void {
  const stock = tf.getGradient('LeakyRelu');
  if (stock === undefined || (stock as unknown as Record<symbol, boolean>)[GENLAB]) return;
  const onWasm = (x: tf.Tensor) => tf.getBackend() === 'wasm' && x.dtype === 'float32';
  const gradient: tf.GradConfig = {
    kernelName: 'LeakyRelu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      if (!onWasm(x)) return stock.gradFunc(dy, saved, attrs);
      return { x: () => tf.mul(dy as tf.Tensor, tf.step(x, (attrs as unknown as { alpha: number }).alpha)) };
    },
  };
  Object.defineProperty(gradient, GENLAB, { value: true });
  tf.registerGradient(gradient);
}
