import test from 'ava';
import { tf, initBackend, data, losses, models, train, metrics } from '../src/index';
import { assertNoLeak } from './helpers';

test.before(async () => {
  await initBackend({ verbose: false });
});

const close = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const value = (t: tf.Tensor) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

// ---- losses against hand-computed values ----

test.serial('klNormal: 0 for N(0, 1); hand-computed value for a batch of two', (t) => {
  t.is(value(losses.klNormal(tf.zeros([3, 4]), tf.zeros([3, 4]))), 0);
  // Example 1: mean (1, 2), sigma^2 (1, 2): 0.5 (1 + 1 - 1 - 0) + 0.5 (4 + 2 - 1 - ln 2) = 2.653426
  // Example 2: mean (0, 0), sigma^2 (0.5, 1): 0.5 (0.5 - 1 - ln 0.5) + 0 = 0.096574
  // Averaged over the batch: 1.375
  const mean = tf.tensor2d([[1, 2], [0, 0]]);
  const logVar = tf.tensor2d([[0, Math.log(2)], [Math.log(0.5), 0]]);
  const byHand = (0.5 * 1 + 0.5 * (5 - Math.log(2)) + 0.5 * (-0.5 - Math.log(0.5))) / 2;
  t.true(close(byHand, 1.375, 1e-12));
  t.true(close(value(losses.klNormal(mean, logVar)), 1.375), 'summed over latent dimensions, averaged over the batch');
  t.throws(() => losses.klNormal(mean, tf.zeros([2, 3])), { message: /klNormal: mean and logVar must have the same shape \[B, \.\.\.\], got \[2, 2\] and \[2, 3\]/ });
  tf.dispose([mean, logVar]);
});

test.serial('klNormal matches a Monte-Carlo estimate E_q[log q(z) - log p(z)] within 2%', (t) => {
  const cases: Array<[number[], number[]]> = [
    [[1, -0.5, 0.3], [0, -1, 0.5]],
    [[2, 0], [Math.log(0.25), Math.log(3)]],
    [[0.2], [-2]],
  ];
  for (const [mu, lv] of cases) {
    const closed = value(losses.klNormal(tf.tensor2d([mu]), tf.tensor2d([lv])));
    const samples = 400000;
    const monteCarlo = tf.tidy(() => {
      const mean = tf.tensor2d([mu]);
      const logVar = tf.tensor2d([lv]);
      const eps = tf.randomNormal([samples, mu.length], 0, 1, 'float32', 11);
      const z = mean.add(logVar.mul(0.5).exp().mul(eps)); // z ~ q
      // log q(z) - log p(z) per dimension = -0.5 (logVar + eps^2) + 0.5 z^2
      return logVar.add(eps.square()).mul(-0.5).add(z.square().mul(0.5)).sum(1).mean().dataSync()[0];
    });
    t.true(Math.abs(monteCarlo - closed) <= 0.02 * closed, `closed form ${closed} vs Monte Carlo ${monteCarlo}`);
  }
});

test.serial('bernoulliLogLikelihood: hand-computed values, -ln 2 per pixel at logit 0, stable at large logits', (t) => {
  // log sigmoid(0) + log(1 - sigmoid(2)) + log sigmoid(-1) for targets (1, 0, 1)
  const byHand = Math.log(0.5) + Math.log(1 - sigmoid(2)) + Math.log(sigmoid(-1));
  t.true(close(value(losses.bernoulliLogLikelihood(tf.tensor2d([[0, 2, -1]]), tf.tensor2d([[1, 0, 1]]))), byHand));
  t.true(close(value(losses.bernoulliLogLikelihood(tf.zeros([4, 28, 28, 1]), tf.ones([4, 28, 28, 1]))), -784 * Math.LN2, 1e-6));
  const extreme = value(losses.bernoulliLogLikelihood(tf.tensor2d([[100, -100, 100]]), tf.tensor2d([[1, 0, 0]])));
  t.true(close(extreme, -100, 1e-6), `log p with saturated logits: ${extreme}`);
});

