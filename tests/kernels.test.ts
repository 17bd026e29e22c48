/**
 * genlab's wasm training kernels (src/backend/) against the cpu backend, on random inputs.
 *
 * The grid is representative rather than a full product (the cpu reference is slow):
 * batch 1-64, kernels 1/3/4/5/7, strides 1/2/3, 'same'/'valid', odd and non-square sizes,
 * 1-128 channels, plus the conv shapes of the course models (at batch 4-8: the per-image
 * shapes are what the kernels branch on, and the cpu reference is slow).
 */
import test from 'ava';
import { tf, initBackend } from '../src/index';
import { TRAINING_KERNELS } from '../src/backend/kernels';
import { useColumns } from '../src/backend/conv2d-backprop-input';
import { filterByColumns } from '../src/backend/conv2d-backprop-filter';
import { convByColumns } from '../src/backend/conv2d';
import { relativeError, onBackend } from './helpers';

let onWasm = false;

test.before(async () => {
  const info = await initBackend({ backend: 'wasm', verbose: false });
  onWasm = info.name === 'wasm';
});

/** Live data buffers of the active backend, tracked by the engine or not. */
function liveBuffers(): number {
  return tf.engine().backend.numDataIds();
}

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid';
  what?: string;
}

const CONV_CASES: ConvCase[] = [
  { x: [1, 5, 5, 1], filter: [1, 1, 1, 1], strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { x: [3, 9, 7, 2], filter: [5, 5, 2, 6], strides: 2, pad: 'same' },
  { x: [3, 9, 7, 2], filter: [5, 5, 2, 6], strides: 2, pad: 'valid' },
  { x: [1, 14, 14, 8], filter: [4, 4, 8, 5], strides: 2, pad: 'same' },
  { x: [5, 15, 10, 3], filter: [4, 4, 3, 7], strides: 2, pad: 'valid' },
  { x: [4, 11, 13, 1], filter: [1, 3, 1, 7], strides: [1, 2], pad: 'same' },
  { x: [2, 10, 10, 4], filter: [3, 3, 4, 2], strides: 3, pad: 'valid' },
  { x: [2, 13, 11, 5], filter: [5, 3, 5, 3], strides: [3, 2], pad: 'same' },
  { x: [3, 7, 9, 6], filter: [1, 1, 6, 9], strides: 2, pad: 'same' },
  { x: [2, 7, 9, 8], filter: [1, 1, 8, 4], strides: 2, pad: 'same' },
  { x: [2, 10, 9, 8], filter: [4, 4, 8, 3], strides: 3, pad: 'valid' },
  { x: [2, 11, 10, 9], filter: [5, 4, 9, 3], strides: [3, 2], pad: 'same' },
  { x: [2, 12, 12, 16], filter: [3, 3, 16, 128], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 128], filter: [3, 3, 128, 3], strides: 2, pad: 'same' },
  { x: [64, 6, 6, 2], filter: [3, 3, 2, 4], strides: 1, pad: 'valid' },
  // Few dy rows (M = N*OH*OW <= 2*Cout): Conv2DBackpropInput goes through a matrix product + col2im.
  { x: [4, 2, 2, 64], filter: [4, 4, 64, 64], strides: 2, pad: 'same', what: 'U-Net bottleneck, columns path' },
  { x: [3, 4, 4, 16], filter: [4, 4, 16, 32], strides: 2, pad: 'same', what: 'columns path' },
  { x: [2, 7, 5, 3], filter: [3, 2, 3, 16], strides: [3, 2], pad: 'valid', what: 'columns path, cropped' },
  // Few input channels (KH*KW*Cin <= Cout): Conv2DBackpropFilter goes through columns of x + a matrix product.
  { x: [4, 14, 13, 1], filter: [3, 3, 1, 9], strides: 3, pad: 'valid', what: 'filter columns, cropped' },
  { x: [3, 9, 7, 1], filter: [4, 3, 1, 16], strides: [3, 2], pad: 'same', what: 'filter columns' },
  // The course models' shapes (DCGAN D and G; U-Net and ResNet generator layers).
  { x: [8, 28, 28, 1], filter: [5, 5, 1, 64], strides: 2, pad: 'same', what: 'DCGAN D conv1' },
  { x: [8, 14, 14, 64], filter: [5, 5, 64, 128], strides: 2, pad: 'same', what: 'DCGAN D conv2 / G deconv1' },
  { x: [4, 32, 32, 3], filter: [4, 4, 3, 64], strides: 2, pad: 'same', what: 'U-Net down' },
  { x: [2, 34, 34, 3], filter: [7, 7, 3, 32], strides: 1, pad: 'valid', what: 'ResNet stem (reflect-padded)' },
  { x: [2, 32, 32, 32], filter: [3, 3, 32, 64], strides: 2, pad: 'same', what: 'ResNet down' },
];

