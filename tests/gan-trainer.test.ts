import test from 'ava';
import { tf, initBackend, losses, models, train } from '../src/index';

test.before(async () => {
  await initBackend({ verbose: false });
});

const tiny = { filters: 4, latentSize: 8, seed: 1 };

function snapshot(model: tf.LayersModel): Float32Array[] {
  return model.trainableWeights.map((w) => w.read().dataSync().slice() as Float32Array);
}
function changed(before: Float32Array[], model: tf.LayersModel): boolean[] {
  return model.trainableWeights.map((w, i) => {
    const now = w.read().dataSync();
    return now.some((v, j) => v !== before[i][j]);
  });
}

function setup(loss: losses.AdversarialLossName, conditional = false) {
  const norm = loss === 'wgan-gp' ? 'none' : 'batch';
  const generator = conditional ? models.buildConditionalDcganGenerator(tiny) : models.buildDcganGenerator(tiny);
  const discriminator = conditional
    ? models.buildConditionalDcganDiscriminator({ ...tiny, discriminatorNorm: norm })
    : models.buildDcganDiscriminator({ ...tiny, discriminatorNorm: norm });
  const data = tf.randomUniform([16, 28, 28, 1], -1, 1, 'float32', 2);
  const labels = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5], 'int32');
  const trainer = train.createGanTrainer({ generator, discriminator, data, labels: conditional ? labels : undefined, loss, batchSize: 4, seed: 3 });
  const dispose = () => {
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
    tf.dispose([data, labels]);
  };
  return { generator, discriminator, data, trainer, dispose };
}

for (const loss of losses.ADVERSARIAL_LOSS_NAMES) {
  test.serial(`${loss}: a D update changes only D's trainable weights, a G update only G's`, (t) => {
    const { generator, discriminator, data, trainer, dispose } = setup(loss);
    const batch = train.batchSampler({ real: data }, { batchSize: 4, seed: 0 });
    const [dPhase, gPhase] = trainer.phases;
    // A trainer of only the D phase, then only the G phase: one update of each, observed alone.
    const onlyD = new train.PhasedTrainer({ networks: { generator, discriminator }, phases: [{ ...dPhase, repeats: 1 }], batch });
    let g = snapshot(generator);
    let d = snapshot(discriminator);
    onlyD.trainStep();
    t.true(changed(g, generator).every((c) => !c), 'the D update must not move G');
    // Hinge and Wasserstein losses are linear in D(x) and D(G(z)) near the start, so the logit
    // bias gets +1 from the fake mean and -1 from the real mean: exactly zero gradient.
    const unmoved = discriminator.trainableWeights.filter((_, i) => !changed(d, discriminator)[i]).map((w) => w.originalName);
    t.deepEqual(unmoved, loss === 'hinge' || loss === 'wgan-gp' ? ['d_logit/bias'] : [], 'the D update must move every weight of D');
    const onlyG = new train.PhasedTrainer({ networks: { generator, discriminator }, phases: [gPhase], batch });
    g = snapshot(generator);
    d = snapshot(discriminator);
    const record = onlyG.trainStep();
    t.true(Number.isFinite(record.gLoss));
    t.true(changed(d, discriminator).every((c) => !c), 'the G update must not move D');
    t.true(changed(g, generator).every((c) => c), 'the G update must move every weight of G');
    dispose();
  });
}

for (const [loss, conditional] of [['non-saturating', false], ['lsgan', false], ['hinge', false], ['wgan-gp', false], ['non-saturating', true], ['wgan-gp', true]] as const) {
  test.serial(`${loss}${conditional ? ' (conditional)' : ''}: 50 steps leave the number of tensors unchanged`, async (t) => {
    const { trainer, dispose } = setup(loss, conditional);
    trainer.trainStep(); // creates the optimizers' moment variables
    const before = tf.memory().numTensors;
    const result = await trainer.run({ steps: 50, progress: false });
    t.is(result.steps, 50);
    t.is(tf.memory().numTensors, before, 'tensors leaked');
    const last = trainer.history[trainer.history.length - 1];
    t.true(Number.isFinite(last.dLoss) && Number.isFinite(last.gLoss));
    if (loss === 'wgan-gp') t.true(last.penalty >= 0, 'the penalty is recorded');
    dispose();
  });
}

