/**
 * genlab's own training kernels for the wasm backend.
 *
 * Stock @tensorflow/tfjs-backend-wasm 4.x has no Conv2DBackpropFilter kernel, so the gradient
 * of any convolution with respect to its filter fails there. Each kernel here is registered
 * once, only for a backend that lacks it (or where ours is measured to be faster).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';

const KERNELS: tf.KernelConfig[] = [conv2dBackpropFilterConfig];

/** Registers genlab's training kernels for `backendName` (idempotent). */
export function registerTrainingKernels(backendName: string): void {
  for (const config of KERNELS) {
    if (tf.getKernel(config.kernelName, backendName) !== undefined) continue;
    tf.registerKernel({ ...config, backendName });
  }
}