test('CONV_CASES take both routes of Conv2DBackpropFilter: columns of x, and the swapped-axes conv', (t) => {
  const routes = CONV_CASES.map((c) => filterByColumns(c.filter[0], c.filter[1], c.filter[2], c.filter[3]));
  t.true(routes.filter((r) => r).length >= 5, 'cases through columns of x');
  t.true(routes.filter((r) => !r).length >= 5, 'cases through the swapped-axes conv');
  t.true(filterByColumns(5, 5, 1, 64), "the DCGAN discriminator's first layer uses columns");
  t.false(filterByColumns(5, 5, 64, 128), 'its second layer the swapped-axes conv');
});

function caseName(c: ConvCase): string {
  const base = `x ${c.x.join('x')}, filter ${c.filter.join('x')}, stride ${c.strides}, ${c.pad}`;
  return c.what ? `${base} (${c.what})` : base;
}

/** dL/dx and dL/dW of L = sum(conv2d(x, W) * dy): Conv2DBackpropInput and Conv2DBackpropFilter. */
function convGradients(x: tf.Tensor4D, filter: tf.Tensor4D, dy: tf.Tensor4D, c: ConvCase): tf.Tensor[] {
  return tf.grads((...[xs, w]: tf.Tensor[]) => tf.conv2d(xs as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad).mul(dy).sum())([x, filter]);
}

for (const c of CONV_CASES) {
  test.serial(`conv2d gradients match the cpu backend: ${caseName(c)}`, async (t) => {
    t.true(onWasm, 'the wasm backend runs');
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomNormal(c.filter, 0, 1, 'float32', 3) as tf.Tensor4D;
    const outShape = tf.tidy(() => tf.conv2d(x, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape);
    const dy = tf.randomNormal(outShape, 0, 1, 'float32', 2) as tf.Tensor4D;
    const columnsPath = useColumns(outShape[0] * outShape[1] * outShape[2], outShape[3]);
    t.is(columnsPath, c.what?.includes('columns path') ?? false, 'the case exercises the path its name says');

    const tensorsBefore = tf.memory().numTensors;
    const ours = convGradients(x, filter, dy, c);
    t.is(tf.memory().numTensors, tensorsBefore + 2, 'two output tensors, no leaked tensors');
    const reference = await onBackend('cpu', () => convGradients(x, filter, dy, c));
    t.deepEqual(ours[0].shape, c.x);
    t.deepEqual(ours[1].shape, c.filter);
    const inputError = relativeError(ours[0], reference[0]);
    const filterError = relativeError(ours[1], reference[1]);
    t.true(inputError < 1e-4, `Conv2DBackpropInput relative error ${inputError}`);
    t.true(filterError < 1e-4, `Conv2DBackpropFilter relative error ${filterError}`);

    // Repeating the gradient leaves no buffer behind in the wasm heap, tracked or not.
    tf.dispose(convGradients(x, filter, dy, c));
    const buffersBefore = liveBuffers();
    const bytesBefore = tf.memory().numBytes;
    tf.dispose(convGradients(x, filter, dy, c));
    t.is(liveBuffers(), buffersBefore, 'wasm buffers stable');
    t.is(tf.memory().numBytes, bytesBefore, 'bytes stable');
    tf.dispose([x, filter, dy, ...ours, ...reference]);
  });
}

const TRANSPOSE_CASES: ConvCase[] = [
  { x: [8, 7, 7, 128], filter: [5, 5, 64, 128], strides: 2, pad: 'same', what: 'DCGAN G deconv1' },
  { x: [64, 14, 14, 64], filter: [5, 5, 1, 64], strides: 2, pad: 'same', what: 'DCGAN G deconv2, batch 64' },
  { x: [3, 5, 4, 6], filter: [3, 3, 2, 6], strides: 3, pad: 'valid' },
  { x: [2, 8, 8, 16], filter: [4, 4, 8, 16], strides: 2, pad: 'same', what: 'U-Net up' },
];

for (const c of TRANSPOSE_CASES) {
  test.serial(`conv2dTranspose forward matches the cpu backend: ${caseName(c)}`, async (t) => {
    const [n, h, w] = c.x;
    const s = typeof c.strides === 'number' ? c.strides : c.strides[0];
    const [kh, kw, cin] = c.filter;
    const outputShape: [number, number, number, number] =
      c.pad === 'same' ? [n, h * s, w * s, cin] : [n, (h - 1) * s + kh, (w - 1) * s + kw, cin];
    const dy = tf.randomNormal(c.x, 0, 1, 'float32', 4) as tf.Tensor4D;
    const filter = tf.randomNormal(c.filter, 0, 1, 'float32', 5) as tf.Tensor4D;
    const run = () => tf.conv2dTranspose(dy, filter, outputShape, c.strides, c.pad);
    const ours = run();
    const again = run(); // the second call uses the cached re-arranged kernel
    const reference = await onBackend('cpu', run);
    t.deepEqual(ours.shape, outputShape);
    t.true(relativeError(ours, reference) < 1e-4, `relative error ${relativeError(ours, reference)}`);
    t.true(relativeError(again, reference) < 1e-4, `cached kernel: relative error ${relativeError(again, reference)}`);
    tf.dispose([dy, filter, ours, again, reference]);
  });
}

test.serial('the re-arranged kernel cache frees an entry once its filter is gone', (t) => {
  const dy = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
  const warmFilter = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const withNewFilter = () => {
    tf.tidy(() => {
      tf.conv2dTranspose(dy, tf.zeros([3, 3, 2, 3]) as tf.Tensor4D, [2, 8, 8, 2], 2, 'same');
    });
  };
  tf.dispose([tf.conv2dTranspose(dy, warmFilter, [2, 8, 8, 2], 2, 'same'), warmFilter]);
  withNewFilter();
  const before = liveBuffers();
  for (let i = 0; i < 5; i++) {
    tf.tidy(() => {
      const filter = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 8 + i) as tf.Tensor4D;
      tf.conv2dTranspose(dy, filter, [2, 8, 8, 2], 2, 'same');
    });
  }
  withNewFilter();
  t.is(liveBuffers(), before, 'one cached kernel at a time, not one per filter ever seen');
  dy.dispose();
});

