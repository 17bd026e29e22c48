/**
 * Usage: nice -n 10 npm run experiment -- measure-gan [--steps N] [--minutes M] [--every N] [options]
 *
 * Measures lesson 02's MNIST MLP GAN: trains one configuration with the lesson's trainer
 * (train.createGanTrainer) for a step and/or training-time budget and, every `--every` steps,
 * judges 1,000 samples (noise seed 2024, as in the lesson) of G and of its EMA copy with the
 * MNIST judge (judging time is not training time). Seeded: the same options give the same run.
 *
 *   npm run experiment -- measure-gan                          lesson 02's full run
 *   npm run experiment -- measure-gan --steps 300 --every 300  a short timing (read ms/step and the load)
 *   npm run experiment -- measure-gan --dropout 0.3 --lr-g 2e-4 --name try-dropout
 *   npm run experiment -- measure-gan --resume results/gan/NAME-checkpoint   judge a finished run again
 *
 * Options (defaults: lesson 02's settings, LESSON_02_RUN below):
 *   --g 128,256,512   G's hidden units              --d 256,128   D's hidden units
 *   --dropout R       dropout in D's hidden layers  --batch B     images per batch
 *   --lr R            Adam rate of both networks    --lr-d R / --lr-g R   D's / G's own rate (TTUR)
 *   --beta1 B         Adam beta1                    --smooth S    one-sided label smoothing
 *   --ema D           EMA decay of G's weights (0: no EMA copy)
 *   --steps N         step budget (0: none)         --minutes M   training-time budget (default 0: none;
 *                                                   9.5 is the lesson's wall-clock cap)
 *   --every N         steps between judgements      --seed S      seed of weights, batches, noise
 *   --name NAME       results/gan/NAME.json and the checkpoint results/gan/NAME-checkpoint
 *                     (default: a name built from the options)
 *   --resume DIR      start from a checkpoint this script wrote (same options): train on to
 *                     --steps, or, when it is already there, only judge it (e.g. with a new judge)
 *
 * Prints per check: recognisability, the rarest class's share and the number of classes under
 * 2%, judge-Fréchet, for G and its EMA copy; ms per training step and the load average (ms/step
 * depends on the machine's load). For scale it first prints the judge's verdict on 1,000 real
 * test digits. Run with GENLAB_WASM_THREADS=1 to measure the single-thread speed.
 *
 * Records measure-gan.<name>.recognisable, .smallestShare (%), .frechet (of the sampled generator:
 * the EMA copy when there is one), .steps, .msPerStep and .realRecognisable (%, real test digits),
 * and .previousRecognisable (%) at .previousStep, the check before the last.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend, data, metrics, models, train, course } from '../src/index';
import { parseCommand, run, UsageError } from '../scripts/args';
import { keyPart } from '../scripts/ledger';
import { writeFileAtomic } from '../src/files';

/** Lesson 02's settings (section 7): the library defaults plus the lesson's explicit options. */
const LESSON_02_RUN = {
  resume: '',
  generatorUnits: models.DEFAULT_GAN_OPTIONS.generatorUnits,
  discriminatorUnits: models.DEFAULT_GAN_OPTIONS.discriminatorUnits,
  discriminatorDropout: models.DEFAULT_GAN_OPTIONS.discriminatorDropout,
  learningRate: 1e-3,
  discriminatorLearningRate: 0,
  generatorLearningRate: 0,
  beta1: train.DEFAULT_GAN_TRAINER_OPTIONS.beta1,
  batchSize: 64,
  labelSmoothing: 0,
  emaDecay: 0.999,
  steps: 14000,
  minutes: 0,
  every: 1000,
  seed: 0,
};
type Settings = typeof LESSON_02_RUN;

