import test from 'ava';
import { tf, initBackend, models } from '../src/index';
import { assertNoLeak, relativeError } from './helpers';

const { InstanceNormalization, ReflectionPadding2D, SeededDropout } = models;

test.before(async () => {
  await initBackend({ verbose: false });
});

/** Saves a model to memory and loads it back: the round trip a checkpoint makes. */
async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return tf.loadLayersModel(tf.io.fromMemory(saved!));
}

test.serial('instance norm: zero mean and unit variance per image and channel; matches a hand computation', async (t) => {
  const layer = new InstanceNormalization();
  // Channels with very different means and scales.
  const x = tf.tidy(() => tf.randomNormal([3, 6, 5, 4], 0, 1, 'float32', 1).mul(tf.tensor1d([1, 10, 0.1, 3])).add(tf.tensor1d([5, -2, 0, 100])));
  const y = layer.apply(x) as tf.Tensor;
  t.deepEqual(y.shape, [3, 6, 5, 4]);
  const { mean, variance } = tf.moments(y, [1, 2]);
  t.deepEqual(mean.shape, [3, 4]);
  for (const m of mean.dataSync()) t.true(Math.abs(m) < 1e-4, `mean ${m}`);
  for (const v of variance.dataSync()) t.true(Math.abs(v - 1) < 2e-3, `variance ${v}`);
  // [1, 2, 3, 4] in one 2x2 channel: mean 2.5, variance 1.25 -> (x - 2.5) / sqrt(1.25 + 1e-5).
  const small = layer.apply(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1])) as tf.Tensor;
  const s = Math.sqrt(1.25 + 1e-5);
  t.true(relativeError(small, tf.tensor4d([-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], [1, 2, 2, 1])) < 1e-5);
  tf.dispose([x, y, mean, variance, small]);
});

test.serial('instance norm: affine weights, and the gradient matches finite differences', async (t) => {
  const layer = new InstanceNormalization({ affine: true });
  const x = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 2);
  layer.apply(x);
  t.deepEqual(layer.getWeights().map((w) => w.shape), [[2], [2]]);
  layer.setWeights([tf.tensor1d([2, 0.5]), tf.tensor1d([1, -1])]);
  // A fixed random projection of the output, so every element's gradient matters.
  const w = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 3);
  const f = (input: tf.Tensor) => (layer.apply(input) as tf.Tensor).mul(w).sum() as tf.Scalar;
  const analytic = tf.grad(f)(x);
  const values = x.arraySync() as number[][][][];
  const numeric: number[] = [];
  const h = 1e-2;
  const flat = x.dataSync();
  for (let i = 0; i < flat.length; i++) {
    const plus = flat.slice(); plus[i] += h;
    const minus = flat.slice(); minus[i] -= h;
    const fp = tf.tidy(() => f(tf.tensor4d(plus, x.shape as [number, number, number, number])).dataSync()[0]);
    const fm = tf.tidy(() => f(tf.tensor4d(minus, x.shape as [number, number, number, number])).dataSync()[0]);
    numeric.push((fp - fm) / (2 * h));
  }
  t.is(values.length, 2);
  const error = relativeError(analytic, tf.tensor4d(numeric, x.shape as [number, number, number, number]));
  t.true(error < 2e-2, `relative error ${error}`);
  // The gradient of any sum of instance-normalised values over a channel is zero (shift invariance).
  const gSum = tf.grad((input: tf.Tensor) => (layer.apply(input) as tf.Tensor).sum() as tf.Scalar)(x);
  t.true(gSum.abs().max().dataSync()[0] < 1e-4);
  tf.dispose([x, w, analytic, gSum]);
});