const MATMUL_CASES: Array<{ a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }> = [
  { a: [64, 100], b: [6272, 100], transposeA: false, transposeB: true },
  { a: [100, 64], b: [100, 6272], transposeA: true, transposeB: false },
  { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
  { a: [2, 9, 4], b: [2, 6, 9], transposeA: true, transposeB: true },
  { a: [1, 3], b: [5, 3], transposeA: false, transposeB: true },
];

for (const c of MATMUL_CASES) {
  const name = `a ${c.a.join('x')}${c.transposeA ? 'ᵀ' : ''}, b ${c.b.join('x')}${c.transposeB ? 'ᵀ' : ''}`;
  test.serial(`BatchMatMul with a transposed operand matches the cpu backend: ${name}`, async (t) => {
    const a = tf.randomNormal(c.a, 0, 1, 'float32', 9);
    const b = tf.randomNormal(c.b, 0, 1, 'float32', 10);
    const run = () => tf.matMul(a, b, c.transposeA, c.transposeB);
    const buffersBefore = liveBuffers();
    const ours = run();
    t.is(liveBuffers(), buffersBefore + 1, 'one output buffer, no leaked intermediates');
    const reference = await onBackend('cpu', run);
    t.deepEqual(ours.shape, reference.shape);
    t.true(relativeError(ours, reference) < 1e-4, `relative error ${relativeError(ours, reference)}`);
    tf.dispose([a, b, ours, reference]);
  });
}

test.serial('Tile matches the cpu backend, as a broadcast and as a general tile', async (t) => {
  const cases: Array<[number[], number[]]> = [
    [[1, 1, 1, 5], [4, 3, 2, 1]],
    [[3, 1], [1, 4]],
    [[2, 3], [2, 2]],
    [[1, 2, 1], [3, 1, 2]],
  ];
  for (const [shape, reps] of cases) {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 11);
    const ours = tf.tile(x, reps);
    const reference = await onBackend('cpu', () => tf.tile(x, reps));
    t.deepEqual(ours.shape, reference.shape);
    t.is(relativeError(ours, reference), 0, `tile ${shape} by ${reps}`);
    tf.dispose([x, ours, reference]);
  }
  const ints = tf.tensor2d([[1, 2]], [1, 2], 'int32');
  t.deepEqual(tf.tile(ints, [2, 1]).arraySync(), [[1, 2], [1, 2]], 'int32 keeps the stock path');
  ints.dispose();
});

