import test from 'ava';
import { tf, initBackend, models, losses, train, data } from '../src/index';

test.before(async () => {
  await initBackend({ verbose: false });
});

const close = (a: number, b: number, tolerance = 1e-5) => Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b));

test.serial('pix2pix: U-Net and conditional PatchGAN shapes at 32 and 64 pixels', (t) => {
  const p = models.createPix2Pix({ imageSize: 32, generatorFilters: 4, discriminatorFilters: 4 });
  t.deepEqual(p.generator.inputs[0].shape, [null, 32, 32, 1]);
  t.deepEqual(p.generator.outputs[0].shape, [null, 32, 32, 1]);
  t.deepEqual(p.discriminator.inputs[0].shape, [null, 32, 32, 2], 'D sees input and output side by side');
  t.deepEqual(p.discriminator.outputs[0].shape, [null, 16, 16, 1]);
  t.is(p.receptiveField, 16);
  // Five encoder steps down to 1 x 1, four decoder steps with skips, one output step.
  t.deepEqual(p.generator.getLayer('down5_conv').outputShape, [null, 1, 1, 32]);
  t.deepEqual(p.generator.getLayer('up4_skip').outputShape, [null, 16, 16, 8]);
  t.is(p.generator.layers.filter((l) => l.getClassName() === 'SeededDropout').length, 3);
  const x = tf.randomUniform([2, 32, 32, 1], -1, 1, 'float32', 1);
  const y = p.generator.predict(x) as tf.Tensor;
  t.true(y.abs().max().dataSync()[0] <= 1, 'tanh output');
  const scores = p.discriminator.predict(models.pairForDiscriminator(x as tf.Tensor4D, y as tf.Tensor4D)) as tf.Tensor;
  t.deepEqual(scores.shape, [2, 16, 16, 1]);
  // Dropout draws a new mask at every training pass (noise), none at inference (deterministic).
  const pass = (training: boolean) => p.generator.apply(x, { training }) as tf.Tensor;
  const [train1, train2, infer1, infer2] = [pass(true), pass(true), pass(false), pass(false)];
  t.true(train1.sub(train2).abs().max().dataSync()[0] > 1e-3, 'two training passes differ: new dropout masks');
  t.is(infer1.sub(infer2).abs().max().dataSync()[0], 0, 'inference is deterministic');
  tf.dispose([train1, train2, infer1, infer2]);
  const big = models.createPix2Pix({ imageSize: 64, inputChannels: 3, outputChannels: 3, generatorFilters: 4, discriminatorFilters: 4, discriminatorLayers: 2 });
  t.deepEqual(big.generator.outputs[0].shape, [null, 64, 64, 3]);
  t.deepEqual(big.discriminator.outputs[0].shape, [null, 16, 16, 1]);
  t.is(big.receptiveField, 34);
  t.throws(() => models.unetGenerator({ imageSize: 28 }), { message: /imageSize must be a power of two >= 8, got 28/ });
  // Without skips: the same encoder and decoder, no concatenations, so narrower decoder inputs.
  const plain = models.unetGenerator({ imageSize: 32, generatorFilters: 4, skipConnections: false });
  t.is(plain.layers.filter((l) => l.getClassName() === 'Concatenate').length, 0);
  t.is(p.generator.layers.filter((l) => l.getClassName() === 'Concatenate').length, 4);
  t.true(plain.countParams() < p.generator.countParams());
  t.deepEqual(plain.outputs[0].shape, [null, 32, 32, 1]);
  plain.dispose();
  tf.dispose([x, y, scores]);
  [p.generator, p.discriminator, big.generator, big.discriminator].forEach((m) => m.dispose());
});