test.serial('reflection padding gradient: each dy value lands on the pixel it copied (random dy, pads 1-3, both routes)', async (t) => {
  // numpy.pad(mode='reflect') reads output row o from input row reflect(o - pad).
  const reflect = (i: number, size: number) => (i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i);
  for (const [h, w, p, q] of [[9, 8, 3, 1], [6, 7, 2, 2], [4, 5, 1, 1], [3, 6, 2, 1]]) {
    // [3, 6, 2, 1]: rows 3 < 2*2 + 2, the mirrored ranges overlap and the ops' own gradient is used.
    const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', 31);
    const layer = new ReflectionPadding2D({ padding: [p, q] });
    const dy = tf.randomNormal([2, h + 2 * p, w + 2 * q, 3], 0, 1, 'float32', 32);
    const tensorsBefore = tf.memory().numTensors;
    const g = tf.grad((v: tf.Tensor) => (layer.apply(v) as tf.Tensor).mul(dy).sum() as tf.Scalar)(x);
    t.is(tf.memory().numTensors, tensorsBefore + 1, `[${h}, ${w}] pad [${p}, ${q}]: only the gradient stays`);
    const d = dy.arraySync() as number[][][][];
    const expected = tf.buffer([2, h, w, 3]);
    for (let n = 0; n < 2; n++) {
      for (let i = 0; i < h + 2 * p; i++) {
        for (let j = 0; j < w + 2 * q; j++) {
          for (let c = 0; c < 3; c++) {
            const [si, sj] = [reflect(i - p, h), reflect(j - q, w)];
            expected.set(expected.get(n, si, sj, c) + d[n][i][j][c], n, si, sj, c);
          }
        }
      }
    }
    const reference = expected.toTensor();
    t.true(relativeError(g, reference) < 1e-6, `[${h}, ${w}] pad [${p}, ${q}]: relative error ${relativeError(g, reference)}`);
    tf.dispose([x, dy, g, reference]);
  }
});

test.serial('reflection padding equals numpy.pad(mode="reflect") on a hand-built example, and its gradient counts copies', async (t) => {
  const a = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [1, 3, 4, 1]);
  const layer = new ReflectionPadding2D({ padding: [2, 1] });
  const padded = layer.apply(a) as tf.Tensor;
  t.deepEqual(padded.shape, [1, 7, 6, 1]);
  // np.pad(np.arange(1, 13).reshape(3, 4), ((2, 2), (1, 1)), mode='reflect')
  const expected = [
    [10, 9, 10, 11, 12, 11],
    [6, 5, 6, 7, 8, 7],
    [2, 1, 2, 3, 4, 3],
    [6, 5, 6, 7, 8, 7],
    [10, 9, 10, 11, 12, 11],
    [6, 5, 6, 7, 8, 7],
    [2, 1, 2, 3, 4, 3],
  ];
  t.deepEqual(padded.squeeze().arraySync(), expected);
  t.deepEqual(layer.computeOutputShape([null, 3, 4, 1]), [null, 7, 6, 1]);
  // d sum(pad(a)) / d a[i][j] = how often a[i][j] appears: rows [2, 3, 2] x columns [1, 2, 2, 1].
  const g = tf.grad((x: tf.Tensor) => (layer.apply(x) as tf.Tensor).sum() as tf.Scalar)(a);
  t.deepEqual(g.squeeze().arraySync(), [[2, 4, 4, 2], [3, 6, 6, 3], [2, 4, 4, 2]]);
  t.throws(() => new ReflectionPadding2D({ padding: 3 }).apply(a), { message: /padding \[3, 3\] must be smaller than the image \[3, 4\]/ });
  t.throws(() => new ReflectionPadding2D({ padding: -1 }), { message: /padding must be a non-negative integer or \[rows, columns\], got -1/ });
  tf.dispose([a, padded, g]);
});

test.serial('SeededDropout: a new mask at every training call, the same masks under the same seed, identity in inference', (t) => {
  const build = (seed: number) => {
    const input = tf.input({ shape: [64] });
    return tf.model({ inputs: input, outputs: new SeededDropout({ rate: 0.5, seed }).apply(input) as tf.SymbolicTensor });
  };
  const x = tf.ones([4, 64]);
  const masks = (model: tf.LayersModel, calls: number) =>
    Array.from({ length: calls }, () => tf.tidy(() => Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync())));
  const [a1, a2, a3] = masks(build(3), 3);
  t.notDeepEqual(a1, a2, 'the second call draws another mask');
  t.notDeepEqual(a2, a3);
  t.deepEqual(masks(build(3), 3), [a1, a2, a3], 'a model with the same seed draws the same sequence');
  t.notDeepEqual(masks(build(4), 1)[0], a1, 'another seed, another mask');
  for (const mask of [a1, a2, a3]) {
    t.true(mask.every((v) => v === 0 || v === 2), 'kept values are scaled by 1 / (1 - rate) = 2');
    const dropped = mask.filter((v) => v === 0).length / mask.length;
    t.true(dropped > 0.35 && dropped < 0.65, `about half dropped, got ${dropped}`); // 256 values: sd 0.03
  }
  const inference = tf.tidy(() => Array.from((build(3).predict(x) as tf.Tensor).dataSync()));
  t.true(inference.every((v) => v === 1), 'training off: the identity');
  // What this layer replaces: tf.layers.dropout with a seed repeats one mask at every call.
  const input = tf.input({ shape: [64] });
  const tfjsDropout = tf.model({ inputs: input, outputs: tf.layers.dropout({ rate: 0.5, seed: 3 }).apply(input) as tf.SymbolicTensor });
  const [b1, b2] = masks(tfjsDropout, 2);
  t.deepEqual(b1, b2, 'tfjs 4.22: the seeded dropout layer draws the same mask twice');
  t.throws(() => new SeededDropout({ rate: 1 }), { message: /SeededDropout: rate must be in \[0, 1\), got 1/ });
  t.throws(() => new SeededDropout({ rate: 0.5, seed: 1.5 }), { message: /SeededDropout: seed must be an integer, got 1.5/ });
  x.dispose();
});