test.serial('FusedBatchNorm matches the cpu backend, with and without scale and offset, and leaks nothing', async (t) => {
  const cases: Array<{ shape: number[]; scale: boolean; offset: boolean; paramShape?: number[] }> = [
    { shape: [64, 14, 14, 64], scale: true, offset: true },
    { shape: [8, 5, 3], scale: false, offset: true },
    { shape: [16, 7], scale: true, offset: false },
    { shape: [4, 6], scale: false, offset: false },
    { shape: [2, 3, 3, 5], scale: true, offset: true, paramShape: [1, 1, 1, 5] }, // not per-channel vectors: the stock kernel
  ];
  for (const [i, c] of cases.entries()) {
    const channels = c.shape[c.shape.length - 1];
    const p = c.paramShape ?? [channels];
    const x = tf.randomNormal(c.shape, 0.5, 2, 'float32', 20 + i);
    const mean = tf.randomNormal(p, 0.5, 1, 'float32', 30 + i);
    const variance = tf.randomUniform(p, 0.1, 3, 'float32', 40 + i);
    const offset = c.offset ? tf.randomNormal(p, 0, 1, 'float32', 50 + i) : undefined;
    const scale = c.scale ? tf.randomNormal(p, 1, 0.5, 'float32', 60 + i) : undefined;
    const run = () => tf.batchNorm(x, mean, variance, offset, scale, 1e-3);
    const before = tf.memory().numTensors;
    const buffersBefore = liveBuffers();
    const ours = run();
    t.is(tf.memory().numTensors, before + 1, 'one output tensor');
    t.is(liveBuffers(), buffersBefore + 1, 'one new wasm buffer: intermediates released');
    const reference = await onBackend('cpu', run);
    t.deepEqual(ours.shape, c.shape);
    t.true(relativeError(ours, reference) < 1e-5, `case ${i}: relative error ${relativeError(ours, reference)}`);
    tf.dispose([x, mean, variance, ours, reference, ...(offset ? [offset] : []), ...(scale ? [scale] : [])]);
  }
});

// Few output positions (M = N*OH*OW <= Cout): Conv2D goes through columns of x and one matrix product.
const FORWARD_COLUMN_CASES: ConvCase[] = [
  { x: [4, 2, 2, 64], filter: [4, 4, 64, 64], strides: 2, pad: 'same', what: 'U-Net bottleneck, 64 channels (copyWithin)' },
  { x: [2, 4, 4, 128], filter: [4, 4, 128, 512], strides: 2, pad: 'same', what: 'U-Net decoder input gradient' },
  { x: [3, 5, 4, 16], filter: [3, 3, 16, 32], strides: 2, pad: 'valid' },
  { x: [1, 3, 5, 3], filter: [3, 2, 3, 16], strides: [1, 2], pad: 'same', what: '3 channels (plain copy)' },
  { x: [2, 6, 7, 5], filter: [5, 3, 5, 96], strides: [3, 2], pad: 'same' },
];

for (const c of FORWARD_COLUMN_CASES) {
  test.serial(`conv2d forward by columns matches the cpu backend: ${caseName(c)}`, async (t) => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 6) as tf.Tensor4D;
    const filter = tf.randomNormal(c.filter, 0, 1, 'float32', 7) as tf.Tensor4D;
    const run = () => tf.conv2d(x, filter, c.strides, c.pad);
    const reference = await onBackend('cpu', run);
    const [n, oh, ow, cout] = reference.shape;
    t.true(convByColumns(n * oh * ow, cout), 'the case takes the columns route');
    run().dispose(); // brings x and filter back from the cpu backend
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = liveBuffers();
    const ours = run();
    t.is(tf.memory().numTensors, tensorsBefore + 1, 'one output tensor');
    t.is(liveBuffers(), buffersBefore + 1, 'one output buffer, no intermediate left behind');
    t.deepEqual(ours.shape, reference.shape);
    t.true(relativeError(ours, reference) < 1e-5, `relative error ${relativeError(ours, reference)}`);
    tf.dispose([x, filter, ours, reference]);
  });
}