test.serial('cyclegan: four networks, ResNet generator and PatchGAN shapes', (t) => {
  const c = models.createCycleGan({ imageSize: 28, generatorFilters: 4, residualBlocks: 2, discriminatorFilters: 4 });
  for (const g of [c.generatorAB, c.generatorBA]) {
    t.deepEqual(g.inputs[0].shape, [null, 28, 28, 3]);
    t.deepEqual(g.outputs[0].shape, [null, 28, 28, 3]);
  }
  for (const d of [c.discriminatorA, c.discriminatorB]) t.deepEqual(d.outputs[0].shape, [null, 14, 14, 1]);
  t.is(c.receptiveField, 16);
  t.is(c.generatorAB.layers.filter((l) => l.getClassName() === 'Add').length, 2, 'two residual blocks');
  t.is(c.generatorAB.layers.filter((l) => l.getClassName() === 'ReflectionPadding2D').length, 2 + 2 * 2);
  [c.generatorAB, c.generatorBA, c.discriminatorA, c.discriminatorB].forEach((m) => m.dispose());
});

test.serial('pix2pix losses: weights applied as documented, against hand-computed values', (t) => {
  // D's logits 0 everywhere: -log sigmoid(0) = ln 2.
  const logits = tf.zeros([2, 4, 4, 1]);
  const output = tf.fill([2, 8, 8, 1], 0.5);
  const target = tf.fill([2, 8, 8, 1], 0.25);
  const g = losses.pix2pixGeneratorLoss(logits, output, target);
  t.true(close(g.adversarial.dataSync()[0], Math.LN2));
  t.true(close(g.l1.dataSync()[0], 0.25));
  t.true(close(g.total.dataSync()[0], Math.LN2 + 100 * 0.25), 'total = adversarial + 100 * L1');
  const l1Only = losses.pix2pixGeneratorLoss(logits, output, target, { adversarialWeight: 0 });
  t.true(close(l1Only.total.dataSync()[0], 25));
  const ganOnly = losses.pix2pixGeneratorLoss(logits, output, target, { lambdaL1: 0 });
  t.true(close(ganOnly.total.dataSync()[0], Math.LN2));
  // D: real logits +2, fake logits -1: ((softplus(-2) + softplus(-1)) / 2.
  const d = losses.pix2pixDiscriminatorLoss(tf.fill([1, 2, 2, 1], 2), tf.fill([1, 2, 2, 1], -1));
  const softplus = (v: number) => Math.log1p(Math.exp(v));
  t.true(close(d.real.dataSync()[0], softplus(-2)));
  t.true(close(d.fake.dataSync()[0], softplus(-1)));
  t.true(close(d.total.dataSync()[0], (softplus(-2) + softplus(-1)) / 2));
  // LSGAN (ganMode 'lsgan'): scores 0.5 -> G's term (0.5 - 1)^2 = 0.25; D with real scores 2 and
  // fake scores -1: real (2 - 1)^2 = 1, fake (-1)^2 = 1, total (1 + 1) / 2 = 1.
  const half = tf.fill([2, 4, 4, 1], 0.5);
  const gLs = losses.pix2pixGeneratorLoss(half, output, target, { ganMode: 'lsgan' });
  t.true(close(gLs.adversarial.dataSync()[0], 0.25));
  t.true(close(gLs.total.dataSync()[0], 0.25 + 100 * 0.25));
  const dLs = losses.pix2pixDiscriminatorLoss(tf.fill([1, 2, 2, 1], 2), tf.fill([1, 2, 2, 1], -1), { ganMode: 'lsgan' });
  t.deepEqual([dLs.real, dLs.fake, dLs.total].map((v) => v.dataSync()[0]), [1, 1, 1]);
  t.throws(() => losses.pix2pixGeneratorLoss(half, output, target, { ganMode: 'hinge' as 'lsgan' }), { message: /options.ganMode must be 'vanilla' or 'lsgan', got 'hinge'/ });
  t.throws(() => losses.meanAbsoluteError(output, logits), { message: /same shape, got \[2,8,8,1\] and \[2,4,4,1\]/ });
  tf.dispose([logits, output, target, g, l1Only, ganOnly, d, half, gLs, dLs] as unknown as tf.TensorContainer);
});