test.serial('EMA generator follows G after every G step', async (t) => {
  const { generator, discriminator, data, dispose } = setup('non-saturating');
  const ema = models.buildDcganGenerator({ ...tiny, seed: 9 });
  const trainer = train.createGanTrainer({ generator, discriminator, data, batchSize: 4, emaGenerator: ema, emaDecay: 0.5 });
  t.deepEqual(ema.getWeights()[0].dataSync(), generator.getWeights()[0].dataSync(), 'starts as a copy of G');
  const previous = ema.getWeights()[0].dataSync().slice();
  await trainer.run({ steps: 1, progress: false });
  const expected = tf.tidy(() => tf.tensor(previous).mul(0.5).add(generator.getWeights()[0].flatten().mul(0.5)).dataSync());
  const got = ema.getWeights()[0].dataSync();
  t.true(got.every((v, i) => Math.abs(v - expected[i]) < 1e-6));
  trainer.dispose();
  ema.dispose();
  dispose();
});

test('the WGAN-GP critic is refused with batch norm; unknown losses are named', (t) => {
  const generator = models.buildDcganGenerator(tiny);
  const discriminator = models.buildDcganDiscriminator(tiny);
  const data = tf.zeros([8, 28, 28, 1]);
  t.throws(() => train.createGanTrainer({ generator, discriminator, data, loss: 'wgan-gp' }), { message: /critic must not use batch norm/ });
  t.throws(() => train.createGanTrainer({ generator, discriminator, data, loss: 'kl' as 'lsgan' }), { message: /createGanTrainer: options.loss must be one of 'minimax', 'non-saturating', 'lsgan', 'hinge', 'wgan-gp', got 'kl'/ });
  tf.dispose(data);
  generator.dispose();
  discriminator.dispose();
});

test.serial('label smoothing reaches the BCE discriminator loss: smoothed targets change L_D at the same weights, not the outputs of D', (t) => {
  const make = (labelSmoothing: number) => {
    const generator = models.buildDcganGenerator(tiny);
    const discriminator = models.buildDcganDiscriminator(tiny);
    const data = tf.randomUniform([8, 28, 28, 1], -1, 1, 'float32', 2);
    const trainer = train.createGanTrainer({ generator, discriminator, data, batchSize: 4, labelSmoothing });
    const record = trainer.trainStep();
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
    data.dispose();
    return record;
  };
  const plain = make(0);
  const smoothed = make(0.1);
  // Same seeds, same logits a: the real term changes from softplus(-a) to 0.9 softplus(-a) + 0.1 softplus(a),
  // which is larger when D(x) > 1/2 and smaller otherwise; it must differ, the fake term must not.
  t.not(plain.dLoss, smoothed.dLoss);
  t.is(plain.dReal, smoothed.dReal);
  const generator = models.buildDcganGenerator(tiny);
  const discriminator = models.buildDcganDiscriminator(tiny);
  const data = tf.zeros([8, 28, 28, 1]);
  t.throws(() => train.createGanTrainer({ generator, discriminator, data, loss: 'lsgan', labelSmoothing: 0.1 }), { message: /labelSmoothing applies to the BCE losses/ });
  tf.dispose(data);
  generator.dispose();
  discriminator.dispose();
});

test.serial('SNGAN recipe: a spectrally normalised D trains with the hinge loss, advancing u, without leaks', async (t) => {
  const generator = models.buildDcganGenerator(tiny);
  const discriminator = models.buildDcganDiscriminator({ ...tiny, discriminatorNorm: 'spectral' });
  const data = tf.randomUniform([8, 28, 28, 1], -1, 1, 'float32', 2);
  const trainer = train.createGanTrainer({ generator, discriminator, data, loss: 'hinge', batchSize: 4 });
  const u = () => discriminator.getLayer('d_conv1').getWeights()[2].dataSync().slice();
  const before = u();
  trainer.trainStep();
  t.notDeepEqual(u(), before, 'one power-iteration step per D update');
  const tensors = tf.memory().numTensors;
  await trainer.run({ steps: 10, progress: false });
  t.is(tf.memory().numTensors, tensors);
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  data.dispose();
});