test('Conv2D takes the columns route only for few output positions', (t) => {
  t.true(convByColumns(16, 256), 'U-Net bottleneck: 16 positions, 256 filters');
  t.false(convByColumns(64 * 7 * 7, 128), 'DCGAN D conv2: 3136 positions');
});

test.serial('Slice reads the input in place and matches the cpu backend: ranks 1-5, float32/int32/bool, whole and cut axes', async (t) => {
  const cases: Array<[number[], number[], number[]]> = [
    [[16, 34, 34, 64], [0, 0, 1, 0], [-1, -1, 1, -1]], // one column of an activation (reflection padding)
    [[16, 34, 34, 8], [0, 0, 3, 0], [-1, -1, 28, -1]],
    [[2, 9, 7, 3], [1, 2, 3, 1], [1, 4, 2, 2]], // every axis cut, runs of 2
    [[60, 5], [17, 0], [16, -1]], // a batch of rows: one contiguous run
    [[4, 6, 5, 3, 2], [1, 0, 2, 0, 1], [2, -1, 3, -1, 1]],
    [[7], [2], [4]],
    [[3, 4], [1, 2], [0, 2]], // empty
  ];
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    for (const [shape, begin, size] of cases) {
      const values = tf.randomUniform(shape, -50, 50, 'float32', 41);
      const x = dtype === 'float32' ? values : dtype === 'int32' ? values.toInt() : values.greater(0);
      const ours = tf.slice(x, begin, size);
      const reference = await onBackend('cpu', () => tf.slice(x, begin, size));
      t.deepEqual(ours.shape, reference.shape, `${dtype} ${JSON.stringify([shape, begin, size])}: shape`);
      t.is(ours.dtype, dtype);
      t.deepEqual(Array.from(ours.dataSync()), Array.from(reference.dataSync()), `${dtype} ${JSON.stringify([shape, begin, size])}: values`);
      tf.dispose([values, x, ours, reference]);
    }
  }
  const x = tf.randomNormal([16, 34, 34, 64], 0, 1, 'float32', 42);
  tf.slice(x, [0, 0, 1, 0], [-1, -1, 3, -1]).dispose();
  const buffersBefore = liveBuffers();
  const part = tf.slice(x, [0, 0, 1, 0], [-1, -1, 3, -1]);
  t.is(liveBuffers(), buffersBefore + 1, 'only the output buffer');
  tf.dispose([x, part]);
});

test.serial('Tanh through sigmoid matches the cpu backend to 3e-7, saturates, and its gradient still works', async (t) => {
  const x = tf.concat([tf.randomNormal([64 * 28 * 28], 0, 2, 'float32', 5), tf.tensor1d([0, 1e-6, -1e-4, 20, -20, 90, -90])]);
  const run = () => [tf.tanh(x), tf.grad((v: tf.Tensor) => tf.tanh(v).mul(v).sum())(x)];
  const ours = run();
  const reference = await onBackend('cpu', run);
  t.true(relativeError(ours[0], reference[0]) < 3e-7, `tanh: ${relativeError(ours[0], reference[0])}`);
  t.true(relativeError(ours[1], reference[1]) < 1e-6, `tanh gradient: ${relativeError(ours[1], reference[1])}`);
  t.deepEqual([...ours[0].dataSync().slice(-4)], [1, -1, 1, -1]);
  tf.tanh(x).dispose(); // brings x's data back from the cpu backend
  const before = liveBuffers();
  tf.tanh(x).dispose();
  t.is(liveBuffers(), before, 'no buffer left behind');
  tf.dispose([x, ...ours, ...reference]);
});

