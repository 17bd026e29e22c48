import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { tf, initBackend, train, models, losses } from '../src/index';
import { toyTrainer, bigCheckpointTrainer } from './fixtures/trainers';
import { onBackend } from './helpers';
import { formatProgress, formatSeconds } from '../src/train/progress';

test.before(async () => {
  await initBackend({ verbose: false });
});

const tmpDir = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `genlab-${name}-`));
const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));
const dispose = (...ms: tf.LayersModel[]) => ms.forEach((m) => m.dispose());

test.serial('same seed, same run: the first 5 losses are identical on the cpu backend', async (t) => {
  const run = (seed: number) => {
    const { trainer, generator, discriminator } = toyTrainer(seed);
    for (let i = 0; i < 5; i++) trainer.trainStep();
    const losses5 = trainer.history.map((r) => [r.dLoss, r.gLoss, r.dReal, r.dFake]);
    trainer.dispose();
    dispose(generator, discriminator);
    return losses5;
  };
  const [a, b, c] = await onBackend('cpu', () => [run(1), run(1), run(2)]);
  t.is(a.length, 5);
  t.deepEqual(a, b);
  t.notDeepEqual(a, c, 'another seed gives another run');
  t.true(a.flat().every(Number.isFinite));
});

test.serial('a D update changes only D\'s weights, a G update only G\'s', (t) => {
  const { trainer, generator, discriminator } = toyTrainer(3);
  const [dPhase, gPhase] = trainer.phases;
  t.deepEqual([dPhase.name, gPhase.name], ['d', 'g']);
  const only = (phase: train.Phase<train.GanBatch>) =>
    new train.PhasedTrainer({ networks: trainer.networks, phases: [phase], batch: (i) => ({ real: tf.randomNormal([32, 2], 0, 1, 'float32', i) }) });

  const g0 = weightsOf(generator);
  const d0 = weightsOf(discriminator);
  only(dPhase).trainStep();
  const g1 = weightsOf(generator);
  const d1 = weightsOf(discriminator);
  t.deepEqual(g1, g0, 'the D step left G alone');
  d1.forEach((w, i) => t.notDeepEqual(w, d0[i], `the D step moved D's weight ${i}`));

  only(gPhase).trainStep();
  const g2 = weightsOf(generator);
  t.deepEqual(weightsOf(discriminator), d1, 'the G step left D alone');
  g2.forEach((w, i) => t.notDeepEqual(w, g1[i], `the G step moved G's weight ${i}`));
  trainer.dispose();
  dispose(generator, discriminator);
});

test.serial('k discriminator steps per generator step: D\'s optimizer runs k times per step', (t) => {
  const { generator, discriminator } = toyTrainer(4);
  const trainer = train.createGanTrainer({ generator, discriminator, data: tf.randomNormal([64, 2], 0, 1, 'float32', 1), batchSize: 16, discriminatorSteps: 3 });
  trainer.trainStep();
  trainer.trainStep();
  t.is(trainer.phases[0].optimizer.iterations, 6);
  t.is(trainer.phases[1].optimizer.iterations, 2);
  t.is(trainer.batchesPerStep, 3);
  trainer.dispose();
  dispose(generator, discriminator);
});