test.serial('two time-scale learning rates: D and G optimizers get their own rates, both default to learningRate', (t) => {
  const generator = models.buildDcganGenerator(tiny);
  const discriminator = models.buildDcganDiscriminator(tiny);
  const data = tf.zeros([40, 28, 28, 1]);
  const rate = (trainer: ReturnType<typeof train.createGanTrainer>, i: number) => (trainer.phases[i].optimizer as unknown as { learningRate: number }).learningRate;
  const ttur = train.createGanTrainer({ generator, discriminator, data, batchSize: 4, discriminatorLearningRate: 4e-4, generatorLearningRate: 1e-4 });
  t.deepEqual([ttur.phases[0].name, rate(ttur, 0), ttur.phases[1].name, rate(ttur, 1)], ['d', 4e-4, 'g', 1e-4]);
  const shared = train.createGanTrainer({ generator, discriminator, data, batchSize: 4, learningRate: 3e-4 });
  t.deepEqual([rate(shared, 0), rate(shared, 1)], [3e-4, 3e-4]);
  // The default recipe (lesson 05): Adam 4e-4 for both, batches of 32.
  const recipe = train.createGanTrainer({ generator, discriminator, data });
  t.deepEqual([rate(recipe, 0), rate(recipe, 1)], [4e-4, 4e-4]);
  const few = tf.zeros([20, 28, 28, 1]);
  t.throws(() => train.createGanTrainer({ generator, discriminator, data: few }), { message: /batchSize must be an integer in 1\.\.20 \(the number of rows\), got 32/ });
  for (const trainer of [ttur, shared, recipe]) trainer.dispose();
  few.dispose();
  tf.dispose(data);
  generator.dispose();
  discriminator.dispose();
});

test.serial('learningRateSchedule: both optimizers take the scheduled rate of each step; a rate near 0 leaves the weights nearly still', (t) => {
  const generator = models.buildDcganGenerator(tiny);
  const discriminator = models.buildDcganDiscriminator(tiny);
  const data = tf.randomUniform([16, 28, 28, 1], -1, 1, 'float32', 2);
  const rate = (trainer: ReturnType<typeof train.createGanTrainer>, i: number) => (trainer.phases[i].optimizer as unknown as { learningRate: number }).learningRate;
  const asked: number[] = [];
  const schedule = train.linearDecay({ learningRate: 4e-4, steps: 4 }); // 4e-4 up to step 2, then halfway down at step 3
  const decaying = train.createGanTrainer({ generator, discriminator, data, batchSize: 4, learningRateSchedule: (step) => (asked.push(step), schedule(step)) });
  const rates: number[][] = [];
  for (let i = 0; i < 4; i++) {
    decaying.trainStep();
    rates.push([rate(decaying, 0), rate(decaying, 1)]);
  }
  t.deepEqual(asked, [0, 0, 1, 1, 2, 2, 3, 3], 'asked once per phase and step');
  t.deepEqual(rates, [0, 1, 2, 3].map((step) => [schedule(step), schedule(step)]));
  t.deepEqual(rates.map((r) => r[0]), [4e-4, 4e-4, 4e-4, 2e-4]);
  decaying.dispose();
  // Adam moves every weight by about the learning rate per step: at 1e-12 the weights stay within 1e-9.
  const before = [...snapshot(generator), ...snapshot(discriminator)];
  const still = train.createGanTrainer({ generator, discriminator, data, batchSize: 4, learningRateSchedule: () => 1e-12 });
  still.trainStep();
  const after = [...snapshot(generator), ...snapshot(discriminator)];
  const largest = Math.max(...after.map((w, i) => Math.max(...w.map((v, j) => Math.abs(v - before[i][j])))));
  t.true(largest > 0 && largest < 1e-9, `largest change ${largest}`);
  still.dispose();
  t.throws(() => train.createGanTrainer({ generator, discriminator, data, batchSize: 4, learningRateSchedule: 4e-4 as unknown as (step: number) => number }), {
    message: /options.learningRateSchedule must be a function of the step, e.g. train.linearDecay\(\{ learningRate: 4e-4, steps \}\), got number/,
  });
  tf.dispose(data);
  generator.dispose();
  discriminator.dispose();
});