test.serial('gaussianLogLikelihood: hand-computed value with fixed and per-pixel variances', (t) => {
  // N(1 | 0, 1) and N(0 | 0.5, e^(ln 4)): -0.5 (ln 2pi + 0 + 1) - 0.5 (ln 2pi + ln 4 + 0.25 / 4)
  const byHand = -0.5 * (Math.log(2 * Math.PI) + 1) - 0.5 * (Math.log(2 * Math.PI) + Math.log(4) + 0.0625);
  const v = value(losses.gaussianLogLikelihood(tf.tensor2d([[0, 0.5]]), tf.tensor2d([[1, 0]]), tf.tensor2d([[0, Math.log(4)]])));
  t.true(close(v, byHand), `${v} vs ${byHand}`);
  t.true(close(value(losses.gaussianLogLikelihood(tf.zeros([2, 3]), tf.zeros([2, 3]))), -1.5 * Math.log(2 * Math.PI)));
});

test.serial('elbo: total = beta * kl - reconstruction, with named parts; bad beta is refused', (t) => {
  const logits = tf.tensor2d([[0, 2, -1], [1, 1, 1]]);
  const targets = tf.tensor2d([[1, 0, 1], [0, 1, 1]]);
  const mean = tf.tensor2d([[1, 2], [0, 0]]);
  const logVar = tf.tensor2d([[0, Math.log(2)], [Math.log(0.5), 0]]);
  for (const beta of [1, 4]) {
    const parts = losses.elbo(logits, targets, mean, logVar, { beta });
    const [total, rec, kl] = [parts.total, parts.reconstruction, parts.kl].map(value);
    t.true(close(kl, 1.375));
    t.true(close(rec, value(losses.bernoulliLogLikelihood(logits, targets))));
    t.true(close(total, beta * kl - rec), `beta ${beta}`);
  }
  t.throws(() => losses.elbo(logits, targets, mean, logVar, { beta: -1 }), { message: /elbo: options\.beta must be a number >= 0, got -1/ });
  tf.dispose([logits, targets, mean, logVar]);
});

// ---- gradients against finite differences ----

function finiteDifference(f: (x: tf.Tensor) => tf.Scalar, x: number[][], eps = 1e-3): number[][] {
  return x.map((row, i) =>
    row.map((_, j) => {
      const plus = x.map((r) => [...r]);
      const minus = x.map((r) => [...r]);
      plus[i][j] += eps;
      minus[i][j] -= eps;
      return tf.tidy(() => (f(tf.tensor2d(plus)).dataSync()[0] - f(tf.tensor2d(minus)).dataSync()[0]) / (2 * eps));
    }),
  );
}

function checkGradient(t: import('ava').ExecutionContext, name: string, f: (x: tf.Tensor) => tf.Scalar, x: number[][]): void {
  const analytic = tf.tidy(() => tf.grad(f)(tf.tensor2d(x)).arraySync() as number[][]);
  const numeric = finiteDifference(f, x);
  analytic.forEach((row, i) =>
    row.forEach((g, j) => t.true(Math.abs(g - numeric[i][j]) <= 2e-3 * Math.max(1, Math.abs(g)), `${name} d/dx[${i},${j}]: ${g} vs ${numeric[i][j]}`)),
  );
}

test.serial('gradients of klNormal, bernoulliLogLikelihood and gaussianLogLikelihood match finite differences', (t) => {
  const mean = tf.tensor2d([[0.3, -1.2], [0.8, 0.1]]);
  const logVar = tf.tensor2d([[0.2, -0.7], [-1.5, 0.4]]);
  const targets = tf.tensor2d([[1, 0], [0.3, 1]]);
  checkGradient(t, 'klNormal wrt mean', (m) => losses.klNormal(m, logVar), [[0.3, -1.2], [0.8, 0.1]]);
  checkGradient(t, 'klNormal wrt logVar', (lv) => losses.klNormal(mean, lv), [[0.2, -0.7], [-1.5, 0.4]]);
  checkGradient(t, 'bernoulli wrt logits', (l) => losses.bernoulliLogLikelihood(l, targets), [[0.5, -2], [3, 0.1]]);
  checkGradient(t, 'gaussian wrt mean', (m) => losses.gaussianLogLikelihood(m, targets, 0.5), [[0.5, -2], [3, 0.1]]);
  // And against the formulas: dKL/dmean = mean / B, dKL/dlogVar = 0.5 (exp(logVar) - 1) / B.
  const g = tf.grads((m: tf.Tensor, lv: tf.Tensor) => losses.klNormal(m, lv))([mean, logVar]);
  t.true(close((g[0].arraySync() as number[][])[0][1], -1.2 / 2));
  t.true(close((g[1].arraySync() as number[][])[1][0], (0.5 * (Math.exp(-1.5) - 1)) / 2));
  tf.dispose([mean, logVar, targets, ...g]);
});

