/**
 * trainer.run's checkpoints (save every N steps, on interrupt and at the end; resume to the same
 * total), interrupts from code, the one-run-at-a-time guard and the live progress options.
 */
import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import { tf, initBackend, train, metrics } from '../src/index';
import { toyTrainer } from './fixtures/trainers';

test.before(async () => {
  await initBackend({ verbose: false });
});

const tmpDir = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `genlab-${name}-`));
const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));
/** The history without wall-clock seconds, which differ between runs. */
const lossesOf = (trainer: train.PhasedTrainer<any>) => trainer.history.map(({ seconds: _seconds, ...rest }) => rest);

/** Runs `body` with console.log and console.error captured; returns what they printed. */
async function captured<T>(body: () => Promise<T>): Promise<{ value: T; printed: string[] }> {
  const printed: string[] = [];
  const { log, error } = console;
  console.log = (...args: unknown[]) => void printed.push(args.join(' '));
  console.error = console.log;
  try {
    return { value: await body(), printed };
  } finally {
    console.log = log;
    console.error = error;
  }
}

function disposeAll(...xs: Array<ReturnType<typeof toyTrainer>>) {
  for (const x of xs) {
    x.trainer.dispose();
    x.generator.dispose();
    x.discriminator.dispose();
  }
}

test.serial('N steps straight = k steps, then a new trainer resuming from the checkpoint to N', async (t) => {
  const dir = tmpDir('resume');
  const straight = toyTrainer(21);
  await straight.trainer.run({ steps: 12, progress: false });

  const first = toyTrainer(21);
  const stopped = await first.trainer.run({ steps: 12, progress: false, checkpoint: { path: dir, every: 5 }, callbacks: [{ every: 7, call: () => 'stop' }] });
  t.is(stopped.stoppedBy, 'callback');
  t.is(train.checkpointStep(dir), 7, 'saved at step 5 and again when the run ended, at 7');

  const second = toyTrainer(21, { modelSeed: 77 }); // a kernel restart: other initial weights, the same data
  const { value: resumed, printed } = await captured(() => second.trainer.run({ steps: 12, progress: false, checkpoint: { path: dir, every: 5, resume: true } }));
  t.is(printed[0], `training: resumed from ${dir} at step 7 of 12`);
  t.is(resumed.steps, 5, 'only the missing steps are trained');
  t.is(second.trainer.step, 12);
  t.deepEqual(lossesOf(second.trainer), lossesOf(straight.trainer));
  t.deepEqual(weightsOf(second.generator), weightsOf(straight.generator));
  t.deepEqual(weightsOf(second.discriminator), weightsOf(straight.discriminator));
  t.is(train.checkpointStep(dir), 12);

  // Run again after the end: it loads the finished run and trains nothing.
  const third = toyTrainer(21, { modelSeed: 78 });
  const again = await captured(() => third.trainer.run({ steps: 12, progress: false, checkpoint: { path: dir, resume: true } }));
  t.is(again.value.steps, 0);
  t.deepEqual(weightsOf(third.generator), weightsOf(straight.generator));

  // Without resume, the run starts from the trainer as it is and overwrites the checkpoint.
  const fresh = toyTrainer(21);
  await fresh.trainer.run({ steps: 3, progress: false, checkpoint: { path: dir } });
  t.is(train.checkpointStep(dir), 3);
  disposeAll(straight, first, second, third, fresh);
  fs.rmSync(dir, { recursive: true, force: true });
});

test.serial('a corrupt checkpoint is reported with its path, and nothing is trained', async (t) => {
  const dir = tmpDir('corrupt');
  const a = toyTrainer(22);
  await a.trainer.run({ steps: 3, progress: false, checkpoint: { path: dir } });
  const snapshot = fs.readdirSync(dir).find((f) => f.startsWith('step-'))!;
  const weights = path.join(dir, snapshot, 'weights.bin');
  const bytes = fs.readFileSync(weights);
  bytes[10] ^= 0xff;
  fs.writeFileSync(weights, bytes);
  const b = toyTrainer(22);
  const before = weightsOf(b.generator);
  await t.throwsAsync(b.trainer.run({ steps: 10, progress: false, checkpoint: { path: dir, resume: true } }), {
    message: new RegExp(`^loadTrainerCheckpoint: ${weights.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is corrupt: its sha256 is [0-9a-f]{12}…, [0-9a-f]{12}… was written; save it again: re-run the training that saves it`),
  });
  t.is(b.trainer.step, 0);
  t.deepEqual(weightsOf(b.generator), before);
  fs.writeFileSync(path.join(dir, 'checkpoint.json'), '{"format": "genlab-checkp');
  await t.throwsAsync(b.trainer.run({ steps: 10, progress: false, checkpoint: { path: dir, resume: true } }), {
    message: new RegExp(`^checkpointStep: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/checkpoint\\.json is truncated: the JSON stops at line 1 after 25 bytes; save it again`),
  });
  disposeAll(a, b);
  fs.rmSync(dir, { recursive: true, force: true });
});