test.serial('GAN trainer with an EMA generator: it starts as G, then theta_ema = d theta_ema + (1 - d) theta after each G step; moving statistics are copied', async (t) => {
  // A tiny MLP GAN on 2 x 2 "images": G has batch norm, so it has non-trainable weights too.
  const options = { latentSize: 4, imageShape: [2, 2, 1] as [number, number, number], generatorUnits: [8, 8], discriminatorUnits: [8] };
  const generator = models.buildGanGenerator({ ...options, seed: 1 });
  const discriminator = models.buildGanDiscriminator({ ...options, seed: 1 });
  const emaGenerator = models.buildGanGenerator({ ...options, seed: 2 });
  t.notDeepEqual(weightsOf(emaGenerator), weightsOf(generator), 'another seed: different weights before the trainer copies G');
  const trainer = train.createGanTrainer({
    generator, discriminator, emaGenerator, emaDecay: 0.75, batchSize: 16, learningRate: 1e-2,
    data: tf.tidy(() => tf.randomNormal([64, 2, 2, 1], 0, 1, 'float32', 1).tanh()),
  });
  t.deepEqual(weightsOf(emaGenerator), weightsOf(generator), 'the average starts at G');
  trainer.trainStep(); // the first step also creates Adam's moment variables
  const before = weightsOf(emaGenerator);
  const generatorBefore = weightsOf(generator);
  const tensors = tf.memory().numTensors;
  trainer.trainStep();
  t.is(tf.memory().numTensors, tensors, 'the EMA update leaks no tensor');
  const after = weightsOf(generator);
  const averaged = weightsOf(emaGenerator);
  const trainable = generator.weights.map((w) => w.trainable);
  t.deepEqual(trainable.filter((x) => !x).length, 2, 'one batch norm: moving mean and variance');
  after.forEach((w, i) => t.true(w.some((v, j) => v !== generatorBefore[i][j]), `G's weight ${i} moved in the step`));
  averaged.forEach((w, i) =>
    w.forEach((v, j) => {
      // trainable: 0.75 * old average + 0.25 * new G; moving statistics: G's, copied
      const expected = trainable[i] ? 0.75 * before[i][j] + 0.25 * after[i][j] : after[i][j];
      t.true(Math.abs(v - expected) < 1e-6, `EMA weight ${generator.weights[i].name}[${j}]: ${v} vs ${expected}`);
    }),
  );
  t.true(averaged.some((w, i) => trainable[i] && w.some((v, j) => Math.abs(v - after[i][j]) > 1e-4)), 'the average lags behind G');
  t.is(trainer.networks.emaGenerator, emaGenerator, 'the average is checkpointed with the networks');
  trainer.dispose();
  const data = (index: number) => tf.randomNormal([4, 2, 2, 1], 0, 1, 'float32', index);
  t.throws(() => train.createGanTrainer({ generator, discriminator, emaGenerator, emaDecay: 1.5, data }), {
    message: 'createGanTrainer: options.emaDecay must be a finite number in [0, 1], got 1.5',
  });
  t.throws(() => train.createGanTrainer({ generator, discriminator, emaGenerator: generator, data }), {
    message: /options.emaGenerator must be a second model/,
  });
  dispose(generator, discriminator, emaGenerator);
});

test.serial('GAN trainer: discriminatorLearningRate and generatorLearningRate give the two optimizers their own rates (TTUR)', (t) => {
  const { trainer: unused, generator, discriminator } = toyTrainer(7);
  unused.dispose();
  const data = (index: number) => tf.randomNormal([8, 2], 0, 1, 'float32', index);
  const rates = (trainer: train.PhasedTrainer<train.GanBatch>) => trainer.phases.map((p) => (p.optimizer as unknown as { learningRate: number }).learningRate);
  const ttur = train.createGanTrainer({ generator, discriminator, data, learningRate: 5e-4, discriminatorLearningRate: 4e-4, generatorLearningRate: 1e-4 });
  t.deepEqual(rates(ttur), [4e-4, 1e-4]);
  ttur.dispose();
  const shared = train.createGanTrainer({ generator, discriminator, data, learningRate: 5e-4, generatorLearningRate: 1e-3 });
  t.deepEqual(rates(shared), [5e-4, 1e-3], 'D falls back to learningRate');
  shared.dispose();
  dispose(generator, discriminator);
});

test.serial('no tensor leaks: numTensors is the same after step 10 and after step 100', async (t) => {
  const { trainer, generator, discriminator } = toyTrainer(6);
  await trainer.run({ steps: 10, progress: false });
  const at10 = tf.memory().numTensors;
  await trainer.run({ steps: 90, progress: false, callbacks: [{ every: 7, call: () => {} }] });
  t.is(trainer.step, 100);
  t.is(tf.memory().numTensors, at10);
  trainer.dispose();
  dispose(generator, discriminator);
});

test.serial('run honours step budgets and callbacks, and a callback can stop the run', async (t) => {
  const { trainer, generator, discriminator } = toyTrainer(7);
  const seen: number[] = [];
  const result = await trainer.run({ steps: 12, progress: false, callbacks: [{ every: 5, call: (tr) => void seen.push(tr.step) }] });
  t.deepEqual(seen, [5, 10]);
  t.is(result.steps, 12);
  t.is(result.stoppedBy, 'steps');
  const stopped = await trainer.run({ steps: 50, progress: false, callbacks: [{ every: 3, call: (tr) => (tr.step >= 18 ? 'stop' : undefined) }] });
  t.is(stopped.stoppedBy, 'callback');
  t.is(trainer.step, 18);
  t.is(trainer.history.length, 18);
  t.deepEqual(Object.keys(trainer.historyColumns()).sort(), ['dFake', 'dLoss', 'dReal', 'gLoss', 'seconds', 'step']);
  await t.throwsAsync(trainer.run({}), { message: /give options.steps, options.seconds or both/ });
  trainer.dispose();
  dispose(generator, discriminator);
});