test.serial('reparameterize: z = mean + exp(logVar / 2) * eps, differentiable in mean and logVar', (t) => {
  const mean = tf.tensor2d([[1, -1]]);
  const logVar = tf.tensor2d([[0, Math.log(4)]]);
  const z = models.reparameterize(mean, logVar, 3);
  const eps = tf.randomNormal([1, 2], 0, 1, 'float32', 3).dataSync();
  const zs = z.dataSync();
  t.true(close(zs[0], 1 + eps[0]) && close(zs[1], -1 + 2 * eps[1]), `${zs} vs eps ${eps}`);
  const [dMean, dLogVar] = tf.grads((m: tf.Tensor, lv: tf.Tensor) => models.reparameterize(m, lv, 3).sum() as tf.Scalar)([mean, logVar]);
  t.deepEqual(Array.from(dMean.dataSync()), [1, 1]);
  t.true(close(dLogVar.dataSync()[1], 0.5 * 2 * eps[1]), 'dz/dlogVar = 0.5 sigma eps');
  tf.dispose([mean, logVar, z, dMean, dLogVar]);
});

// ---- models ----

test.serial('buildVae: shapes of encoder, decoder, samples and reconstructions; no leaks', async (t) => {
  const vae = models.buildVae({ latentSize: 16 });
  const images = tf.randomUniform([5, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  await assertNoLeak(t, () => {
    const { mean, logVar } = models.encode(vae, images);
    t.deepEqual(mean.shape, [5, 16]);
    t.deepEqual(logVar.shape, [5, 16]);
    const logits = models.decodeLogits(vae, mean);
    t.deepEqual(logits.shape, [5, 28, 28, 1]);
    const samples = models.sampleVae(vae, 7, { seed: 1 });
    t.deepEqual(samples.shape, [7, 28, 28, 1]);
    const values = samples.dataSync();
    t.true(values.every((v) => v >= 0 && v <= 1));
    const again = models.sampleVae(vae, 7, { seed: 1 });
    t.deepEqual(Array.from(again.dataSync()), Array.from(samples.dataSync()), 'seeded samples');
    const reconstructed = models.reconstruct(vae, images);
    t.deepEqual(reconstructed.shape, [5, 28, 28, 1]);
    tf.dispose([mean, logVar, logits, samples, again, reconstructed]);
  }, 'encode/decode');
  t.is(vae.options.beta, 1);
  t.is(vae.options.hiddenUnits, 512);
  t.throws(() => models.decode(vae, tf.zeros([2, 3])), { message: /decode: z must be \[B, 16\], got \[2, 3\]/ });
  t.throws(() => models.encode(vae, images, [1, 2, 3, 4, 5]), { message: /labels were given, but this VAE is unconditional/ });
  t.throws(() => models.buildVae({ latentSize: 0 }), { message: /options\.latentSize must be a positive integer, got 0/ });
  models.disposeVae(vae);
  images.dispose();
});

test.serial('conditional VAE: encoder and decoder take the label; the label changes the decoded image', (t) => {
  const cvae = models.buildVae({ latentSize: 2, numClasses: 10 });
  t.is(cvae.encoder.inputs.length, 2);
  t.is(cvae.decoder.inputs.length, 2);
  const images = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 2);
  const { mean, logVar } = models.encode(cvae, images, [0, 1, 2]);
  t.deepEqual(mean.shape, [3, 2]);
  const z = tf.zeros([2, 2]);
  const two = models.decode(cvae, z, [3, 7]);
  const diff = tf.tidy(() => two.slice(0, 1).sub(two.slice(1, 1)).abs().max().dataSync()[0]);
  t.true(diff > 0, 'same z, different labels, different images');
  t.throws(() => models.decode(cvae, z), { message: /decode: this conditional VAE needs labels \(one class 0-9 per image\)/ });
  t.throws(() => models.decode(cvae, z, [1]), { message: /decode: labels must be 2 class indices, got 1/ });
  tf.dispose([images, mean, logVar, z, two]);
  models.disposeVae(cvae);
});

// ---- training ----

test.serial('createVaeTrainer: the loss falls, history has the ELBO parts, no leaks from step 10 to 100', async (t) => {
  const mnist = await data.loadMnist({ trainLimit: 500 });
  const vae = models.buildVae({ latentSize: 8, hiddenUnits: 64 });
  const trainer = train.createVaeTrainer({ vae, images: mnist.train.images, batchSize: 50, seed: 3 });
  await trainer.run({ steps: 10, progress: false });
  const atTen = tf.memory().numTensors;
  await trainer.run({ steps: 90, progress: false });
  t.is(tf.memory().numTensors, atTen, 'tensors after step 100 = after step 10');
  const h = trainer.history;
  t.is(h.length, 100);
  t.true(['vaeLoss', 'reconstruction', 'kl'].every((k) => Number.isFinite(h[99][k])));
  t.true(close(h[99].vaeLoss, h[99].kl - h[99].reconstruction, 1e-4), 'loss = kl - reconstruction at beta 1');
  const mean = (rows: typeof h) => rows.reduce((s, r) => s + r.vaeLoss, 0) / rows.length;
  t.true(mean(h.slice(90)) < mean(h.slice(0, 10)) - 100, `loss ${mean(h.slice(0, 10))} -> ${mean(h.slice(90))}`);
  // The test-set ELBO is a plain number; evaluating leaks nothing and is seeded.
  const testImages = mnist.test.images.slice(0, 300);
  await assertNoLeak(t, () => {
    const a = metrics.evaluateElbo(vae, testImages);
    t.true(a.elbo < 0 && close(a.elbo, a.reconstruction - a.kl, 1e-9));
    t.is(a.count, 300);
  }, 'evaluateElbo');
  testImages.dispose();
  trainer.dispose();
  models.disposeVae(vae);
  data.disposeDataset(mnist);
});

test.serial('createVaeTrainer: the same seed gives the same first 5 losses', async (t) => {
  const mnist = await data.loadMnist({ trainLimit: 200 });
  const run = async (seed: number) => {
    const vae = models.buildVae({ latentSize: 4, hiddenUnits: 32, seed: 1 });
    const trainer = train.createVaeTrainer({ vae, images: mnist.train.images, batchSize: 20, seed });
    await trainer.run({ steps: 5, progress: false });
    trainer.dispose();
    models.disposeVae(vae);
    return trainer.history.map((r) => r.vaeLoss);
  };
  const first = await run(7);
  t.deepEqual(await run(7), first);
  t.notDeepEqual(await run(8), first);
  t.throws(() => train.createVaeTrainer({ vae: models.buildVae({ numClasses: 10 }), images: mnist.train.images }), {
    message: /options\.labels \(int32 \[N\]\) are required to train a conditional VAE/,
  });
  data.disposeDataset(mnist);
});

test.serial('a VAE trainer checkpoint restores both networks exactly and training continues identically', async (t) => {
  const fs = await import('fs');
  const os = await import('os');
  const path = await import('path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genlab-vae-'));
  const mnist = await data.loadMnist({ trainLimit: 200 });
  const make = () => {
    const vae = models.buildVae({ latentSize: 4, hiddenUnits: 32, seed: 1 });
    return { vae, trainer: train.createVaeTrainer({ vae, images: mnist.train.images, batchSize: 20, seed: 5 }) };
  };
  try {
    const a = make();
    await a.trainer.run({ steps: 3, progress: false });
    await a.trainer.saveCheckpoint(dir);
    await a.trainer.run({ steps: 2, progress: false });
    const b = make(); // fresh weights, then the checkpoint
    await b.trainer.loadCheckpoint(dir);
    t.is(b.trainer.step, 3);
    await b.trainer.run({ steps: 2, progress: false });
    t.deepEqual(b.trainer.history.map((r) => r.vaeLoss), a.trainer.history.map((r) => r.vaeLoss), 'steps 4-5 repeat exactly');
    const z = tf.randomNormal([3, 4], 0, 1, 'float32', 1);
    const [ia, ib] = [models.decode(a.vae, z), models.decode(b.vae, z)];
    t.deepEqual(Array.from(ib.dataSync()), Array.from(ia.dataSync()));
    tf.dispose([z, ia, ib]);
    for (const { vae, trainer } of [a, b]) {
      trainer.dispose();
      models.disposeVae(vae);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    data.disposeDataset(mnist);
  }
});