test.serial('blocks: output shapes of conv-norm-act, residual, U-Net down/up', (t) => {
  const input = tf.input({ shape: [32, 32, 3] });
  const down = models.unetDown(input, { filters: 8 });
  t.deepEqual(down.shape, [null, 16, 16, 8]);
  const down2 = models.unetDown(down, { filters: 16 });
  t.deepEqual(down2.shape, [null, 8, 8, 16]);
  const up = models.unetUp(down2, down, { filters: 8, dropout: 0.5 });
  t.deepEqual(up.shape, [null, 16, 16, 16], '8 upsampled + 8 skip channels');
  const reflect = models.convNormAct(input, { filters: 5, kernelSize: 7, strides: 1, padding: 'reflect' });
  t.deepEqual(reflect.shape, [null, 32, 32, 5]);
  const res = models.residualBlock(reflect);
  t.deepEqual(res.shape, [null, 32, 32, 5]);
  const deconv = models.convNormAct(down, { filters: 4, transposed: true, strides: 2, kernelSize: 3 });
  t.deepEqual(deconv.shape, [null, 32, 32, 4]);
  t.throws(() => models.unetUp(down2, input, { filters: 8 }), { message: /skip must be \[B, 16, 16, C\]/ });
  t.throws(() => models.convNormAct(input, { filters: 0 }), { message: /filters must be a positive integer, got 0/ });
});

test.serial('PatchGAN: receptive field follows r(n) = 9 * 2^n - 2 (7, 16, 34, 70) and output grid S / 2^n', (t) => {
  t.deepEqual([0, 1, 2, 3, 4].map((n) => models.receptiveField(models.patchGanLayers(n))), [7, 16, 34, 70, 142]);
  for (const n of [0, 1, 2, 3]) {
    const d = models.patchGanDiscriminator({ imageSize: 32, channels: 2, baseFilters: 4, nLayers: n });
    t.is(d.receptiveField, 9 * 2 ** n - 2);
    t.deepEqual(d.model.outputs[0].shape, [null, 32 / 2 ** n, 32 / 2 ** n, 1]);
    t.deepEqual(d.outputSize, [32 / 2 ** n, 32 / 2 ** n]);
    d.model.dispose();
  }
  // The first conv never has a norm: with nLayers = 0 that is the stride-1 feature conv.
  const norms = (n: number) => {
    const d = models.patchGanDiscriminator({ imageSize: 8, channels: 2, baseFilters: 4, nLayers: n });
    const count = d.model.layers.filter((l) => l.getClassName() === 'InstanceNormalization').length;
    d.model.dispose();
    return count;
  };
  t.deepEqual([0, 1, 2].map(norms), [0, 1, 2]);
  t.throws(() => models.patchGanDiscriminator({ imageSize: 28, nLayers: 3 }), { message: /imageSize must be divisible by 2\^nLayers = 8, got 28/ });
  t.throws(() => models.patchGanDiscriminator({ imageSize: 32, nLayers: -1 }), { message: /nLayers must be an integer >= 0, got -1/ });
});