test.serial('the NaN guard stops the run before the bad update and names the diverged value', async (t) => {
  const { trainer, generator, discriminator } = toyTrainer(8);
  const [dPhase, gPhase] = trainer.phases;
  const poisoned: train.Phase<train.GanBatch> = {
    ...gPhase,
    loss: (batch, context, received) => {
      const out = gPhase.loss(batch, context, received) as train.PhaseOutputs; // the GAN's phases hand nothing on
      // From step 3 on, the generator loss is multiplied by log(0) - log(0) = NaN.
      return context.step >= 3 ? { loss: out.loss.mul(tf.log(tf.scalar(0)).sub(tf.log(tf.scalar(0)))) as tf.Scalar } : out;
    },
  };
  const guarded = new train.PhasedTrainer({ networks: trainer.networks, phases: [dPhase, poisoned], batch: (i) => ({ real: tf.randomNormal([32, 2], 0, 1, 'float32', i) }) });
  await guarded.run({ steps: 3, progress: false });
  const before = weightsOf(generator);
  const result = await guarded.run({ steps: 10, progress: false });
  t.is(result.stoppedBy, 'diverged');
  t.regex(result.message!, /diverged at step 3: gLoss \(phase 'g'\) is NaN/);
  t.is(guarded.step, 3, 'the diverged step is not counted');
  t.deepEqual(weightsOf(generator), before, 'G was not updated with NaN gradients');
  t.throws(() => guarded.trainStep(), { instanceOf: train.TrainingDivergedError });
  trainer.dispose();
  dispose(generator, discriminator);
});

test.serial('checkpoint round trip: a fresh trainer reproduces outputs exactly and resumes the same run', async (t) => {
  const dir = tmpDir('ckpt');
  const a = toyTrainer(9);
  await a.trainer.run({ steps: 4, progress: false });
  await a.trainer.saveCheckpoint(dir);
  const z = tf.randomNormal([8, 4], 0, 1, 'float32', 3);
  const expectedImages = a.generator.predict(z) as tf.Tensor;
  const expectedLogits = a.discriminator.predict(expectedImages) as tf.Tensor;

  const b = toyTrainer(9, { modelSeed: 99 }); // the same data, other initial weights
  await b.trainer.loadCheckpoint(dir);
  t.is(b.trainer.step, 4);
  t.deepEqual(b.trainer.history.map((r) => r.gLoss), a.trainer.history.map((r) => r.gLoss));
  const images = b.generator.predict(z) as tf.Tensor;
  t.deepEqual(Array.from(images.dataSync()), Array.from(expectedImages.dataSync()));
  t.deepEqual(Array.from((b.discriminator.predict(images) as tf.Tensor).dataSync()), Array.from(expectedLogits.dataSync()));

  // Optimizer state and the seeded noise come back too: both continue identically.
  await a.trainer.run({ steps: 3, progress: false });
  await b.trainer.run({ steps: 3, progress: false });
  t.deepEqual(b.trainer.history.slice(4).map((r) => [r.dLoss, r.gLoss]), a.trainer.history.slice(4).map((r) => [r.dLoss, r.gLoss]));
  t.deepEqual(weightsOf(b.generator), weightsOf(a.generator));

  // Loading again into a trained trainer frees the optimizer state it replaces.
  const live = tf.memory().numTensors;
  await b.trainer.loadCheckpoint(dir);
  t.is(tf.memory().numTensors, live);
  tf.dispose([z, expectedImages, expectedLogits, images]);
  [a, b].forEach((x) => {
    x.trainer.dispose();
    dispose(x.generator, x.discriminator);
  });
  fs.rmSync(dir, { recursive: true, force: true });
});