test.serial('cyclegan losses: lambda = 10 on the cycle terms, 0.5 * lambda on the identity terms', (t) => {
  const ones = (v: number) => tf.fill([2, 4, 4, 3], v);
  const terms = {
    realA: ones(0), realB: ones(0),
    reconstructedA: ones(0.1), // cycleA = 0.1
    reconstructedB: ones(-0.2), // cycleB = 0.2
    identityA: ones(0.3), // identityA = 0.3
    identityB: ones(0.4), // identityB = 0.4
    scoresFakeB: tf.fill([2, 2, 2, 1], 0.5), // (0.5 - 1)^2 = 0.25
    scoresFakeA: tf.fill([2, 2, 2, 1], 3), // (3 - 1)^2 = 4
  };
  const g = losses.cycleGanGeneratorLoss(terms);
  const parts = Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.dataSync()[0]]));
  t.true(close(parts.adversarialAB, 0.25));
  t.true(close(parts.adversarialBA, 4));
  t.true(close(parts.cycleA, 0.1) && close(parts.cycleB, 0.2));
  t.true(close(parts.identityA, 0.3) && close(parts.identityB, 0.4));
  t.true(close(parts.total, 0.25 + 4 + 10 * (0.1 + 0.2) + 5 * (0.3 + 0.4)), `total ${parts.total}`);
  const noCycle = losses.cycleGanGeneratorLoss(terms, { cycleWeight: 0, identityWeight: 0 });
  t.true(close(noCycle.total.dataSync()[0], 4.25));
  t.throws(() => losses.cycleGanGeneratorLoss({ ...terms, identityA: undefined }), { message: /identityWeight is 0.5, so terms.identityA and terms.identityB are needed/ });
  const d = losses.cycleGanDiscriminatorLoss(tf.fill([1, 2, 2, 1], 0.5), tf.fill([1, 2, 2, 1], 0.5));
  t.true(close(d.total.dataSync()[0], (0.25 + 0.25) / 2));
  tf.dispose([terms, g, noCycle, d] as unknown as tf.TensorContainer);
});

test.serial('linear decay: constant, then linearly down, positive to the end', (t) => {
  const lr = train.linearDecayToZero({ learningRate: 2e-4, constantSteps: 100, decaySteps: 100 });
  t.is(lr(0), 2e-4);
  t.is(lr(98), 2e-4);
  t.true(close(lr(149), 2e-4 * (1 - 50 / 101)));
  t.true(lr(199) > 0 && lr(199) < 2e-4 / 50);
  t.throws(() => train.linearDecayToZero({ learningRate: 0, constantSteps: 1, decaySteps: 1 }), { message: /linearDecayToZero: options.learningRate must be a positive finite number, got 0/ });
});

/** The buffer's rule written out plainly: a reference to compare the tensor version against. */
function referenceBuffer(size: number, seed: number) {
  const random = data.makeRandom(seed);
  const stored: number[] = [];
  return (batch: number[]) =>
    batch.map((v) => {
      if (stored.length < size) {
        stored.push(v);
        return v;
      }
      if (random() > 0.5) {
        const i = Math.floor(random() * size);
        const old = stored[i];
        stored[i] = v;
        return old;
      }
      return v;
    });
}

test.serial('image history buffer: fills to 50, then swaps about half of the images, seeded', async (t) => {
  const buffer = new train.ImageHistoryBuffer({ size: 50, seed: 3 });
  const reference = referenceBuffer(50, 3);
  // Image k is a 1x1x1 image of value k, so every returned image says where it came from.
  const batchOf = (start: number, n: number) => tf.tensor4d(Array.from({ length: n }, (_, i) => start + i), [n, 1, 1, 1]);
  let swapped = 0;
  const before = tf.memory().numTensors;
  {
    for (let step = 0; step < 40; step++) {
      const start = step * 25;
      const input = batchOf(start, 25);
      const out = buffer.query(input);
      const values = Array.from(out.dataSync());
      t.deepEqual(values, reference(Array.from({ length: 25 }, (_, i) => start + i)), `step ${step} follows the rule`);
      if (step < 2) t.deepEqual(values, Array.from({ length: 25 }, (_, i) => start + i), 'while filling, D sees the new images');
      else swapped += values.filter((v, i) => v !== start + i).length;
      tf.dispose([input, out]);
    }
  }
  t.is(buffer.count, 50);
  t.is(tf.memory().numTensors, before + 50, 'after 40 queries only the 50 stored images remain');
  // 38 steps x 25 images after filling, each swapped with probability 1/2: 475 +- 3 sd (46).
  t.true(swapped > 475 - 46 && swapped < 475 + 46, `swapped ${swapped} of 950`);
  buffer.dispose();
  t.is(buffer.count, 0);
  t.is(tf.memory().numTensors, before);
  const off = new train.ImageHistoryBuffer({ size: 0 });
  const x = batchOf(0, 3);
  const y = off.query(x);
  t.deepEqual(Array.from(y.dataSync()), [0, 1, 2]);
  tf.dispose([x, y]);
  t.throws(() => new train.ImageHistoryBuffer({ size: -1 }), { message: /size must be a non-negative integer, got -1/ });
});

