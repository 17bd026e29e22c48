/**
 * The start-up self-test of multi-threaded wasm (see ./threads.ts), run in a child process:
 *
 *   node threads-self-test.js THREADS
 *
 * Starts the threaded backend, checks a convolution and both of its gradients (through
 * genlab's training kernels) against the cpu backend, prints `genlab-threads-ok THREADS`,
 * and must then exit by itself: a pool that kept the process alive would fail the test
 * by timing out.
 */
import * as tf from '@tensorflow/tfjs';
import { registerTrainingKernels } from './kernels';
import { startThreadedWasm } from './threads';

function convAndGradients(): tf.Tensor[] {
  return tf.tidy(() => {
    const x = tf.randomNormal([8, 16, 16, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomNormal([5, 5, 8, 32], 0, 1, 'float32', 2) as tf.Tensor4D;
    const dy = tf.randomNormal([8, 8, 8, 32], 0, 1, 'float32', 3) as tf.Tensor4D;
    const forward = tf.conv2d(x, filter, 2, 'same');
    const [dx, dFilter] = tf.grads((...[a, w]: tf.Tensor[]) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').mul(dy).sum())([x, filter]);
    return [forward, dx, dFilter];
  });
}

function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  const av = a.dataSync();
  const bv = b.dataSync();
  let scale = 1e-3;
  let worst = 0;
  for (let i = 0; i < bv.length; i++) scale = Math.max(scale, Math.abs(bv[i]));
  for (let i = 0; i < bv.length; i++) worst = Math.max(worst, Math.abs(av[i] - bv[i]) / scale);
  return worst;
}

async function main(): Promise<void> {
  const threads = Number(process.argv[2]);
  require('@tensorflow/tfjs-backend-wasm');
  registerTrainingKernels('wasm');
  await startThreadedWasm(threads);
  const ours = convAndGradients();
  await tf.setBackend('cpu');
  const reference = convAndGradients();
  ours.forEach((t, i) => {
    const error = relativeError(t, reference[i]);
    if (!(error < 1e-4)) throw new Error(`threaded result ${i} differs from the cpu backend: relative error ${error}`);
  });
  console.log(`genlab-threads-ok ${threads}`);
}

main().catch((error: Error) => {
  console.error(`genlab threads self-test: ${error.message}`);
  process.exitCode = 1;
});
