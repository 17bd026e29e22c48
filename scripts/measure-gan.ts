/**
 * Usage: nice -n 10 npx tsx scripts/measure-gan.ts [--steps N] [--minutes M] [--every N] [options]
 *
 * Measures lesson 02's MNIST MLP GAN: trains one configuration with the lesson's trainer
 * (train.createGanTrainer) for a step and/or training-time budget and, every `--every` steps,
 * judges 1,000 samples (noise seed 2024, as in the lesson) of G and of its EMA copy with the
 * MNIST judge (judging time is not training time). Seeded: the same options give the same run.
 *
 *   npx tsx scripts/measure-gan.ts                          lesson 02's full run
 *   npx tsx scripts/measure-gan.ts --steps 300 --every 300  a short timing (read ms/step and the load)
 *   npx tsx scripts/measure-gan.ts --dropout 0.3 --lr-g 2e-4 --name try-dropout
 *   npx tsx scripts/measure-gan.ts --resume results/gan/NAME-checkpoint   judge a finished run again
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
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend, data, metrics, models, train } from '../src/index';

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

function parseArgs(args: string[]): Settings & { name?: string } {
  const s: Settings & { name?: string } = { ...LESSON_02_RUN };
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i];
    const value = args[i + 1];
    if (value === undefined) throw new Error(`measure-gan: ${key} needs a value`);
    const number = () => {
      const x = Number(value);
      if (!Number.isFinite(x) || x < 0) throw new Error(`measure-gan: ${key} must be a non-negative number, got '${value}'`);
      return x;
    };
    const units = () => {
      const list = value.split(',').map(Number);
      if (!list.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`measure-gan: ${key} must be comma-separated positive integers, got '${value}'`);
      return list;
    };
    switch (key) {
      case '--g': s.generatorUnits = units(); break;
      case '--d': s.discriminatorUnits = units(); break;
      case '--dropout': s.discriminatorDropout = number(); break;
      case '--lr': s.learningRate = number(); break;
      case '--lr-d': s.discriminatorLearningRate = number(); break;
      case '--lr-g': s.generatorLearningRate = number(); break;
      case '--beta1': s.beta1 = number(); break;
      case '--batch': s.batchSize = number(); break;
      case '--smooth': s.labelSmoothing = number(); break;
      case '--ema': s.emaDecay = number(); break;
      case '--steps': s.steps = number(); break;
      case '--minutes': s.minutes = number(); break;
      case '--every': s.every = number(); break;
      case '--seed': s.seed = number(); break;
      case '--name': s.name = value; break;
      case '--resume': s.resume = value; break;
      default: throw new Error(`measure-gan: unknown option '${key}' (see the comment at the top of scripts/measure-gan.ts)`);
    }
  }
  if (s.steps === 0 && s.minutes === 0) throw new Error('measure-gan: give --steps or --minutes (or both)');
  if (!(s.every > 0)) throw new Error(`measure-gan: --every must be positive, got ${s.every}`);
  return s;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const describe = (r: train.QualityRecord) =>
  `recognisable ${pct(r.recognisability)}, rarest class ${pct(r.smallestShare)} (${10 - r.classes} under 2%), Fréchet ${r.frechet.toFixed(2)}`;

async function main() {
  const s = parseArgs(process.argv.slice(2));
  const backend = await initBackend();
  const name =
    s.name ??
    (s.resume ? `${path.basename(s.resume).replace(/-checkpoint$/, '')}-resumed` : undefined) ??
    `g${s.generatorUnits.join('-')}_d${s.discriminatorUnits.join('-')}_drop${s.discriminatorDropout}_lr${s.discriminatorLearningRate || s.learningRate}-${s.generatorLearningRate || s.learningRate}` +
      `_b${s.batchSize}_s${s.labelSmoothing}_ema${s.emaDecay}_seed${s.seed}`;
  console.log(`measure-gan ${name} (${backend.name}, ${backend.threads} thread(s)): ${JSON.stringify(s)}`);
  const mnist = await data.loadMnist({ range: [-1, 1] });
  const judge = await metrics.judge('mnist');
  const real = tf.tidy(() => data.toUnit(mnist.test.images.slice(0, 1000)));
  const realQuality = metrics.sampleQuality(real, { judge });
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
  const rows: Array<{ step: number; seconds: number; msPerStep: number; load: string; live: train.QualityRecord; ema?: train.QualityRecord }> = [];
  const started = Date.now();
  let lastStep = trainer.step;
  let lastSeconds = trainer.seconds;
  const judgeNow = () => {
    const at = { step: trainer.step, seconds: trainer.seconds };
    const msPerStep = (1000 * (trainer.seconds - lastSeconds)) / Math.max(1, trainer.step - lastStep);
    const live = train.measureGenerator(generator, judge, at);
    const ema = emaGenerator ? train.measureGenerator(emaGenerator, judge, at) : undefined;
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
  const dir = path.join(__dirname, '..', 'results', 'gan');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ settings: s, summary, rows }, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
  if (trainer.step > startStep) await trainer.saveCheckpoint(path.join(dir, `${name}-checkpoint`));
  console.log(`written: ${path.relative(process.cwd(), file)}` + (trainer.step > startStep ? ` and ${name}-checkpoint` : ''));
  trainer.dispose();
  [generator, discriminator, emaGenerator].forEach((m) => m?.dispose());
  judge.dispose();
  data.disposeDataset(mnist);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