test.serial('LeakyRelu matches the cpu backend and its gradient still works', async (t) => {
  for (const [shape, alpha] of [[[64, 7, 7, 128], 0.2], [[5, 3], 0.01], [[7], 0.3]] as Array<[number[], number]>) {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 12);
    const run = () => [tf.leakyRelu(x, alpha), tf.grad((v: tf.Tensor) => tf.leakyRelu(v, alpha).square().sum())(x)];
    const ours = run();
    const reference = await onBackend('cpu', run);
    t.true(relativeError(ours[0], reference[0]) < 1e-6, `leakyRelu ${shape}`);
    t.true(relativeError(ours[1], reference[1]) < 1e-5, `leakyRelu gradient ${shape}`);
    tf.dispose([x, ...ours, ...reference]);
  }
  // The gradient's own gradient (what WGAN-GP's penalty needs): d/dw of sum((d/dx sum(c * leakyRelu(w * x)))^2).
  const x = tf.randomNormal([4, 6, 6, 8], 0, 1, 'float32', 14);
  const c = tf.randomNormal([4, 6, 6, 8], 0, 1, 'float32', 15);
  const w = tf.scalar(0.7);
  const secondOrder = () => [
    tf.grad((weight: tf.Tensor) => {
      const inputGradient = tf.grad((v: tf.Tensor) => tf.leakyRelu(v.mul(weight), 0.2).mul(c).sum())(x);
      return inputGradient.square().sum() as tf.Scalar;
    })(w),
  ];
  const ours2 = secondOrder();
  const reference2 = await onBackend('cpu', secondOrder);
  t.true(Math.abs(ours2[0].dataSync()[0]) > 1, 'the second derivative is not trivially zero');
  t.true(relativeError(ours2[0], reference2[0]) < 1e-5, 'second derivative through LeakyRelu');
  tf.dispose([x, c, w, ...ours2, ...reference2]);
  t.is(tf.engine().backendName, 'wasm');
  const ones = tf.ones([2]);
  const profile = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.leakyRelu(v, 0.2).sum())(ones));
  tf.dispose([ones, profile.result as tf.Tensor]);
  t.deepEqual(
    profile.kernelNames.filter((n) => ['LeakyRelu', 'Step', 'Greater', 'Select'].includes(n)),
    ['LeakyRelu', 'Step'],
    'the gradient is dy * step(x, alpha), not tfjs\' where(x > 0, ...)',
  );

  const buffersBefore = liveBuffers();
  tf.tidy(() => {
    tf.leakyRelu(tf.ones([2, 3]), 0.2);
  });
  t.is(liveBuffers(), buffersBefore + 1, 'only the cached alpha vector for the new channel count stays');
});

test.serial('Concat matches the cpu backend: short and long runs, any axis', async (t) => {
  const cases: Array<{ shapes: number[][]; axis: number }> = [
    { shapes: [[16, 32, 32, 1], [16, 32, 32, 1]], axis: 3 }, // Pix2Pix's (input, output) pair
    { shapes: [[2, 4, 4, 3], [2, 4, 4, 100], [2, 4, 4, 1]], axis: 3 }, // short and long runs mixed
    { shapes: [[3, 5], [3, 2]], axis: 1 },
    { shapes: [[2, 3, 4], [2, 1, 4]], axis: 1 },
    { shapes: [[2, 3], [4, 3]], axis: 0 },
    { shapes: [[2, 0, 3], [2, 2, 3]], axis: 1 }, // an empty input is skipped
  ];
  for (const [i, c] of cases.entries()) {
    const inputs = c.shapes.map((shape, k) => tf.randomNormal(shape, 0, 1, 'float32', 20 + 3 * i + k));
    const ours = tf.concat(inputs, c.axis);
    const reference = await onBackend('cpu', () => tf.concat(inputs, c.axis));
    t.deepEqual(ours.shape, reference.shape);
    t.is(relativeError(ours, reference), 0, `concat ${JSON.stringify(c.shapes)} on axis ${c.axis}`);
    tf.concat(inputs, c.axis).dispose(); // brings the inputs' data back from the cpu backend
    const buffersBefore = liveBuffers();
    tf.concat(inputs, c.axis).dispose();
    t.is(liveBuffers(), buffersBefore, `no buffer left behind: case ${i}`);
    tf.dispose([...inputs, ours, reference]);
  }
});