test.serial('same seed, same run: two DCGANs built and trained with seed 0 give the same losses and weights', async (t) => {
  const run = async () => {
    const generator = models.buildDcganGenerator({ filters: 4, seed: 0 });
    const discriminator = models.buildDcganDiscriminator({ filters: 4, seed: 0 });
    const data = tf.randomUniform([16, 28, 28, 1], -1, 1, 'float32', 2);
    const trainer = train.createGanTrainer({ generator, discriminator, data, batchSize: 4, seed: 0 });
    await trainer.run({ steps: 3, progress: false });
    const losses = trainer.history.map((h) => [h.dLoss, h.gLoss]);
    const weights = snapshot(generator);
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
    data.dispose();
    return { losses, weights };
  };
  const first = await run();
  const second = await run();
  t.deepEqual(second.losses, first.losses);
  t.deepEqual(second.weights, first.weights);
  t.true(first.losses.every(([d, g]) => Number.isFinite(d) && Number.isFinite(g)));
});

function infoSetup(informationWeight: number) {
  const generator = models.buildInfoDcganGenerator(tiny);
  const discriminator = models.buildInfoDcganDiscriminator(tiny);
  const data = tf.randomUniform([16, 28, 28, 1], -1, 1, 'float32', 2);
  const trainer = train.createGanTrainer({ generator, discriminator, data, batchSize: 4, seed: 3, informationWeight });
  const dispose = () => {
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
    data.dispose();
  };
  return { generator, discriminator, trainer, dispose };
}

test.serial('InfoGAN: both losses gain lambda * CE(Q(G(z, c)), c), which starts at ln K; Q is trained with D', (t) => {
  const plain = infoSetup(0);
  const weighted = infoSetup(2);
  const a = plain.trainer.trainStep();
  const b = weighted.trainer.trainStep();
  // Same weights and noise at step 0: the D losses differ by exactly 2 * dInfo.
  t.true(Math.abs(a.dInfo - b.dInfo) < 1e-6, `${a.dInfo} vs ${b.dInfo}`);
  t.true(Math.abs(b.dLoss - a.dLoss - 2 * b.dInfo) < 1e-4, `${b.dLoss} - ${a.dLoss} vs 2 * ${b.dInfo}`);
  // Q's weights start at N(0, 0.02): its code logits are near 0, so CE is near ln 10 (a guess).
  t.true(Math.abs(a.dInfo - Math.log(10)) < 0.05, `dInfo ${a.dInfo}`);
  t.true(Number.isFinite(b.gInfo) && b.gInfo > 0);
  plain.dispose();
  weighted.dispose();

  // The D phase moves Q's head; the G phase moves every weight of G (the code rows included).
  const { generator, discriminator, trainer, dispose } = infoSetup(1);
  const d = snapshot(discriminator);
  const g = snapshot(generator);
  trainer.trainStep();
  const names = discriminator.trainableWeights.map((w) => w.originalName);
  const moved = changed(d, discriminator);
  t.true(['q_hidden/kernel', 'q_code/kernel', 'q_code/bias'].every((n) => moved[names.indexOf(n)]), 'Q is trained in the D phase');
  t.true(changed(g, generator).every((c) => c), 'every weight of G moves');
  dispose();
});

test.serial('InfoGAN: 30 steps leave the number of tensors unchanged; a one-output D is refused with a clear message', async (t) => {
  const { trainer, dispose } = infoSetup(1);
  trainer.trainStep();
  const before = tf.memory().numTensors;
  await trainer.run({ steps: 30, progress: false });
  t.is(tf.memory().numTensors, before, 'tensors leaked');
  dispose();
  const generator = models.buildInfoDcganGenerator(tiny);
  const discriminator = models.buildDcganDiscriminator(tiny);
  const data = tf.zeros([4, 28, 28, 1]);
  t.throws(() => train.createGanTrainer({ generator, discriminator, data }), {
    message: /an InfoGAN generator \(inputs \[z, code\]\) needs a discriminator with outputs \[logit, code logits\] \(models.buildInfoDcganDiscriminator\), got 1 output/,
  });
  const infoD = models.buildInfoDcganDiscriminator(tiny);
  t.throws(() => train.createGanTrainer({ generator: models.buildDcganGenerator(tiny), discriminator: infoD, data }), {
    message: /the discriminator must have one output \(a logit\) unless the generator is an InfoGAN one, got 2 outputs/,
  });
  tf.dispose([data]);
  generator.dispose();
  discriminator.dispose();
  infoD.dispose();
});