test.serial('PatchGAN: one output score depends on exactly a receptiveField x receptiveField input patch', (t) => {
  // Without normalisation (instance norm couples every pixel) the input pixels that one score
  // depends on are those where its gradient is non-zero.
  for (const [n, size] of [[0, 24], [1, 48], [2, 64]]) {
    const d = models.patchGanDiscriminator({ imageSize: size, channels: 1, baseFilters: 4, nLayers: n, norm: 'none', seed: 5 });
    const c = size / 2 ** n / 2; // a central output cell
    const x = tf.randomNormal([1, size, size, 1], 0, 1, 'float32', 6);
    const g = tf.grad((input: tf.Tensor) => (d.model.apply(input) as tf.Tensor).slice([0, c, c, 0], [1, 1, 1, 1]).sum() as tf.Scalar)(x);
    const grad = g.squeeze().arraySync() as number[][];
    const rows = grad.map((row) => row.some((v) => v !== 0));
    const cols = grad[0].map((_, j) => grad.some((row) => row[j] !== 0));
    const extent = (flags: boolean[]) => flags.lastIndexOf(true) - flags.indexOf(true) + 1;
    t.is(extent(rows), d.receptiveField, `nLayers ${n}: rows`);
    t.is(extent(cols), d.receptiveField, `nLayers ${n}: columns`);
    t.true(rows.indexOf(true) > 0 && rows.lastIndexOf(true) < size - 1, 'the patch is not clipped by the border');
    tf.dispose([x, g]);
    d.model.dispose();
  }
});

test.serial('serialisation: every custom layer and a PatchGAN survive save + loadLayersModel', async (t) => {
  const input = tf.input({ shape: [6, 6, 2] });
  let x = new ReflectionPadding2D({ padding: [2, 1], name: 'pad' }).apply(input) as tf.SymbolicTensor;
  x = new InstanceNormalization({ affine: true, epsilon: 1e-3, name: 'norm' }).apply(x) as tf.SymbolicTensor;
  x = new SeededDropout({ rate: 0.25, seed: 11, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x });
  model.getLayer('norm').setWeights([tf.tensor1d([2, 3]), tf.tensor1d([-1, 1])]);
  const loaded = await roundTrip(model);
  t.true(loaded.getLayer('pad') instanceof ReflectionPadding2D);
  t.true(loaded.getLayer('norm') instanceof InstanceNormalization);
  t.deepEqual(loaded.getLayer('pad').getConfig().padding, [2, 1]);
  t.deepEqual(loaded.getLayer('norm').getConfig().epsilon, 1e-3);
  t.deepEqual(loaded.getLayer('norm').getConfig().affine, true);
  t.true(loaded.getLayer('dropout') instanceof SeededDropout);
  t.deepEqual([loaded.getLayer('dropout').getConfig().rate, loaded.getLayer('dropout').getConfig().seed], [0.25, 11]);
  const sample = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 7);
  const before = model.predict(sample) as tf.Tensor;
  const after = loaded.predict(sample) as tf.Tensor;
  t.deepEqual(after.shape, [2, 10, 8, 2]);
  t.true(relativeError(after, before) < 1e-6);

  const d = models.patchGanDiscriminator({ imageSize: 16, channels: 2, baseFilters: 4, nLayers: 2, seed: 1 });
  const dLoaded = await roundTrip(d.model);
  const image = tf.randomNormal([1, 16, 16, 2], 0, 1, 'float32', 8);
  const s1 = d.model.predict(image) as tf.Tensor;
  const s2 = dLoaded.predict(image) as tf.Tensor;
  t.true(relativeError(s2, s1) < 1e-6);
  tf.dispose([sample, before, after, image, s1, s2]);
  [model, loaded, d.model, dLoaded].forEach((m) => m.dispose());
});

test.serial('blocks: gradients reach every weight of a residual U-Net-like stack, without leaks', async (t) => {
  const input = tf.input({ shape: [8, 8, 1] });
  const down = models.unetDown(input, { filters: 4, seed: 1 });
  const res = models.residualBlock(down, { seed: 2 });
  const up = models.unetUp(res, input, { filters: 2, dropout: 0.5, seed: 3 });
  const out = models.convNormAct(up, { filters: 1, kernelSize: 1, strides: 1, norm: 'none', activation: 'tanh', seed: 4 });
  const model = tf.model({ inputs: input, outputs: out });
  const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 9);
  const loss = () => (model.apply(x, { training: true }) as tf.Tensor).square().mean() as tf.Scalar;
  tf.dispose(tf.variableGrads(loss).grads); // a first call may create lasting state (e.g. kernel caches)
  await assertNoLeak(t, () => {
    const { value, grads } = tf.variableGrads(loss);
    value.dispose();
    t.is(Object.keys(grads).length, model.trainableWeights.length);
    for (const [name, g] of Object.entries(grads)) t.true(tf.tidy(() => g.abs().sum().dataSync()[0]) > 0, `${name} gets a gradient`);
    tf.dispose(grads);
  }, 'a gradient step');
  x.dispose();
  model.dispose();
});