test.serial('Sum and Mean match the cpu backend over leading, middle and other axes', async (t) => {
  const x = tf.randomNormal([6, 5, 4, 3], 2, 1, 'float32', 13);
  const cases: Array<[number | number[], boolean]> = [
    [[0, 1, 2], false], [[0, 1, 2], true], [0, false], [[1, 0], true], [[0, 1, 2, 3], false], [-1, false], [[1, 2], false],
    [[1, 2], true], [1, false], [[2], true], [[0, 2], true], [[2, 3], false],
  ];
  for (const [axis, keepDims] of cases) {
    const run = () => [tf.sum(x, axis, keepDims), tf.mean(x, axis, keepDims)];
    const ours = run();
    const reference = await onBackend('cpu', run);
    for (let i = 0; i < 2; i++) {
      t.deepEqual(ours[i].shape, reference[i].shape, `${i ? 'mean' : 'sum'} over ${axis}`);
      t.true(relativeError(ours[i], reference[i]) < 1e-5, `${i ? 'mean' : 'sum'} over ${axis}, keepDims ${keepDims}`);
    }
    tf.dispose([...ours, ...reference]);
  }
  // The shapes of a DCGAN step (batch-norm statistics and bias gradients, a dense layer's
  // columns) and instance norm's statistics (per image and channel, over H and W).
  for (const [shape, axis] of [[[64, 14, 14, 64], [0, 1, 2]], [[64, 6272], 0], [[1, 5], 0], [[1, 1, 3], [0, 1]], [[16, 16, 16, 64], [1, 2]], [[4, 1, 1, 8], [1, 2]]] as Array<[number[], number[] | number]>) {
    const big = tf.randomNormal(shape, 0.5, 1, 'float32', 17);
    const run = () => [tf.sum(big, axis), tf.mean(big, axis)];
    const ours = run();
    const reference = await onBackend('cpu', run);
    t.true(relativeError(ours[0], reference[0]) < 1e-5, `sum of ${shape}: relative error ${relativeError(ours[0], reference[0])}`);
    t.true(relativeError(ours[1], reference[1]) < 1e-5, `mean of ${shape}: relative error ${relativeError(ours[1], reference[1])}`);
    tf.dispose([big, ...ours, ...reference]);
  }
  tf.sum(x).dispose(); // brings x's data back from the cpu backend
  const buffersBefore = liveBuffers();
  tf.tidy(() => {
    tf.sum(x, [0, 1]);
    tf.mean(x, [0, 1, 2], true);
  });
  t.is(liveBuffers(), buffersBefore, 'no buffer left behind');
  const ints = tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32');
  t.deepEqual(tf.sum(ints, 0).arraySync(), [4, 6], 'int32 keeps the stock path');
  tf.dispose([x, ints]);
});

test.serial('a small conv GAN-like training step keeps tensors, buffers and the wasm heap stable', (t) => {
  const generator = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [8], units: 4 * 4 * 16, useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.reshape({ targetShape: [4, 4, 16] }),
      tf.layers.conv2dTranspose({ filters: 8, kernelSize: 5, strides: 2, padding: 'same', useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.conv2dTranspose({ filters: 1, kernelSize: 5, strides: 2, padding: 'same', activation: 'tanh' }),
    ],
  });
  const critic = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 1], filters: 8, kernelSize: 5, strides: 2, padding: 'same' }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1 }),
    ],
  });
  const optimizer = tf.train.adam(1e-3);
  const step = (seed: number) =>
    tf.tidy(() => {
      const z = tf.randomNormal([6, 8], 0, 1, 'float32', seed);
      const loss = optimizer.minimize(() => (critic.apply(generator.apply(z, { training: true })) as tf.Tensor).square().mean() as tf.Scalar, true);
      return loss!.dataSync()[0];
    });
  step(1);
  step(2);
  const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  const before = { tensors: tf.memory().numTensors, buffers: liveBuffers(), heap: heap() };
  const losses = [3, 4, 5, 6].map(step);
  t.true(losses.every(Number.isFinite), `losses ${losses}`);
  t.is(tf.memory().numTensors, before.tensors, 'tensors');
  t.is(liveBuffers(), before.buffers, 'wasm buffers');
  t.is(heap(), before.heap, 'wasm heap size');
  optimizer.dispose();
  generator.dispose();
  critic.dispose();
});

test.serial('Identity shares data: a clone outlives its source and keeps its values', (t) => {
  const buffersBefore = liveBuffers();
  const source = tf.tensor2d([[1, 2], [3, 4]]);
  const copy = tf.clone(source);
  t.is(liveBuffers(), buffersBefore + 1, 'no copy is made');
  source.dispose();
  t.deepEqual(copy.arraySync(), [[1, 2], [3, 4]]);
  copy.dispose();
  t.is(liveBuffers(), buffersBefore, 'the shared data is freed with its last tensor');
});

test.serial('initBackend registers every training kernel for wasm', (t) => {
  for (const name of TRAINING_KERNELS) t.truthy(tf.getKernel(name, 'wasm'), name);
});