test.serial("fakeLabels 'data': the fakes get the real batch's labels; 'uniform' draws every class", (t) => {
  // D's output is the index of its label input (weights 0..9 on the one-hot, 0 on the pixels),
  // so with a loss that reports raw outputs (LSGAN) the recorded mean D(x) and D(G(z)) are the
  // mean labels of the real and the fake batch.
  const build = () => {
    const image = tf.input({ shape: [28, 28, 1] });
    const label = tf.input({ shape: [10] });
    const joined = tf.layers.concatenate().apply([tf.layers.flatten().apply(image) as tf.SymbolicTensor, label]) as tf.SymbolicTensor;
    const kernel = tf.concat([tf.zeros([784, 1]), tf.range(0, 10).reshape([10, 1])]);
    const logit = tf.layers.dense({ units: 1, useBias: false, weights: [kernel] }).apply(joined) as tf.SymbolicTensor;
    kernel.dispose();
    return tf.model({ inputs: [image, label], outputs: logit });
  };
  const data = tf.zeros([32, 28, 28, 1]);
  const labels = tf.fill([32], 3, 'int32') as tf.Tensor1D;
  for (const fakeLabels of ['data', 'uniform'] as const) {
    const generator = models.buildConditionalDcganGenerator(tiny);
    const discriminator = build();
    const trainer = train.createGanTrainer({ generator, discriminator, data, labels, loss: 'lsgan', batchSize: 32, seed: 3, fakeLabels });
    const record = trainer.trainStep();
    t.true(Math.abs(record.dReal - 3) < 1e-5);
    if (fakeLabels === 'data') t.true(Math.abs(record.dFake - 3) < 1e-5, `dFake ${record.dFake}`);
    else t.true(Math.abs(record.dFake - 3) > 0.2, `uniform labels average near 4.5, got ${record.dFake}`);
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
  }
  const generator = models.buildDcganGenerator(tiny);
  const discriminator = models.buildDcganDiscriminator(tiny);
  t.throws(() => train.createGanTrainer({ generator, discriminator, data, fakeLabels: 'data' }), { message: /options.fakeLabels 'data' needs a conditional generator and options.labels/ });
  t.throws(() => train.createGanTrainer({ generator, discriminator, data, fakeLabels: 'real' as 'data' }), { message: /options.fakeLabels must be 'uniform' or 'data', got 'real'/ });
  generator.dispose();
  discriminator.dispose();
  tf.dispose([data, labels]);
});

test('the loss table: every entry against hand-computed values at D outputs of 0, and its paper settings', (t) => {
  const zeros = tf.zeros([4, 1]);
  const penalty = tf.scalar(0.25);
  const at0 = (name: losses.AdversarialLossName) => {
    const entry: losses.AdversarialLoss = losses.ADVERSARIAL_LOSSES[name];
    const d = entry.discriminatorLoss({ realOutputs: zeros, fakeOutputs: zeros, labelSmoothing: 0, gradientPenalty: () => penalty });
    const g = entry.generatorLoss(zeros);
    const values = [d.total.dataSync()[0], g.dataSync()[0]];
    tf.dispose([d.total, g]);
    return values;
  };
  const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
  // BCE at logit 0 is ln 2 per term; LSGAN 1/2 (0 - 1)^2 = 1/2; hinge max(0, 1) twice; WGAN-GP 0 - 0 + the penalty.
  t.true(close(at0('minimax'), [2 * Math.LN2, -Math.LN2]));
  t.true(close(at0('non-saturating'), [2 * Math.LN2, Math.LN2]));
  t.true(close(at0('lsgan'), [0.5, 0.5]));
  t.true(close(at0('hinge'), [2, 0]));
  t.true(close(at0('wgan-gp'), [0.25, 0]));
  t.deepEqual(losses.ADVERSARIAL_LOSS_NAMES, ['minimax', 'non-saturating', 'lsgan', 'hinge', 'wgan-gp']);
  t.deepEqual(losses.ADVERSARIAL_LOSSES['wgan-gp'].defaults, { discriminatorSteps: 5, learningRate: 1e-4, beta1: 0, beta2: 0.9, lambda: 10 });
  t.deepEqual(losses.ADVERSARIAL_LOSS_NAMES.filter((n) => losses.ADVERSARIAL_LOSSES[n].report === 'probability'), ['minimax', 'non-saturating']);
  tf.dispose([zeros, penalty]);
});

