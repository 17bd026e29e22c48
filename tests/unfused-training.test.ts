/**
 * src/backend/unfused-training.ts: while a gradient is recorded, tf.layers' conv2d and dense
 * layers compute only the gradients that are asked for, with the same values as before.
 */
import test from 'ava';
import { tf, initBackend } from '../src/index';
import { relativeError } from './helpers';

test.before(async () => {
  await initBackend({ verbose: false });
});

/** conv2d (bias, linear) -> flatten -> dense (bias): the layers that call tf.fused.*. */
function buildModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [9, 9, 2], filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tf.initializers.randomNormal({ seed: 1 }), biasInitializer: tf.initializers.randomNormal({ seed: 2 }) }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.randomNormal({ seed: 3 }), biasInitializer: tf.initializers.randomNormal({ seed: 4 }) }));
  return model;
}

test.serial('the generator-step pattern: a gradient for the input only runs no weight-gradient kernel', async (t) => {
  const model = buildModel();
  const x = tf.randomNormal([2, 9, 9, 2], 0, 1, 'float32', 5);
  const profile = await tf.profile(() => tf.grad((input: tf.Tensor) => (model.apply(input) as tf.Tensor).square().sum())(x));
  const names = profile.kernels.map((k) => k.name); // every kernel call, in order
  t.true(names.includes('Conv2DBackpropInput'), `the input gradient runs: ${names}`);
  t.false(names.includes('Conv2DBackpropFilter'), `no conv filter gradient: ${names}`);
  // The dense layer's input gradient is one product; its weight gradient would be a second.
  t.is(names.filter((n) => n === 'BatchMatMul').length, 2, `forward + input gradient of dense: ${names}`);
  tf.dispose([x, profile.result as tf.Tensor]);
  model.dispose();
});

test.serial('weight gradients through the layers equal hand-built ops and finite differences', (t) => {
  const model = buildModel();
  const x = tf.randomNormal([2, 9, 9, 2], 0, 1, 'float32', 6);
  const [kernel, bias, denseKernel, denseBias] = model.trainableWeights.map((w) => w.read());
  const loss = () => (model.apply(x) as tf.Tensor).square().sum() as tf.Scalar;
  const { grads } = tf.variableGrads(loss);
  // Independent of tf.layers: the same network written with plain ops.
  const byHand = tf.grads((k: tf.Tensor, b: tf.Tensor, dk: tf.Tensor, db: tf.Tensor) =>
    tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 2, 'same').add(b).reshape([2, -1]).matMul(dk).add(db).square().sum(),
  )([kernel, bias, denseKernel, denseBias]);
  const names = model.trainableWeights.map((w) => w.originalName);
  names.forEach((name, i) => t.true(relativeError(grads[name], byHand[i]) < 1e-5, name));
  // Finite difference on one conv weight (float64 on the host).
  const values = Float64Array.from(kernel.dataSync());
  const f = (delta: number) => {
    const shifted = values.slice();
    shifted[7] += delta;
    const k = tf.tensor(Float32Array.from(shifted), kernel.shape);
    const value = tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 2, 'same').add(bias).reshape([2, -1]).matMul(denseKernel).add(denseBias).square().sum().dataSync()[0];
    k.dispose();
    return value;
  };
  const numeric = (f(1e-2) - f(-1e-2)) / 2e-2;
  const analytic = grads[names[0]].dataSync()[7];
  t.true(Math.abs(numeric - analytic) <= 2e-2 * Math.max(1, Math.abs(numeric)), `d loss / d kernel[7]: ${analytic} vs ${numeric}`);
  tf.dispose([x, ...Object.values(grads), ...byHand]);
  model.dispose();
});

test.serial('outside a gradient tape the layers still run the fused kernels', async (t) => {
  const model = buildModel();
  const x = tf.ones([1, 9, 9, 2]);
  const profile = await tf.profile(() => model.predict(x) as tf.Tensor);
  t.true(profile.kernelNames.includes('FusedConv2D'), `${profile.kernelNames}`);
  t.true(profile.kernelNames.includes('_FusedMatMul'), `${profile.kernelNames}`);
  tf.dispose([x, profile.result as tf.Tensor]);
  model.dispose();
});