test.serial('an interrupt stops the run after the current step, saves the checkpoint and says so in one line', async (t) => {
  const dir = tmpDir('interrupt');
  const straight = toyTrainer(23);
  await straight.trainer.run({ steps: 10, progress: false });

  const a = toyTrainer(23);
  const { value: result, printed } = await captured(() =>
    a.trainer.run({
      steps: 10,
      progress: false,
      label: 'toy GAN',
      checkpoint: { path: dir, every: 100, resume: true },
      callbacks: [{ every: 4, call: () => void train.interruptTraining() }],
    }),
  );
  t.is(result.stoppedBy, 'interrupt');
  t.is(a.trainer.step, 4, 'stopped before the next step');
  t.deepEqual(printed, [`toy GAN: interrupted at step 4 of 10: the networks keep what they learned (saved in ${dir}); run the cell again to continue`]);
  t.is(train.checkpointStep(dir), 4, 'saved when interrupted');

  // Outside a kernel there is no cell to stop: the next run trains again, here to the same total.
  const b = toyTrainer(23, { modelSeed: 5 });
  await captured(() => b.trainer.run({ steps: 10, progress: false, checkpoint: { path: dir, every: 100, resume: true } }));
  t.deepEqual(lossesOf(b.trainer), lossesOf(straight.trainer));
  t.deepEqual(weightsOf(b.generator), weightsOf(straight.generator));
  t.is(train.interruptTraining(), 0, 'no loop is running now');
  disposeAll(straight, a, b);
  fs.rmSync(dir, { recursive: true, force: true });
});

test.serial('a trainer runs one loop at a time; options are checked', async (t) => {
  const a = toyTrainer(24);
  const first = a.trainer.run({ steps: 5, progress: false });
  await t.throwsAsync(a.trainer.run({ steps: 5, progress: false }), { message: /^run: this trainer is already training/ });
  await first;
  t.is(a.trainer.step, 5);
  await t.notThrowsAsync(a.trainer.run({ steps: 1, progress: false }), 'free again once the first run ended');
  await t.throwsAsync(a.trainer.run({ steps: 1, checkpoint: { path: '' } }), { message: /^run: options.checkpoint.path must be a directory/ });
  await t.throwsAsync(a.trainer.run({ steps: 1, checkpoint: { path: 'x', every: 0 } }), { message: /^run: options.checkpoint.every must be a positive integer, got 0/ });
  await t.throwsAsync(a.trainer.run({ steps: 1, progress: { every: -1 } }), { message: /^run: options.progress.every must be a positive number of seconds, got -1/ });
  await t.throwsAsync(a.trainer.run({ steps: 1, progress: 'yes' as unknown as 'auto' }), { message: /^run: options.progress must be 'auto', false or \{ every, figure \}/ });
  disposeAll(a);
});

test.serial('the progress line is refreshed at most every `every` seconds', async (t) => {
  const a = toyTrainer(25);
  const { printed } = await captured(() => a.trainer.run({ seconds: 1.2, label: 'toy', progress: { every: 0.3 } }));
  const lines = printed.filter((l) => l.startsWith('toy: step'));
  t.true(lines.length >= 1 && lines.length <= 4, `${lines.length} refreshes in 1.2 s`);
  t.regex(printed[printed.length - 1], /^toy: \d+ steps in \d+s \([\d.]+ steps\/s\), now at step \d+; stopped by time$/);
  disposeAll(a);
});

test.serial('judge training stops at an interrupt, caches nothing and says so in one line', async (t) => {
  const timer = setTimeout(() => train.interruptTraining(), 300);
  const error = await t.throwsAsync(metrics.trainJudge('mnist', { trainLimit: 512, epochs: 50, verbose: false }), { instanceOf: train.TrainingInterrupted });
  clearTimeout(timer);
  t.regex(error!.message, /^trainJudge: training of the mnist judge interrupted at epoch \d+ of 50: nothing is cached/);
  t.is(util.inspect(error), error!.message, 'printed without a stack trace');
});