test.serial('loadCheckpoint names the network, layer and weight whose shape differs, and changes nothing', async (t) => {
  const dir = tmpDir('mismatch');
  const a = toyTrainer(10);
  await a.trainer.saveCheckpoint(dir);
  const b = toyTrainer(11, { units: [16, 24] });
  const before = weightsOf(b.discriminator);
  const error = await t.throwsAsync(b.trainer.loadCheckpoint(dir));
  t.regex(error!.message, /network 'generator', layer 'g_dense2', weight 'kernel' has shape \[16, 24\], the checkpoint's .* has \[16, 16\]/);
  t.deepEqual(weightsOf(b.discriminator), before, 'nothing was loaded');
  await t.throwsAsync(b.trainer.loadCheckpoint(path.join(dir, 'nowhere')), { message: /no checkpoint in .*nowhere \(checkpoint.json is missing\)/ });
  [a, b].forEach((x) => {
    x.trainer.dispose();
    dispose(x.generator, x.discriminator);
  });
  fs.rmSync(dir, { recursive: true, force: true });
});

test.serial('a crash between the steps of a save leaves the previous checkpoint; the next save cleans up', async (t) => {
  const dir = tmpDir('crash');
  const a = toyTrainer(12);
  await a.trainer.run({ steps: 2, progress: false });
  await a.trainer.saveCheckpoint(dir);
  const saved = weightsOf(a.generator);
  // Simulate saves killed at each stage: a half-written temporary snapshot, a complete but
  // never-committed snapshot, and a half-written pointer file.
  const [snapshot] = fs.readdirSync(dir).filter((f) => f.startsWith('step-'));
  fs.mkdirSync(path.join(dir, 'step-000009-zzz.tmp-999999'));
  fs.writeFileSync(path.join(dir, 'step-000009-zzz.tmp-999999', 'weights.bin'), Buffer.alloc(10));
  fs.cpSync(path.join(dir, snapshot), path.join(dir, 'step-000008-zzz'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'checkpoint.json.tmp-999999'), '{"format":');
  await a.trainer.run({ steps: 2, progress: false });

  const b = toyTrainer(13);
  await b.trainer.loadCheckpoint(dir);
  t.is(b.trainer.step, 2);
  t.deepEqual(weightsOf(b.generator), saved);
  await a.trainer.saveCheckpoint(dir);
  const left = fs.readdirSync(dir).sort();
  t.is(left.length, 2, `one snapshot and the pointer remain, got ${left.join(', ')}`);
  t.true(left.includes('checkpoint.json'));
  [a, b].forEach((x) => {
    x.trainer.dispose();
    dispose(x.generator, x.discriminator);
  });
  fs.rmSync(dir, { recursive: true, force: true });
});

test.serial('a save killed by SIGKILL at either commit point leaves the previous checkpoint loadable', async (t) => {
  const child = path.join(__dirname, 'fixtures', 'checkpoint-saver.ts');
  for (const stage of ['snapshot', 'pointer']) {
    const dir = tmpDir(`killed-${stage}`);
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, stage], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errors = '';
    proc.stderr.on('data', (chunk) => (errors += chunk));
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('frozen') && !proc.killed) proc.kill('SIGKILL'); // the child is inside its second save
    });
    const deadline = setTimeout(() => proc.kill('SIGKILL'), 120_000); // never outlive the test
    await new Promise<void>((resolve) => proc.on('exit', () => resolve()));
    clearTimeout(deadline);
    const lines = out.trim().split('\n');
    t.is(lines[lines.length - 1], `frozen ${stage}`, `the kill landed inside a save: ${lines.slice(-3).join(' | ')} ${errors.slice(-2000)}`);
    const saved = lines.filter((l) => l.startsWith('saved')).map((l) => Number(l.split(' ')[1]));
    t.is(saved.length, 1, 'exactly one save completed before the killed one');
    // The temporary snapshot (and, at the pointer stage, the renamed but uncommitted one) is on disk.
    t.true(fs.readdirSync(dir).length > 2, `leftovers of the killed save: ${fs.readdirSync(dir).join(', ')}`);
    const restored = await onBackend('cpu', async () => {
      const trainer = bigCheckpointTrainer();
      await trainer.loadCheckpoint(dir);
      const step = trainer.step;
      trainer.dispose();
      Object.values(trainer.networks).forEach((m) => m.dispose());
      return step;
    });
    t.is(restored, saved[0], `${stage}: the checkpoint of the completed save loads`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('batchSampler: batch i depends on i only, and an epoch visits every row once', (t) => {
  const rows = tf.range(0, 10, 1, 'int32');
  const sample = train.batchSampler({ rows }, { batchSize: 3, seed: 2 });
  const ids = (i: number) => {
    const b = sample(i);
    const v = Array.from(b.rows.dataSync());
    b.rows.dispose();
    return v;
  };
  const epoch0 = [0, 1, 2].flatMap(ids);
  t.is(new Set(epoch0).size, 9, '3 batches of 3 from 10 rows: 9 distinct rows');
  t.deepEqual(ids(4), ids(4));
  t.deepEqual(ids(1), epoch0.slice(3, 6), 'asking again, out of order, gives the same batch');
  t.notDeepEqual([3, 4, 5].flatMap(ids), epoch0, 'the next epoch is shuffled anew');
  t.throws(() => train.batchSampler({ rows }, { batchSize: 11 }), { message: /batchSize must be an integer in 1..10 \(the number of rows\), got 11/ });
  rows.dispose();
});

test.serial('learning-rate schedules are applied per step; optimizers may not be shared', (t) => {
  const { trainer, generator, discriminator } = toyTrainer(14);
  const [dPhase, gPhase] = trainer.phases;
  const decayed = new train.PhasedTrainer({
    networks: trainer.networks,
    phases: [{ ...dPhase, learningRate: (step) => 1e-3 / (step + 1) }, gPhase],
    batch: (i) => ({ real: tf.randomNormal([32, 2], 0, 1, 'float32', i) }),
  });
  decayed.trainStep();
  decayed.trainStep();
  t.is((dPhase.optimizer as unknown as { learningRate: number }).learningRate, 1e-3 / 2);
  t.throws(() => new train.PhasedTrainer({ networks: trainer.networks, phases: [dPhase, { ...gPhase, optimizer: dPhase.optimizer }], batch: () => ({}) }), {
    message: /phase 'g' shares its optimizer with another phase/,
  });
  t.throws(() => new train.PhasedTrainer({ networks: trainer.networks, phases: [{ ...gPhase, trains: ['critic'] }], batch: () => ({}) }), {
    message: /phase 'g' trains 'critic', which is not one of the networks \(generator, discriminator\)/,
  });
  trainer.dispose();
  dispose(generator, discriminator);
});

test('linearDecay: constant for the first half, then linear down to the floor', (t) => {
  const schedule = train.linearDecay({ learningRate: 1e-3, steps: 100 });
  t.is(schedule(0), 1e-3);
  t.is(schedule(50), 1e-3);
  t.true(Math.abs(schedule(75) - 5e-4) < 1e-12);
  t.true(Math.abs(schedule(100) - 5e-5) < 1e-12, 'never below 5% of the rate');
  t.throws(() => train.linearDecay({ learningRate: 1e-3, steps: 0 }), { message: /linearDecay: options.steps must be a positive finite number, got 0/ });
  t.throws(() => train.linearDecay({ learningRate: 1e-3, steps: 100, floor: undefined, decaySteps: 10 } as never), { message: /linearDecay: unknown option 'decaySteps'/ });
  const third = train.linearDecay({ learningRate: 1e-3, steps: 90, decayShare: 1 / 3, floor: undefined }); // undefined keeps the default floor
  t.is(third(60), 1e-3);
  t.true(Math.abs(third(90) - 5e-5) < 1e-12);
});

test('cosineDecay: from the rate at step 0 to the final rate at the last step, half a cosine between', (t) => {
  const cosine = train.cosineDecay({ learningRate: 2e-3, finalLearningRate: 1e-4, steps: 100 });
  t.is(cosine(0), 2e-3);
  t.true(Math.abs(cosine(50) - (2e-3 + 1e-4) / 2) < 1e-15);
  t.true(Math.abs(cosine(100) - 1e-4) < 1e-15);
  t.true(Math.abs(cosine(150) - 1e-4) < 1e-15, 'stays at the final rate');
  t.is(train.cosineDecay({ learningRate: 1, steps: 2 })(2), 0, 'final rate 0 by default');
  t.throws(() => train.cosineDecay({ learningRate: 1e-3, steps: 1.5 }), { message: /cosineDecay: options.steps must be a positive integer, got 1.5/ });
});

test('the progress line shows steps, rate, values and an ETA', (t) => {
  const line = formatProgress('ring GAN', { done: 250, total: 1000, elapsed: 25, step: 1250, record: { step: 1249, seconds: 30, dLoss: 1.2345, gLoss: 0.8 } });
  t.is(line, 'ring GAN: step 1250 | 250/1000 steps | 10.0 steps/s | dLoss 1.234 gLoss 0.800 | ETA 1m 15s');
  t.is(formatSeconds(3725), '1h 2m');
  const timed = formatProgress('x', { done: 10, elapsed: 5, budget: 60, step: 10, record: {} });
  t.regex(timed, /ETA 55s$/);
  t.truthy(losses && models);
});