test.serial('pix2pix trainer: d then g, each moves only its own network; 20 steps leak nothing', async (t) => {
  const model = models.createPix2Pix({ imageSize: 8, generatorFilters: 2, discriminatorFilters: 2, seed: 1 });
  const inputs = tf.randomUniform([12, 8, 8, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
  const targets = tf.tanh(inputs.mul(3)) as tf.Tensor4D;
  const trainer = train.createPix2PixTrainer({ model, inputs, targets, batchSize: 4, seed: 2 });
  t.deepEqual(trainer.phases.map((p) => p.name), ['d', 'g']);
  const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
  const g0 = snapshot(model.generator);
  const d0 = snapshot(model.discriminator);
  trainer.trainStep(); // the first step creates the optimizers' slots
  t.notDeepEqual(snapshot(model.generator), g0);
  t.notDeepEqual(snapshot(model.discriminator), d0);
  const before = tf.memory().numTensors;
  await trainer.run({ steps: 20, progress: false });
  t.is(tf.memory().numTensors, before, 'no tensors leak across 20 steps');
  const last = trainer.history[trainer.history.length - 1];
  for (const key of ['dLoss', 'dReal', 'dFake', 'gLoss', 'adversarial', 'l1']) t.true(Number.isFinite(last[key]), key);
  t.true(Math.abs(last.gLoss - (last.adversarial + 100 * last.l1)) < 1e-3 * last.gLoss, 'gLoss = adversarial + 100 * l1');
  // The two updates by hand: each moves only its own network and returns its numbers.
  let [g1, d1] = [snapshot(model.generator), snapshot(model.discriminator)];
  t.deepEqual(Object.keys(trainer.discriminatorStep()), ['dLoss', 'dReal', 'dFake']);
  t.deepEqual(snapshot(model.generator), g1, 'discriminatorStep leaves G');
  t.notDeepEqual(snapshot(model.discriminator), d1);
  [g1, d1] = [snapshot(model.generator), snapshot(model.discriminator)];
  t.deepEqual(Object.keys(trainer.generatorStep()), ['gLoss', 'adversarial', 'l1']);
  t.deepEqual(snapshot(model.discriminator), d1, 'generatorStep leaves D');
  t.notDeepEqual(snapshot(model.generator), g1);
  t.is(trainer.step, 21);
  t.is(tf.memory().numTensors, before, 'no tensors leak by hand either');
  // L1-only ablation: one phase, the generator only.
  const l1 = train.createPix2PixTrainer({ model, inputs, targets, batchSize: 4, objective: 'l1' });
  t.deepEqual(l1.phases.map((p) => p.name), ['g']);
  const dBefore = snapshot(model.discriminator);
  l1.trainStep();
  t.deepEqual(snapshot(model.discriminator), dBefore, 'the L1-only ablation never touches D');
  t.true(Math.abs(l1.history[0].gLoss - 100 * l1.history[0].l1) < 1e-3 * l1.history[0].gLoss);
  t.throws(() => train.createPix2PixTrainer({ model, inputs: targets.slice(0, 4) as tf.Tensor4D, targets }), { message: /as many rows, got 4 and 12/ });
  // Least squares: the same phases; D's readouts are mean raw scores, G's total keeps the weights.
  const lsModel = models.createPix2Pix({ imageSize: 8, generatorFilters: 2, discriminatorFilters: 2, seed: 1 });
  const ls = train.createPix2PixTrainer({ model: lsModel, inputs, targets, batchSize: 4, seed: 2, ganMode: 'lsgan' });
  ls.trainStep();
  const first = ls.history[0];
  for (const key of ['dLoss', 'dReal', 'dFake', 'gLoss', 'adversarial', 'l1']) t.true(Number.isFinite(first[key]), `lsgan ${key}`);
  t.true(Math.abs(first.gLoss - (first.adversarial + 100 * first.l1)) < 1e-3 * first.gLoss, 'lsgan: gLoss = adversarial + 100 * l1');
  ls.dispose();
  lsModel.generator.dispose();
  lsModel.discriminator.dispose();
  trainer.dispose();
  l1.dispose();
  tf.dispose([inputs, targets]);
  model.generator.dispose();
  model.discriminator.dispose();
});

test.serial('pix2pix trainer with an EMA generator and a learning-rate decay: theta_ema = d theta_ema + (1 - d) theta after each G step; the rate falls linearly to zero', async (t) => {
  const options = { imageSize: 8, generatorFilters: 2, discriminatorFilters: 2, seed: 1 };
  const model = models.createPix2Pix(options);
  const emaGenerator = models.unetGenerator({ ...options, seed: 7 });
  const inputs = tf.randomUniform([12, 8, 8, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
  const targets = tf.tanh(inputs.mul(3)) as tf.Tensor4D;
  const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
  t.notDeepEqual(snapshot(emaGenerator), snapshot(model.generator), 'another seed: different weights before the trainer copies G');
  // decayStart 2, decaySteps 3: rate(step) = 1e-2 * (1 - max(0, step + 1 - 2) / 4)
  const trainer = train.createPix2PixTrainer({ model, inputs, targets, batchSize: 4, seed: 2, learningRate: 1e-2, emaGenerator, emaDecay: 0.75, decayStart: 2, decaySteps: 3 });
  t.deepEqual(snapshot(emaGenerator), snapshot(model.generator), 'the average starts at G');
  t.is(trainer.networks.emaGenerator, emaGenerator, 'the average is checkpointed with the networks');
  const rates: number[][] = [];
  const rateOf = (i: number) => (trainer.phases[i].optimizer as unknown as { learningRate: number }).learningRate;
  trainer.trainStep(); // the first step creates the optimizers' slots
  rates.push([rateOf(0), rateOf(1)]);
  const before = snapshot(emaGenerator);
  const generatorBefore = snapshot(model.generator);
  const tensors = tf.memory().numTensors;
  trainer.trainStep();
  t.is(tf.memory().numTensors, tensors, 'the EMA update leaks no tensor');
  rates.push([rateOf(0), rateOf(1)]);
  const after = snapshot(model.generator);
  const averaged = snapshot(emaGenerator);
  const trainable = model.generator.weights.map((w) => w.trainable);
  t.true(after.some((w, i) => w.some((v, j) => v !== generatorBefore[i][j])), 'G moved in the step');
  averaged.forEach((w, i) =>
    w.forEach((v, j) => {
      const expected = trainable[i] ? 0.75 * before[i][j] + 0.25 * after[i][j] : after[i][j];
      t.true(Math.abs(v - expected) < 1e-6, `EMA weight ${model.generator.weights[i].name}[${j}]: ${v} vs ${expected}`);
    }),
  );
  t.true(averaged.some((w, i) => trainable[i] && w.some((v, j) => Math.abs(v - after[i][j]) > 1e-5)), 'the average lags behind G');
  await trainer.run({ steps: 3, progress: false, callbacks: [{ every: 1, call: () => void rates.push([rateOf(0), rateOf(1)]) }] });
  // steps 0..4: 1e-2 * [1, 1, 3/4, 2/4, 1/4], the same for D and G
  [1, 1, 0.75, 0.5, 0.25].forEach((factor, step) => {
    t.true(close(rates[step][0], 1e-2 * factor, 1e-9) && close(rates[step][1], 1e-2 * factor, 1e-9), `step ${step}: rates ${rates[step]} vs ${1e-2 * factor}`);
  });
  trainer.dispose();
  t.throws(() => train.createPix2PixTrainer({ model, inputs, targets, emaGenerator, emaDecay: 1.5 }), {
    message: 'createPix2PixTrainer: options.emaDecay must be in [0, 1], got 1.5',
  });
  t.throws(() => train.createPix2PixTrainer({ model, inputs, targets, emaGenerator: model.generator }), { message: /options.emaGenerator must be a second model/ });
  t.throws(() => train.createPix2PixTrainer({ model, inputs, targets, decaySteps: -1 }), { message: /options.decaySteps must be an integer >= 0, got -1/ });
  tf.dispose([inputs, targets]);
  model.generator.dispose();
  model.discriminator.dispose();
  emaGenerator.dispose();
});

test.serial('cyclegan trainer: g (both generators) then d (both discriminators) with buffers; 20 steps leak nothing', async (t) => {
  const model = models.createCycleGan({ imageSize: 8, generatorFilters: 2, residualBlocks: 1, discriminatorFilters: 2, seed: 3 });
  const domainA = tf.randomUniform([10, 8, 8, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
  const domainB = tf.randomUniform([10, 8, 8, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
  const start = tf.memory().numTensors;
  const cycle = train.createCycleGanTrainer({ model, domainA, domainB, batchSize: 4, constantSteps: 10, decaySteps: 12, bufferSize: 6, seed: 6 });
  t.deepEqual(cycle.trainer.phases.map((p) => [p.name, p.trains]), [
    ['g', ['generatorAB', 'generatorBA']],
    ['d', ['discriminatorA', 'discriminatorB']],
  ]);
  cycle.trainer.trainStep();
  t.is(cycle.bufferA.count, 4);
  const before = tf.memory().numTensors;
  await cycle.trainer.run({ steps: 20, progress: false });
  t.is(tf.memory().numTensors, before + 2 * 2, 'only the buffers grew, from 4 to their 6 images each');
  t.is(cycle.bufferB.count, 6);
  const last = cycle.trainer.history[cycle.trainer.history.length - 1];
  const expected = last.adversarialAB + last.adversarialBA + 10 * (last.cycleA + last.cycleB) + 5 * (last.identityA + last.identityB);
  t.true(Math.abs(last.gLoss - expected) < 1e-3 * last.gLoss, `gLoss ${last.gLoss} = adv + 10 cyc + 5 idt = ${expected}`);
  t.true(Math.abs(last.dLoss - (last.dALoss + last.dBLoss)) < 1e-5);
  // The learning rate decays linearly after step 10: at step 20 it is 2e-4 * (1 - 11 / 13).
  const optimizer = cycle.trainer.phases[0].optimizer as unknown as { learningRate: number };
  t.true(Math.abs(optimizer.learningRate - 2e-4 * (1 - 11 / 13)) < 1e-12, `lr ${optimizer.learningRate}`);
  cycle.dispose();
  t.is(tf.memory().numTensors, start, 'dispose frees the buffers and the optimizers\' state');
  tf.dispose([domainA, domainB]);
  [model.generatorAB, model.generatorBA, model.discriminatorA, model.discriminatorB].forEach((m) => m.dispose());
});

test.serial('cyclegan by hand: generatorStep returns the fakes G(a), F(b), discriminatorStep takes them; the same numbers as a step of run', (t) => {
  const options = { imageSize: 8, generatorFilters: 2, residualBlocks: 1, discriminatorFilters: 2, seed: 3 };
  const domainA = tf.randomUniform([10, 8, 8, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
  const domainB = tf.randomUniform([10, 8, 8, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
  const trainerOptions = { domainA, domainB, batchSize: 4, constantSteps: 10, decaySteps: 12, bufferSize: 6, seed: 6 };
  const byRun = models.createCycleGan(options);
  const byHand = models.createCycleGan(options);
  const run = train.createCycleGanTrainer({ model: byRun, ...trainerOptions });
  const hand = train.createCycleGanTrainer({ model: byHand, ...trainerOptions });
  const record = run.trainer.trainStep();
  const before = tf.memory().numTensors;
  const { losses: gLosses, fakes } = hand.generatorStep();
  t.deepEqual(fakes.fakeB.shape, [4, 8, 8, 3], 'G(a) for D_B');
  t.deepEqual(fakes.fakeA.shape, [4, 8, 8, 3], 'F(b) for D_A');
  const dLosses = hand.discriminatorStep(fakes);
  t.true(fakes.fakeA.isDisposed && fakes.fakeB.isDisposed, 'discriminatorStep frees the fakes');
  t.is(gLosses.gLoss, record.gLoss, 'the G update by hand sees the batch and weights of run\'s step 0');
  t.is(dLosses.dLoss, record.dLoss);
  t.is(hand.trainer.step, 0, 'updates by hand leave the step count alone');
  t.true(tf.memory().numTensors > before, 'the buffers (and Adam\'s slots) grew');
  t.throws(() => hand.trainer.phaseStep('d'), { message: /phase 'd' needs the fakes of phase 'g'/ });
  const tensors = tf.memory().numTensors;
  const { fakes: again } = hand.generatorStep();
  hand.discriminatorStep(again);
  t.is(tf.memory().numTensors, tensors + 2 * 2, 'a second pair of updates: only the buffers grew, from 4 to their 6 images each');
  const mixed = models.createCycleGan({ ...options, channelsA: 1 });
  const grey = tf.zeros([10, 8, 8, 1]) as tf.Tensor4D;
  t.throws(() => train.createCycleGanTrainer({ model: mixed, ...trainerOptions, domainA: grey }), {
    message: /createCycleGanTrainer: the identity loss needs the model's channelsA = channelsB, got 1 and 3; set options.identityWeight to 0/,
  });
  run.dispose();
  hand.dispose();
  tf.dispose([domainA, domainB, grey]);
  [byRun, byHand, mixed].forEach((m) => [m.generatorAB, m.generatorBA, m.discriminatorA, m.discriminatorB].forEach((net) => net.dispose()));
});

test.serial('cyclegan checkpoint: weights with custom layers, optimizer state and both history buffers round-trip', async (t) => {
  const fs = await import('fs');
  const os = await import('os');
  const path = await import('path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genlab-cyclegan-'));
  const options = { imageSize: 8, generatorFilters: 2, residualBlocks: 1, discriminatorFilters: 2 };
  const domainA = tf.randomUniform([10, 8, 8, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
  const domainB = tf.randomUniform([10, 8, 8, 3], -1, 1, 'float32', 8) as tf.Tensor4D;
  const first = models.createCycleGan({ ...options, seed: 1 });
  const second = models.createCycleGan({ ...options, seed: 2 });
  const nets = (m: typeof first) => [m.generatorAB, m.generatorBA, m.discriminatorA, m.discriminatorB];
  const weights = (m: typeof first) => nets(m).map((net) => net.getWeights().map((w) => Array.from(w.dataSync())));
  const a = train.createCycleGanTrainer({ model: first, domainA, domainB, batchSize: 3, constantSteps: 5, decaySteps: 5, bufferSize: 5, seed: 1 });
  const b = train.createCycleGanTrainer({ model: second, domainA, domainB, batchSize: 3, constantSteps: 5, decaySteps: 5, bufferSize: 5, seed: 1 });
  try {
    await a.trainer.run({ steps: 3, progress: false });
    await a.trainer.saveCheckpoint(dir);
    t.notDeepEqual(weights(second), weights(first));
    await b.trainer.loadCheckpoint(dir);
    t.deepEqual(weights(second), weights(first), 'every weight restored, instance norm and reflection padding included');
    t.is(b.trainer.step, 3);
    t.is(b.bufferA.count, 5);
    t.is(b.bufferB.count, 5);
    const stored = (x: train.ImageHistoryBuffer) => {
      const s = x.save()!;
      const values = Array.from(s.dataSync());
      s.dispose();
      return values;
    };
    t.deepEqual(stored(b.bufferA), stored(a.bufferA));
    t.deepEqual(stored(b.bufferB), stored(a.bufferB));
  } finally {
    a.dispose();
    b.dispose();
    [...nets(first), ...nets(second)].forEach((net) => net.dispose());
    tf.dispose([domainA, domainB]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