test.serial("a loss's paper settings are the trainer's defaults for it, and explicit options still win", (t) => {
  const generator = models.buildDcganGenerator(tiny);
  const discriminator = models.buildDcganDiscriminator({ ...tiny, discriminatorNorm: 'none' });
  const data = tf.zeros([40, 28, 28, 1]);
  const adam = (trainer: train.GanTrainer, i: number) => {
    const o = trainer.phases[i].optimizer as unknown as { learningRate: number; beta1: number; beta2: number };
    return [o.learningRate, o.beta1, o.beta2];
  };
  const wgan = train.createGanTrainer({ generator, discriminator, data, loss: 'wgan-gp' });
  t.deepEqual([adam(wgan, 0), adam(wgan, 1), wgan.phases[0].repeats], [[1e-4, 0, 0.9], [1e-4, 0, 0.9], 5]);
  const mine = train.createGanTrainer({ generator, discriminator, data, loss: 'wgan-gp', learningRate: 2e-4, discriminatorSteps: undefined, beta1: 0.5 });
  t.deepEqual([adam(mine, 0), mine.phases[0].repeats], [[2e-4, 0.5, 0.9], 5], 'explicit values win; undefined keeps the default');
  const hinge = train.createGanTrainer({ generator, discriminator, data, loss: 'hinge' });
  t.deepEqual([adam(hinge, 0), hinge.phases[0].repeats], [[4e-4, 0.5, 0.999], 1], "the trainer's own defaults");
  t.throws(() => train.createGanTrainer({ generator, discriminator, data, loss: 'hinge', lambda: 10 }), { message: /createGanTrainer: options.lambda weighs a gradient penalty, which loss 'hinge' does not have/ });
  for (const trainer of [wgan, mine, hinge]) trainer.dispose();
  tf.dispose(data);
  generator.dispose();
  discriminator.dispose();
});

test.serial('step functions by hand: discriminatorStep moves only D, generatorStep only G; both return numbers, leave step and history alone and leak nothing', (t) => {
  const { generator, discriminator, trainer, dispose } = setup('non-saturating');
  trainer.trainStep(); // creates Adam's moment variables
  const tensors = tf.memory().numTensors;
  let g = snapshot(generator);
  let d = snapshot(discriminator);
  const dLosses = trainer.discriminatorStep();
  t.deepEqual(Object.keys(dLosses), ['dLoss', 'dReal', 'dFake']);
  t.true(Object.values(dLosses).every(Number.isFinite));
  t.true(dLosses.dReal > 0 && dLosses.dReal < 1, 'the BCE losses report D as a probability');
  t.true(changed(g, generator).every((c) => !c), 'discriminatorStep must not move G');
  t.true(changed(d, discriminator).some((c) => c), 'discriminatorStep moves D');
  g = snapshot(generator);
  d = snapshot(discriminator);
  const gLosses = trainer.generatorStep();
  t.deepEqual(Object.keys(gLosses), ['gLoss']);
  t.true(changed(d, discriminator).every((c) => !c), 'generatorStep must not move D');
  t.true(changed(g, generator).every((c) => c), 'generatorStep moves every weight of G');
  t.not(trainer.discriminatorStep().dFake, dLosses.dFake, 'each call draws fresh noise');
  t.is(trainer.step, 1);
  t.is(trainer.history.length, 1);
  t.is(tf.memory().numTensors, tensors, 'tensors leaked');
  dispose();
});