function parseSettings(argv: string[]): Settings & { name?: string } {
  const d = LESSON_02_RUN;
  const a = parseCommand('measure-gan', argv, {
    flags: {
      g: { kind: 'integers', default: d.generatorUnits, help: "G's hidden units" },
      d: { kind: 'integers', default: d.discriminatorUnits, help: "D's hidden units" },
      dropout: { kind: 'nonNegative', default: d.discriminatorDropout, help: "dropout in D's hidden layers" },
      lr: { kind: 'positive', default: d.learningRate, help: 'Adam rate of both networks' },
      'lr-d': { kind: 'nonNegative', default: 0, help: "D's own rate (0: --lr)" },
      'lr-g': { kind: 'nonNegative', default: 0, help: "G's own rate (0: --lr)" },
      beta1: { kind: 'nonNegative', default: d.beta1, help: 'Adam beta1' },
      batch: { kind: 'positiveInteger', default: d.batchSize, help: 'images per batch' },
      smooth: { kind: 'nonNegative', default: d.labelSmoothing, help: 'one-sided label smoothing' },
      ema: { kind: 'nonNegative', default: d.emaDecay, help: "EMA decay of G's weights (0: no EMA copy)" },
      steps: { kind: 'nonNegativeInteger', default: d.steps, help: 'step budget (0: none)' },
      minutes: { kind: 'nonNegative', default: d.minutes, help: 'training-time budget (0: none)' },
      every: { kind: 'positiveInteger', default: d.every, help: 'steps between judgements' },
      seed: { kind: 'nonNegativeInteger', default: d.seed, help: 'seed of weights, batches, noise' },
      name: { kind: 'string', help: 'results/gan/NAME.json, the checkpoint and the keys measure-gan.NAME.…' },
      resume: { kind: 'string', default: '', help: 'start from a checkpoint this experiment wrote (same options)' },
    },
  });
  if (a.g.some((n) => n <= 0) || a.d.some((n) => n <= 0)) throw new UsageError(`measure-gan: --g and --d must be positive integers, got '${a.g}' and '${a.d}'`);
  if (a.steps === 0 && a.minutes === 0) throw new UsageError('measure-gan: give --steps or --minutes (or both)');
  return {
    resume: a.resume,
    generatorUnits: [...a.g],
    discriminatorUnits: [...a.d],
    discriminatorDropout: a.dropout,
    learningRate: a.lr,
    discriminatorLearningRate: a['lr-d'],
    generatorLearningRate: a['lr-g'],
    beta1: a.beta1,
    batchSize: a.batch,
    labelSmoothing: a.smooth,
    emaDecay: a.ema,
    steps: a.steps,
    minutes: a.minutes,
    every: a.every,
    seed: a.seed,
    name: a.name,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const describe = (r: metrics.QualityRecord) =>
  `recognisable ${pct(r.recognisability)}, rarest class ${pct(r.smallestShare)} (${10 - r.classes} under 2%), Fréchet ${r.frechet.toFixed(2)}`;

async function main() {
  const s = parseSettings(process.argv.slice(2));
  const backend = await initBackend();
  const name =
    s.name ??
    (s.resume ? `${path.basename(s.resume).replace(/-checkpoint$/, '')}-resumed` : undefined) ??
    `g${s.generatorUnits.join('-')}_d${s.discriminatorUnits.join('-')}_drop${s.discriminatorDropout}_lr${s.discriminatorLearningRate || s.learningRate}-${s.generatorLearningRate || s.learningRate}` +
      `_b${s.batchSize}_s${s.labelSmoothing}_ema${s.emaDecay}_seed${s.seed}`;
  console.log(`measure-gan ${name} (${backend.name}, ${backend.threads} thread(s)): ${JSON.stringify(s)}`);
  const mnist = await data.loadMnist({ range: 'symmetric' });
  const judge = await metrics.judge('mnist');
  const real = mnist.test.images.slice(0, 1000);
  const realQuality = metrics.sampleQuality(real, { judge, range: 'symmetric' });
  real.dispose();
  console.log(`judge mnist version ${judge.info.version} (test accuracy ${pct(judge.info.testAccuracy)}); 1,000 real test digits: ${metrics.formatQuality(realQuality)}`);

  const modelOptions = { generatorUnits: s.generatorUnits, discriminatorUnits: s.discriminatorUnits, discriminatorDropout: s.discriminatorDropout, seed: s.seed };
  const generator = models.buildGanGenerator(modelOptions);
  const discriminator = models.buildGanDiscriminator(modelOptions);
  const emaGenerator = s.emaDecay > 0 ? models.buildGanGenerator(modelOptions) : undefined;
  const trainer = train.createGanTrainer({
    generator,
    discriminator,
    emaGenerator,
    emaDecay: s.emaDecay > 0 ? s.emaDecay : undefined,
    data: mnist.train.images,
    batchSize: s.batchSize,
    learningRate: s.learningRate,
    discriminatorLearningRate: s.discriminatorLearningRate || undefined,
    generatorLearningRate: s.generatorLearningRate || undefined,
    beta1: s.beta1,
    labelSmoothing: s.labelSmoothing,
    seed: s.seed,
  });
  if (s.resume) {
    await trainer.loadCheckpoint(s.resume);
    console.log(`resumed from ${s.resume} at step ${trainer.step}`);
  }
  const startStep = trainer.step;
  console.log(`G ${generator.countParams()} parameters, D ${discriminator.countParams()}; load average ${load()}`);

  const budget = s.minutes > 0 ? 60 * s.minutes : Infinity;
  const rows: Array<{ step: number; seconds: number; msPerStep: number; load: string; live: metrics.QualityRecord; ema?: metrics.QualityRecord }> = [];
  const started = Date.now();
  let lastStep = trainer.step;
  let lastSeconds = trainer.seconds;
  const judgeNow = () => {
    const at = { step: trainer.step, seconds: trainer.seconds };
    const msPerStep = (1000 * (trainer.seconds - lastSeconds)) / Math.max(1, trainer.step - lastStep);
    const live = metrics.measureGenerator(generator, judge, at);
    const ema = emaGenerator ? metrics.measureGenerator(emaGenerator, judge, at) : undefined;
    rows.push({ ...at, msPerStep, load: load(), live, ema });
    console.log(`step ${at.step}, ${at.seconds.toFixed(0)} s (${msPerStep.toFixed(1)} ms/step, load ${load()}): G ${describe(live)}` + (ema ? ` | EMA ${describe(ema)}` : ''));
    lastStep = trainer.step;
    lastSeconds = trainer.seconds;
  };
  if (s.steps > 0 && trainer.step >= s.steps) judgeNow(); // a finished run: judge it only
  while (trainer.seconds < budget && (s.steps === 0 || trainer.step < s.steps)) {
    const chunk = s.steps === 0 ? s.every : Math.min(s.every, s.steps - trainer.step);
    const result = await trainer.run({ steps: chunk, seconds: Number.isFinite(budget) ? budget - trainer.seconds : undefined, label: name, progress: false });
    judgeNow();
    if (result.stoppedBy === 'diverged') break;
  }
  const last = rows[rows.length - 1];
  const final = last.ema ?? last.live;
  const summary = {
    name,
    judge: `mnist v${judge.info.version}`,
    realRecognisability: realQuality.recognisability,
    backend: `${backend.name}, ${backend.threads} thread(s)`,
    steps: trainer.step,
    trainingSeconds: Math.round(trainer.seconds),
    wallSeconds: Math.round((Date.now() - started) / 1000),
    msPerStep: Number(((1000 * trainer.seconds) / trainer.step).toFixed(1)),
    sampledFrom: last.ema ? 'EMA generator' : 'generator',
    recognisability: final.recognisability,
    smallestShare: final.smallestShare,
    classesUnder2pct: 10 - final.classes,
    frechet: final.frechet,
    loadAverage: load(),
  };
  console.log(
    `\n${name} (${summary.backend}, judge ${summary.judge}): ${summary.steps} steps in ${summary.trainingSeconds} s of training ` +
      `(${summary.msPerStep} ms/step, load ${summary.loadAverage})\n  ${summary.sampledFrom}: ${describe(final)}; real digits ${pct(realQuality.recognisability)}`,
  );
  const key = `measure-gan.${keyPart(name)}`;
  course.record(`${key}.recognisable`, 100 * final.recognisability, { unit: '%', digits: 1, label: `${summary.sampledFrom}, recognisable` });
  course.record(`${key}.smallestShare`, 100 * final.smallestShare, { unit: '%', digits: 1, label: `${summary.sampledFrom}, rarest class share` });
  course.record(`${key}.frechet`, final.frechet, { digits: 2, label: `${summary.sampledFrom}, judge-Fréchet` });
  course.record(`${key}.steps`, summary.steps, { digits: 0, label: 'training steps' });
  course.record(`${key}.msPerStep`, (1000 * trainer.seconds) / trainer.step, { unit: ' ms', digits: 1, label: 'training time per step' });
  course.record(`${key}.realRecognisable`, 100 * realQuality.recognisability, { unit: '%', digits: 1, label: '1,000 real test digits, recognisable' });
  if (rows.length >= 2) {
    // the check before the last: how much the score still moved over the last `every` steps
    const before = rows[rows.length - 2];
    course.record(`${key}.previousRecognisable`, 100 * (before.ema ?? before.live).recognisability, { unit: '%', digits: 1, label: `${summary.sampledFrom}, recognisable at step ${before.step}` });
    course.record(`${key}.previousStep`, before.step, { digits: 0, label: 'step of the check before the last' });
  }
  const dir = path.join(__dirname, '..', 'results', 'gan');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileAtomic(file, JSON.stringify({ settings: s, summary, rows }, null, 2) + '\n');
  if (trainer.step > startStep) await trainer.saveCheckpoint(path.join(dir, `${name}-checkpoint`));
  console.log(`written: ${path.relative(process.cwd(), file)}` + (trainer.step > startStep ? ` and ${name}-checkpoint` : ''));
  trainer.dispose();
  [generator, discriminator, emaGenerator].forEach((m) => m?.dispose());
  judge.dispose();
  data.disposeDataset(mnist);
}

run(main);
