import test from 'ava';
import { tf, initBackend, losses, models, train } from '../src/index';
import { assertNoLeak } from './helpers';

test.before(async () => {
  await initBackend({ verbose: false });
});

const value = (x: tf.Tensor) => x.dataSync()[0];

/** Central finite difference of a scalar function of a plain array, per element. */
function finiteDifference(f: (values: number[]) => number, at: number[], h = 1e-3): number[] {
  return at.map((_, i) => {
    const plus = at.slice();
    const minus = at.slice();
    plus[i] += h;
    minus[i] -= h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}

/** Largest singular value by power iteration on W^T W, in plain JavaScript (no tfjs). */
function largestSingularValue(matrix: number[][], iterations = 2000): number {
  const cols = matrix[0].length;
  let v = Array.from({ length: cols }, (_, i) => 1 + i / cols);
  let sigma = 0;
  for (let it = 0; it < iterations; it++) {
    const wv = matrix.map((row) => row.reduce((s, x, j) => s + x * v[j], 0));
    const wtwv = v.map((_, j) => matrix.reduce((s, row, i) => s + row[j] * wv[i], 0));
    const norm = Math.hypot(...wtwv);
    v = wtwv.map((x) => x / norm);
    sigma = Math.sqrt(norm);
  }
  return sigma;
}

function asMatrix(kernel: tf.Tensor): number[][] {
  const out = kernel.shape[kernel.rank - 1];
  return kernel.reshape([-1, out]).arraySync() as number[][];
}

test.serial('LSGAN losses at hand-checked points', async (t) => {
  await assertNoLeak(t, () => {
    const real = tf.tensor1d([1, 0]);
    const fake = tf.tensor1d([0, 1]);
    const d = losses.lsganDiscriminatorLoss(real, fake);
    // real: 1/2 * mean((1-1)^2, (0-1)^2) = 0.25; fake: 1/2 * mean(0^2, 1^2) = 0.25
    t.is(value(d.real), 0.25);
    t.is(value(d.fake), 0.25);
    t.is(value(d.total), 0.5);
    const generated = tf.tensor1d([3, -1]);
    const g = losses.lsganGeneratorLoss(generated);
    // 1/2 * mean((3-1)^2, (-1-1)^2) = 1/2 * 4 = 2
    t.is(value(g), 2);
    const shifted = losses.lsganDiscriminatorLoss(real, fake, { realTarget: 1, fakeTarget: -1 });
    // fake: 1/2 * mean((0+1)^2, (1+1)^2) = 1.25
    t.is(value(shifted.fake), 1.25);
    tf.dispose([real, fake, generated, d.total, d.real, d.fake, g, shifted.total, shifted.real, shifted.fake]);
  }, 'LSGAN');
});

test.serial('hinge and Wasserstein losses at hand-checked points', async (t) => {
  await assertNoLeak(t, () => {
    const real = tf.tensor1d([2, 0.5, -1]);
    const fake = tf.tensor1d([-2, 0, 1]);
    const d = losses.hingeDiscriminatorLoss(real, fake);
    // real: mean(max(0, 1-2), max(0, 0.5), max(0, 2)) = 2.5 / 3; fake: mean(0, 1, 2) = 1
    t.true(Math.abs(value(d.real) - 2.5 / 3) < 1e-6);
    t.is(value(d.fake), 1);
    const g = losses.hingeGeneratorLoss(fake);
    t.true(Math.abs(value(g) - 1 / 3) < 1e-6);
    const w = losses.wassersteinCriticLoss(real, fake);
    // E[D(fake)] - E[D(real)] = -1/3 - 1.5/3 = -5/6
    t.true(Math.abs(value(w.total) - -5 / 6) < 1e-6);
    const wg = losses.wassersteinGeneratorLoss(fake);
    t.true(Math.abs(value(wg) - 1 / 3) < 1e-6);
    tf.dispose([real, fake, d.total, d.real, d.fake, g, w.total, w.real, w.fake, wg]);
  }, 'hinge/Wasserstein');
});

test('losses name the argument on bad input', (t) => {
  const error = t.throws(() => losses.lsganGeneratorLoss(tf.tensor1d([])));
  t.regex(error!.message, /lsganGeneratorLoss: fakeOutputs must not be empty, got shape \[0\]/);
  const a = tf.zeros([2, 3]);
  const b = tf.zeros([3, 3]);
  t.throws(() => losses.gradientPenalty((x) => x.sum(1), a, b), { message: /realImages and fakeImages must have the same shape, got \[2,3\] and \[3,3\]/ });
  tf.dispose([a, b]);
});

test.serial('loss gradients match finite differences', (t) => {
  const real = [0.3, -0.7, 1.4];
  const fake = [-0.2, 0.6, -1.5];
  const cases: Array<[string, (r: tf.Tensor, f: tf.Tensor) => tf.Scalar]> = [
    ['lsgan D', (r, f) => losses.lsganDiscriminatorLoss(r, f).total],
    ['lsgan G', (_, f) => losses.lsganGeneratorLoss(f)],
    ['hinge D', (r, f) => losses.hingeDiscriminatorLoss(r, f).total],
    ['hinge G', (_, f) => losses.hingeGeneratorLoss(f)],
    ['wasserstein D', (r, f) => losses.wassersteinCriticLoss(r, f).total],
  ];
  for (const [name, loss] of cases) {
    // The generator losses do not depend on D(x): their gradient there is zero.
    const [gradReal, gradFake] = tf.grads((r: tf.Tensor, f: tf.Tensor) => loss(r, f).add(r.sum().mul(0)))([tf.tensor1d(real), tf.tensor1d(fake)]);
    const numericReal = finiteDifference((v) => tf.tidy(() => value(loss(tf.tensor1d(v), tf.tensor1d(fake)))), real);
    const numericFake = finiteDifference((v) => tf.tidy(() => value(loss(tf.tensor1d(real), tf.tensor1d(v)))), fake);
    Array.from(gradReal.dataSync()).forEach((g, i) => t.true(Math.abs(g - numericReal[i]) < 1e-3, `${name} d/dreal[${i}]: ${g} vs ${numericReal[i]}`));
    Array.from(gradFake.dataSync()).forEach((g, i) => t.true(Math.abs(g - numericFake[i]) < 1e-3, `${name} d/dfake[${i}]: ${g} vs ${numericFake[i]}`));
    tf.dispose([gradReal, gradFake]);
  }
});

test.serial('gradient penalty is zero for a 1-Lipschitz linear critic with a unit-norm weight, positive otherwise', async (t) => {
  const realImages = tf.randomNormal([6, 4, 4, 1], 0, 1, 'float32', 1);
  const fakeImages = tf.randomNormal([6, 4, 4, 1], 0, 1, 'float32', 2);
  const direction = tf.randomNormal([16, 1], 0, 1, 'float32', 3);
  const unit = tf.tidy(() => direction.div(direction.norm()));
  const linearCritic = (w: tf.Tensor) => (x: tf.Tensor) => x.reshape([-1, 16]).matMul(w);
  await assertNoLeak(t, () => {
    const zero = losses.gradientPenalty(linearCritic(unit), realImages, fakeImages, { seed: 4 });
    t.true(value(zero) < 1e-6, `penalty ${value(zero)}`);
    // |grad| = 2 everywhere: lambda * (2 - 1)^2 = 10
    const doubled = tf.tidy(() => unit.mul(2));
    const ten = losses.gradientPenalty(linearCritic(doubled), realImages, fakeImages, { seed: 4 });
    t.true(Math.abs(value(ten) - 10) < 1e-4, `penalty ${value(ten)}`);
    // A non-linear critic has gradient norms that vary between interpolates: positive penalty.
    const curved = losses.gradientPenalty((x) => linearCritic(unit)(x).square(), realImages, fakeImages, { seed: 4 });
    t.true(value(curved) > 1e-3, `penalty ${value(curved)}`);
    tf.dispose([zero, doubled, ten, curved]);
  }, 'gradientPenalty');
  tf.dispose([realImages, fakeImages, direction, unit]);
});

test.serial('gradient of the gradient penalty with respect to a linear critic matches 2 lambda (|w| - 1) w / |w|', async (t) => {
  const realImages = tf.randomNormal([5, 3], 0, 1, 'float32', 5);
  const fakeImages = tf.randomNormal([5, 3], 0, 1, 'float32', 6);
  const w = tf.variable(tf.tensor2d([[0.5], [1.0], [-2.0]]), true, 'gp-linear-w');
  await assertNoLeak(t, () => {
    const { value: penalty, grads } = tf.variableGrads(
      () => losses.gradientPenalty((x) => x.matMul(w), realImages, fakeImages, { seed: 7 }),
      [w],
    );
    const weights = [0.5, 1.0, -2.0];
    const norm = Math.hypot(...weights);
    t.true(Math.abs(value(penalty) - 10 * (norm - 1) ** 2) < 1e-3);
    const expected = weights.map((x) => (2 * 10 * (norm - 1) * x) / norm);
    Array.from(grads[w.name].dataSync()).forEach((g, i) => t.true(Math.abs(g - expected[i]) < 1e-3, `dGP/dw[${i}]: ${g} vs ${expected[i]}`));
    tf.dispose([penalty, grads[w.name]]);
  }, 'double gradient');
  w.dispose();
});

test.serial("WGAN-GP critic loss (the loss table's entry) through a small conv critic: weight gradients match finite differences", async (t) => {
  const realImages = tf.randomNormal([3, 6, 6, 1], 0, 1, 'float32', 8);
  const fakeImages = tf.randomNormal([3, 6, 6, 1], 0, 1, 'float32', 9);
  const epsilon = tf.tensor1d([0.2, 0.5, 0.9]);
  const filter = tf.variable(tf.randomNormal([3, 3, 1, 2], 0, 0.5, 'float32', 10), true, 'gp-conv-filter');
  const dense = tf.variable(tf.randomNormal([18, 1], 0, 0.5, 'float32', 11), true, 'gp-conv-dense');
  const criticWith = (f: tf.Tensor4D, d: tf.Tensor2D) => (x: tf.Tensor) =>
    tf.leakyRelu(tf.conv2d(x as tf.Tensor4D, f, 2, 'same'), 0.2).reshape([-1, 18]).matMul(d); // [B, 1]
  // What the GAN trainer computes for loss 'wgan-gp': the entry's loss, with the penalty on these interpolates.
  const lossWith = (f: tf.Tensor4D, d: tf.Tensor2D) => {
    const critic = criticWith(f, d);
    return losses.ADVERSARIAL_LOSSES['wgan-gp'].discriminatorLoss({
      realOutputs: critic(realImages), fakeOutputs: critic(fakeImages), labelSmoothing: 0,
      gradientPenalty: () => losses.gradientPenalty(critic, realImages, fakeImages, { epsilon }),
    });
  };
  await assertNoLeak(t, () => {
    const { grads, value: total } = tf.variableGrads(() => lossWith(filter as unknown as tf.Tensor4D, dense as unknown as tf.Tensor2D).total, [filter, dense]);
    const filterValues = Array.from(filter.dataSync());
    const denseValues = Array.from(dense.dataSync());
    const lossAt = (fv: number[], dv: number[]) =>
      tf.tidy(() => value(lossWith(tf.tensor4d(fv, [3, 3, 1, 2]), tf.tensor2d(dv, [18, 1])).total));
    const numericFilter = finiteDifference((v) => lossAt(v, denseValues), filterValues);
    const numericDense = finiteDifference((v) => lossAt(filterValues, v), denseValues);
    const check = (analytic: tf.Tensor, numeric: number[], name: string) =>
      Array.from(analytic.dataSync()).forEach((g, i) => t.true(Math.abs(g - numeric[i]) < 2e-2 * Math.max(1, Math.abs(numeric[i])), `${name}[${i}]: ${g} vs ${numeric[i]}`));
    check(grads[filter.name], numericFilter, 'd/dfilter');
    check(grads[dense.name], numericDense, 'd/ddense');
    const [whole, wasserstein, penalty] = tf.tidy(() => {
      const critic = criticWith(filter as unknown as tf.Tensor4D, dense as unknown as tf.Tensor2D);
      const parts = lossWith(filter as unknown as tf.Tensor4D, dense as unknown as tf.Tensor2D);
      return [value(parts.total), value(losses.wassersteinCriticLoss(critic(realImages), critic(fakeImages)).total), value(parts.penalty)];
    });
    t.true(penalty > 0 && Math.abs(whole - wasserstein - penalty) < 1e-5, 'total = Wasserstein loss + penalty');
    tf.dispose([total, grads[filter.name], grads[dense.name]]);
  }, 'WGAN-GP double gradient');
  tf.dispose([realImages, fakeImages, epsilon, filter, dense]);
});

test.serial('spectral normalisation of a known matrix: sigma = 3, normalised sigma = 1', (t) => {
  // Singular values of diag(3, 2, 0.5) times a rotation are 3, 2, 0.5.
  const c = Math.cos(0.7);
  const s = Math.sin(0.7);
  const kernel = tf.tensor2d([[3 * c, -3 * s, 0], [2 * s, 2 * c, 0], [0, 0, 0.5]]);
  let u = tf.tensor2d([[1, 1, 1]]);
  for (let i = 0; i < 50; i++) {
    const step = models.spectralNormalise(kernel, u);
    tf.dispose([u, step.kernel, step.sigma]);
    u = step.u;
  }
  const final = models.spectralNormalise(kernel, u);
  t.true(Math.abs(value(final.sigma) - 3) < 1e-3, `sigma ${value(final.sigma)}`);
  t.true(Math.abs(largestSingularValue(asMatrix(final.kernel)) - 1) < 1e-3);
  tf.dispose([kernel, u, final.kernel, final.sigma, final.u]);
});

test.serial('SpectralNormDense brings a random matrix to largest singular value 1, one power step per training call', async (t) => {
  const layer = new models.SpectralNormDense({ units: 12, stddev: 1, seed: 12 });
  const x = tf.randomNormal([4, 20], 0, 1, 'float32', 13);
  layer.apply(x); // builds the weights
  const raw = asMatrix(layer.getWeights()[0]);
  const trueSigma = largestSingularValue(raw);
  t.true(trueSigma > 3, `a N(0, 1) 20x12 matrix has sigma well above 1, got ${trueSigma}`);
  const uBefore = layer.getWeights()[2].dataSync().slice();
  await assertNoLeak(t, () => tf.dispose(layer.apply(x, { training: false }) as tf.Tensor), 'inference call');
  t.deepEqual(layer.getWeights()[2].dataSync(), uBefore, 'u must not move in inference');
  await assertNoLeak(t, () => {
    for (let i = 0; i < 30; i++) tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
  }, '30 training calls');
  t.notDeepEqual(layer.getWeights()[2].dataSync(), uBefore, 'u must advance in training');
  t.true(Math.abs(layer.sigma() - trueSigma) / trueSigma < 1e-2, `estimate ${layer.sigma()} vs ${trueSigma}`);
  const normalised = layer.normalisedKernel();
  t.true(Math.abs(largestSingularValue(asMatrix(normalised)) - 1) < 1e-2);
  // The output is x W_SN + b with b = 0.
  const y = layer.apply(x) as tf.Tensor;
  const expected = x.matMul(normalised as tf.Tensor2D);
  t.true(tf.abs(y.sub(expected)).max().dataSync()[0] < 1e-5);
  tf.dispose([x, normalised, y, expected]);
  layer.dispose();
});

test.serial('SpectralNormConv2D: output shape, normalised kernel and gradient flow', (t) => {
  const layer = new models.SpectralNormConv2D({ filters: 5, kernelSize: 4, strides: 2, padding: 'same', stddev: 1, seed: 14 });
  const x = tf.randomNormal([2, 28, 28, 3], 0, 1, 'float32', 15);
  const y = layer.apply(x, { training: true }) as tf.Tensor;
  t.deepEqual(y.shape, [2, 14, 14, 5]);
  t.deepEqual(layer.computeOutputShape([null, 28, 28, 3]), [null, 14, 14, 5]);
  const valid = new models.SpectralNormConv2D({ filters: 1, kernelSize: 7, padding: 'valid' });
  t.deepEqual(valid.computeOutputShape([null, 7, 7, 8]), [null, 1, 1, 1]);
  for (let i = 0; i < 30; i++) tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
  const normalised = layer.normalisedKernel();
  t.true(Math.abs(largestSingularValue(asMatrix(normalised)) - 1) < 1e-2);
  // Gradients reach the kernel through W / sigma(W).
  const { grads, value: loss } = tf.variableGrads(() => (layer.apply(x, { training: true }) as tf.Tensor).square().mean() as tf.Scalar);
  t.is(Object.keys(grads).length, 2, 'kernel and bias get gradients; u does not');
  t.true(Object.values(grads).every((g) => g.abs().max().dataSync()[0] > 0));
  tf.dispose([x, y, normalised, loss, ...Object.values(grads)]);
  layer.dispose();
});

test.serial('spectrally normalised layers save and load with their power-iteration vector', async (t) => {
  const model = tf.sequential({
    layers: [
      new models.SpectralNormConv2D({ filters: 4, kernelSize: 3, strides: 2, inputShape: [8, 8, 1], seed: 16 }),
      tf.layers.flatten(),
      new models.SpectralNormDense({ units: 1, seed: 17 }),
    ],
  });
  const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 18);
  for (let i = 0; i < 3; i++) tf.dispose(model.apply(x, { training: true }) as tf.Tensor);
  let saved!: tf.io.ModelArtifacts;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
  const a = model.predict(x) as tf.Tensor;
  const b = loaded.predict(x) as tf.Tensor;
  t.true(tf.abs(a.sub(b)).max().dataSync()[0] < 1e-6);
  t.is(loaded.layers[0].getClassName(), 'SpectralNormConv2D');
  t.deepEqual(loaded.layers[0].getWeights()[2].dataSync(), model.layers[0].getWeights()[2].dataSync());
  tf.dispose([x, a, b]);
  model.dispose();
  loaded.dispose();
});

test.serial('EMA: decay * old + (1 - decay) * new for trainable weights, copy for batch-norm statistics', async (t) => {
  const build = () =>
    tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2] }), tf.layers.batchNormalization()] });
  const live = build();
  const averaged = build();
  train.copyWeights(averaged, live);
  t.deepEqual(averaged.getWeights()[0].dataSync(), live.getWeights()[0].dataSync());
  const before = averaged.getWeights().map((w) => Array.from(w.dataSync()));
  // Move every live weight by +1.
  tf.tidy(() => live.weights.forEach((w) => w.write(w.read().add(1))));
  await assertNoLeak(t, () => train.updateEma(averaged, live, { decay: 0.9 }), 'updateEma');
  averaged.weights.forEach((weight, i) => {
    const got = Array.from(weight.read().dataSync());
    // trainable: 0.9 * old + 0.1 * (old + 1) = old + 0.1; non-trainable (moving stats): old + 1
    const shift = weight.trainable ? 0.1 : 1;
    got.forEach((g, j) => t.true(Math.abs(g - (before[i][j] + shift)) < 1e-5, `${weight.name}[${j}]`));
  });
  for (let i = 0; i < 200; i++) train.updateEma(averaged, live, { decay: 0.9 });
  const gap = tf.tidy(() => tf.abs(averaged.getWeights()[0].sub(live.getWeights()[0])).max().dataSync()[0]);
  t.true(gap < 1e-5, `after 200 updates the average reaches a fixed model, gap ${gap}`);
  t.throws(() => train.updateEma(averaged, live, { decay: 1.5 }), { message: /options.decay must be in \[0, 1\], got 1.5/ });
  const other = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [2] })] });
  t.throws(() => train.copyWeights(other, live), { message: /target has 2 weights, source has 6/ });
  live.dispose();
  averaged.dispose();
  other.dispose();
});
