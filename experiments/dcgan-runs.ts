/**
 * The measured DCGAN runs that lessons 05 and 06 quote. Each run trains for a budget of steps
 * (`--steps N`: the same numbers on any machine) or of training seconds (`--minutes M`, quality
 * checks excluded), measures 1,000 samples with the judge every few hundred steps, and writes
 * results/dcgan/<run>.json plus a figure (results/dcgan/<run>.html).
 *
 *   npm run experiment -- dcgan-runs mnist --steps 3000           DCGAN on MNIST (non-saturating loss)
 *   npm run experiment -- dcgan-runs mnist [--minutes 15]        the same for a time budget
 *   npm run experiment -- dcgan-runs fashion [--minutes 10]      DCGAN on Fashion-MNIST
 *   npm run experiment -- dcgan-runs conditional [--minutes 10]  conditional DCGAN on MNIST
 *   npm run experiment -- dcgan-runs self-conditioned [--minutes 15] [--clusters 50] [--dataset mnist|fashion]
 *                                                                DCGAN conditioned on k-means clusters (no labels)
 *   npm run experiment -- dcgan-runs compare [--minutes 3]       the same DCGAN with five losses, same budget and seed
 *
 * Options: --filters F (default 32), --batch B (32), --seed S (0), --every N (steps between checks),
 * --steps N (also stop after N steps; the time budget still applies), --lr-d and --lr-g (Adam
 * learning rates of D and G, default 4e-4 each), --ema d (decay of the EMA copy of G that is
 * measured next to G, default 0.999; --ema 0 for none), --conditioning planes|projection|both
 * (how the conditional D sees the label, default planes; projection for self-conditioned),
 * --clusters K (k-means clusters of the self-conditioned run, default 50), --upsampling transposed|resize
 * (G's up-sampling, default transposed), --decay s (with --steps N: hold the learning rate for the first
 * 1 - s of the N steps, then decay it linearly to 5% of itself, train.linearDecay), --save DIR (after
 * training, save G and its EMA copy as a genlab checkpoint in DIR, with DIR/run.json holding the settings
 * and the k-means cluster sizes, so that `npm run experiment -- dcgan-truncation --load DIR` measures them without
 * retraining; the results then go to results/dcgan/<basename of DIR>.json). The defaults are the recipe chosen by quality against steps (lesson 05, section 3).
 * `npm run experiment -- dcgan-steps` measures quality against steps for one setting (how these were chosen).
 *
 * Records dcgan-runs.<result>.recognisable, .smallestShare, .emaRecognisable, .emaSmallestShare,
 * .conditionalAccuracy (%), .frechet, .steps, .msPerStep, and for unconditional runs
 * .midpointsDifferent / .midpointsSame (%); compare records dcgan-runs.compare.<loss>.… alike.
 * <result> is the run's name (fashion-self-conditioned for the Fashion-MNIST self-conditioned run,
 * the folder's name with --save).
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, initBackend, data, losses, metrics, models, train, viz, course } from '../src/index';
import { parseCommand, run as runMain } from '../scripts/args';
import { keyPart } from '../scripts/ledger';
import { writeFileAtomic } from '../src/files';

type RunName = 'mnist' | 'fashion' | 'conditional' | 'self-conditioned' | 'compare';

interface RunSettings {
  dataset: 'mnist' | 'fashion';
  loss: losses.AdversarialLossName;
  conditional: boolean;
  seconds: number;
  /** Step budget (0: none); the run ends at whichever budget is reached first. */
  steps: number;
  filters: number;
  batchSize: number;
  seed: number;
  every: number;
  discriminatorLearningRate: number;
  generatorLearningRate: number;
  labelConditioning: 'planes' | 'projection' | 'both';
  /** Decay of the EMA copy of G (0: none). */
  emaDecay: number;
  /** k-means clusters that replace the labels (0: none, the labels are used when conditional). */
  clusters: number;
  /** G's up-sampling layers. */
  upsampling: 'transposed' | 'resize';
  /** Share of the step budget over which the learning rate decays linearly at the end (0: constant). */
  decayShare: number;
  /** Directory to save the trained G and its EMA copy in (undefined: not saved). */
  saveDirectory?: string;
}

interface RunOutcome {
  settings: RunSettings;
  steps: number;
  trainingSeconds: number;
  wallSeconds: number;
  backend: string;
  judge: { name: string; testAccuracy: number; training: unknown };
  records: metrics.QualityRecord[];
  final: metrics.QualityRecord;
  /** The same checks for the EMA copy of G (empty without one). */
  emaRecords: metrics.QualityRecord[];
  emaFinal?: metrics.QualityRecord;
  generator: tf.LayersModel;
  emaGenerator?: tf.LayersModel;
}

async function trainOnce(s: RunSettings, set: data.ImageDataset, judge: metrics.Judge, label: string): Promise<RunOutcome> {
  const norm = s.loss === 'wgan-gp' ? 'none' : 'batch';
  // Self-conditioning (Liu et al. 2020): the k-means cluster of each training image stands in for its label.
  let labels = s.conditional ? set.train.labels : undefined;
  let measureOptions: { clusters?: Int32Array } = {};
  let clusterSizes: number[] | undefined;
  if (s.clusters > 0) {
    const found = data.kMeans(set.train.images, s.clusters, { seed: s.seed });
    found.centroids.dispose();
    labels = tf.tensor1d(found.assignments, 'int32');
    clusterSizes = Array.from(found.sizes);
    measureOptions = { clusters: data.proportionalLabels(found.sizes, 1000) };
    console.log(`k-means: ${s.clusters} clusters of ${found.assignments.length} images in ${found.iterations} iterations, sizes ${Math.min(...found.sizes)} to ${Math.max(...found.sizes)}`);
  }
  const options = { filters: s.filters, seed: s.seed, discriminatorNorm: norm, labelConditioning: s.labelConditioning, numClasses: s.clusters || 10, upsampling: s.upsampling } as const;
  const generator = s.conditional ? models.buildConditionalDcganGenerator(options) : models.buildDcganGenerator(options);
  const discriminator = s.conditional ? models.buildConditionalDcganDiscriminator(options) : models.buildDcganDiscriminator(options);
  const emaGenerator = s.emaDecay > 0 ? (s.conditional ? models.buildConditionalDcganGenerator(options) : models.buildDcganGenerator(options)) : undefined;
  const trainer = train.createGanTrainer({
    generator,
    discriminator,
    data: set.train.images,
    labels,
    fakeLabels: s.clusters > 0 ? 'data' : 'uniform', // clusters are sampled as often as they occur
    loss: s.loss,
    batchSize: s.batchSize,
    // WGAN-GP keeps its own recipe (Adam 1e-4, 0, 0.9), set by the trainer.
    ...(s.loss === 'wgan-gp' ? {} : { discriminatorLearningRate: s.discriminatorLearningRate, generatorLearningRate: s.generatorLearningRate }),
    learningRateSchedule: s.decayShare > 0 && s.loss !== 'wgan-gp' ? train.linearDecay({ learningRate: s.generatorLearningRate, steps: s.steps, decayShare: s.decayShare }) : undefined,
    emaGenerator,
    emaDecay: s.emaDecay,
    seed: s.seed,
  });
  const records: metrics.QualityRecord[] = [metrics.measureGenerator(generator, judge, measureOptions)];
  const emaRecords: metrics.QualityRecord[] = emaGenerator ? [metrics.measureGenerator(emaGenerator, judge, measureOptions)] : [];
  const started = Date.now();
  // Train in chunks of `every` steps until the training-time budget is used, measuring after each.
  while (trainer.seconds < s.seconds && (s.steps === 0 || trainer.step < s.steps)) {
    const chunk = s.steps === 0 ? s.every : Math.min(s.every, s.steps - trainer.step);
    const result = await trainer.run({ steps: chunk, ...(Number.isFinite(s.seconds) ? { seconds: s.seconds - trainer.seconds } : {}), label, progress: false });
    const at = { step: trainer.step, seconds: trainer.seconds, ...measureOptions };
    records.push(metrics.measureGenerator(generator, judge, at));
    if (emaGenerator) emaRecords.push(metrics.measureGenerator(emaGenerator, judge, at));
    const line = (r: metrics.QualityRecord) =>
      `recognisable ${(100 * r.recognisability).toFixed(1)}%, smallest class ${(100 * r.smallestShare).toFixed(1)}%, Fréchet ${r.frechet.toFixed(2)}` +
      (r.conditionalAccuracy === undefined ? '' : `, conditional accuracy ${(100 * r.conditionalAccuracy).toFixed(1)}%`);
    const r = records[records.length - 1];
    console.log(
      `${label}: step ${r.step}, ${r.seconds.toFixed(0)} s (${((1000 * r.seconds) / Math.max(1, r.step)).toFixed(0)} ms/step): G ${line(r)}` +
        (emaGenerator ? `; EMA of G ${line(emaRecords[emaRecords.length - 1])}` : ''),
    );
    if (result.stoppedBy === 'diverged') break;
  }
  const final = records[records.length - 1];
  if (s.saveDirectory !== undefined) {
    // The settings first (atomically), then the weights (saveTrainerCheckpoint is atomic itself).
    fs.mkdirSync(s.saveDirectory, { recursive: true });
    const runFile = path.join(s.saveDirectory, 'run.json');
    writeFileAtomic(runFile, JSON.stringify({ settings: s, step: trainer.step, seconds: trainer.seconds, clusterSizes }, null, 2));
    const networks: Record<string, tf.LayersModel> = emaGenerator ? { generator, emaGenerator } : { generator };
    const saved = await train.saveTrainerCheckpoint(s.saveDirectory, { networks, optimizers: {}, step: trainer.step, seconds: trainer.seconds, seed: s.seed, history: [] });
    console.log(`saved G${emaGenerator ? ' and its EMA copy' : ''} to ${saved}`);
  }
  trainer.dispose();
  discriminator.dispose();
  if (s.clusters > 0) labels?.dispose();
  return {
    settings: s,
    steps: trainer.step,
    trainingSeconds: trainer.seconds,
    wallSeconds: (Date.now() - started) / 1000,
    backend: tf.getBackend(),
    judge: { name: judge.name, testAccuracy: judge.info.testAccuracy, training: judge.info.training },
    records,
    final,
    emaRecords,
    emaFinal: emaRecords[emaRecords.length - 1],
    generator,
    emaGenerator,
  };
}

function writeResult(name: string, result: unknown, figures: viz.Figure[]): void {
  const dir = path.join(__dirname, '..', 'results', 'dcgan');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileAtomic(file, JSON.stringify(result, null, 2));
  figures.forEach((figure, i) => viz.saveFigure(figure, path.join(dir, `${name}${i === 0 ? '' : `-${i}`}.html`)));
  console.log(`wrote ${file}`);
}

/** The run's headline numbers under dcgan-runs.<name>.…: G at the end, its EMA copy, steps and speed. */
function recordOutcome(name: string, o: RunOutcome): void {
  const key = `dcgan-runs.${name}`;
  const pct = { unit: '%', digits: 1 };
  course.record(`${key}.recognisable`, 100 * o.final.recognisability, { ...pct, label: `${name}: G, recognisable samples` });
  course.record(`${key}.smallestShare`, 100 * o.final.smallestShare, { ...pct, label: `${name}: G, rarest class share` });
  course.record(`${key}.frechet`, o.final.frechet, { digits: 2, label: `${name}: G, judge-Fréchet` });
  if (o.final.conditionalAccuracy !== undefined) course.record(`${key}.conditionalAccuracy`, 100 * o.final.conditionalAccuracy, { ...pct, label: `${name}: G, conditional accuracy` });
  if (o.emaFinal) {
    course.record(`${key}.emaRecognisable`, 100 * o.emaFinal.recognisability, { ...pct, label: `${name}: EMA of G, recognisable samples` });
    course.record(`${key}.emaSmallestShare`, 100 * o.emaFinal.smallestShare, { ...pct, label: `${name}: EMA of G, rarest class share` });
  }
  course.record(`${key}.steps`, o.steps, { digits: 0, label: `${name}: training steps` });
  course.record(`${key}.msPerStep`, (1000 * o.trainingSeconds) / o.steps, { unit: ' ms', digits: 0, label: `${name}: training time per step` });
}

const summary = (o: RunOutcome) => ({
  loss: o.settings.loss,
  steps: o.steps,
  trainingSeconds: Math.round(o.trainingSeconds),
  recognisability: o.final.recognisability,
  smallestShare: o.final.smallestShare,
  classes: o.final.classes,
  frechet: o.final.frechet,
  conditionalAccuracy: o.final.conditionalAccuracy,
  ema: o.emaFinal && {
    recognisability: o.emaFinal.recognisability,
    smallestShare: o.emaFinal.smallestShare,
    classes: o.emaFinal.classes,
    frechet: o.emaFinal.frechet,
    conditionalAccuracy: o.emaFinal.conditionalAccuracy,
  },
});

const RUNS = ['mnist', 'fashion', 'conditional', 'self-conditioned', 'compare'] as const;

async function main() {
  const args = parseCommand('dcgan-runs', process.argv.slice(2), {
    usage: 'usage: npm run experiment -- dcgan-runs mnist|fashion|conditional|self-conditioned|compare [flags]',
    positionals: { help: 'the run (default mnist)', choices: RUNS, max: 1 },
    flags: {
      minutes: { kind: 'positive', help: 'training-time budget (without --steps: default 15 for mnist and self-conditioned, 3 for compare, else 10; with --steps: none unless given)' },
      steps: { kind: 'nonNegativeInteger', default: 0, help: 'step budget (0: none); a step budget makes the run reproducible on any machine' },
      filters: { kind: 'positiveInteger', default: 32, help: 'filters of G and D' },
      batch: { kind: 'positiveInteger', default: 32, help: 'images per batch' },
      seed: { kind: 'nonNegativeInteger', default: 0, help: 'seed of weights, batches and noise' },
      every: { kind: 'positiveInteger', help: 'steps between checks (default 50 for compare, else 200)' },
      'lr-d': { kind: 'positive', default: 4e-4, help: "D's Adam learning rate" },
      'lr-g': { kind: 'positive', default: 4e-4, help: "G's Adam learning rate" },
      ema: { kind: 'nonNegative', help: 'decay of the EMA copy of G measured next to G (0: none; default 0.999, compare 0)' },
      conditioning: { kind: 'string', choices: ['planes', 'projection', 'both'], help: 'how the conditional D sees the label (default planes, projection for self-conditioned)' },
      clusters: { kind: 'positiveInteger', default: 50, help: 'k-means clusters of the self-conditioned run' },
      dataset: { kind: 'string', default: 'mnist', choices: ['mnist', 'fashion'], help: 'data set of the self-conditioned run' },
      upsampling: { kind: 'string', default: 'transposed', choices: ['transposed', 'resize'], help: "G's up-sampling" },
      decay: { kind: 'positive', help: 'with --steps N: hold the learning rate for the first 1 - s of the steps, then decay it linearly to 5%' },
      save: { kind: 'string', help: 'save G and its EMA copy as a checkpoint in DIR (for dcgan-truncation --load DIR)' },
    },
  });
  const run = (args.positionals[0] ?? 'mnist') as RunName;
  await initBackend();
  const dataset = run === 'fashion' || (run === 'self-conditioned' && args.dataset === 'fashion') ? 'fashion' : 'mnist';
  const set = await data.loadDataset(dataset, { range: 'symmetric' });
  const judge = await metrics.judge(dataset);
  const base: RunSettings = {
    dataset,
    loss: 'non-saturating',
    conditional: run === 'conditional' || run === 'self-conditioned',
    seconds: args.minutes !== undefined ? 60 * args.minutes : args.steps > 0 ? Infinity : 60 * (run === 'compare' ? 3 : run === 'mnist' || run === 'self-conditioned' ? 15 : 10),
    steps: args.steps,
    filters: args.filters,
    batchSize: args.batch,
    seed: args.seed,
    every: args.every ?? (run === 'compare' ? 50 : 200),
    discriminatorLearningRate: args['lr-d'],
    generatorLearningRate: args['lr-g'],
    labelConditioning: (args.conditioning ?? (run === 'self-conditioned' ? 'projection' : 'planes')) as RunSettings['labelConditioning'],
    clusters: run === 'self-conditioned' ? args.clusters : 0,
    emaDecay: args.ema ?? (run === 'compare' ? 0 : 0.999),
    saveDirectory: args.save,
    decayShare: args.decay ?? 0,
    upsampling: args.upsampling as RunSettings['upsampling'],
  };
  if (base.decayShare > 0 && (base.steps === 0 || base.decayShare > 1 || base.discriminatorLearningRate !== base.generatorLearningRate || base.loss === 'wgan-gp')) {
    throw new Error(`dcgan-runs: --decay s needs s in (0, 1], a step budget (--steps) and one learning rate for D and G, got s = ${base.decayShare}, --steps ${base.steps}, --lr-d ${base.discriminatorLearningRate}, --lr-g ${base.generatorLearningRate}`);
  }
  if (base.saveDirectory !== undefined && (base.saveDirectory === '' || base.saveDirectory.startsWith('--') || run === 'compare')) {
    throw new Error(`dcgan-runs: --save needs a directory and a single run (not compare), got '${base.saveDirectory}' for run '${run}'`);
  }
  if (!(base.emaDecay >= 0 && base.emaDecay < 1)) throw new Error(`dcgan-runs: --ema must be a decay in [0, 1), got '${base.emaDecay}'`);

  if (run !== 'compare') {
    const outcome = await trainOnce(base, set, judge, `dcgan ${run}`);
    const grid = tf.tidy(() => {
      const labels = Array.from({ length: 64 }, (_, i) => i % 10);
      const images =
        run === 'conditional' ? models.generateConditional(outcome.generator, labels, 7)
        : run === 'self-conditioned' ? models.generateConditional(outcome.generator, Array.from({ length: 64 }, (_, i) => (i * 7) % base.clusters), 7)
        : models.generateImages(outcome.generator, 64, 7);
      return images;
    });
    const figure = viz.imageGrid(grid, { columns: 8, range: 'symmetric', title: `DCGAN ${run}: 64 samples after ${outcome.steps} steps` });
    const curves = viz.lossCurves(
      outcome.records.map((r) => ({ step: r.step, recognisability: r.recognisability, 'smallest class share': r.smallestShare })),
      { title: `DCGAN ${run}: judged quality over training`, yLabel: 'share of 1,000 samples' },
    );
    grid.dispose();
    const { generator, emaGenerator, ...rest } = outcome;
    // Unconditional G: how recognisable is G halfway between two digits it draws?
    const midpoints = base.conditional ? undefined : metrics.midpointQuality(emaGenerator ?? generator, judge);
    if (midpoints) console.log(`midpoints (${emaGenerator ? 'EMA of G' : 'G'}): ${(100 * midpoints.recognisability.different).toFixed(1)}% recognisable between ${midpoints.pairs.different} pairs of different digits, ${(100 * midpoints.recognisability.same).toFixed(1)}% between ${midpoints.pairs.same} pairs of the same digit`);
    // A saved run's results are named after its folder, so runs saved apart are not overwritten.
    const resultName = base.saveDirectory !== undefined ? path.basename(path.resolve(base.saveDirectory))
      : run === 'self-conditioned' && dataset === 'fashion' ? 'fashion-self-conditioned' : run;
    writeResult(resultName, { ...rest, summary: summary(outcome), midpoints }, [figure, curves]);
    recordOutcome(keyPart(resultName), outcome);
    if (midpoints) {
      course.record(`dcgan-runs.${keyPart(resultName)}.midpointsDifferent`, 100 * midpoints.recognisability.different, { unit: '%', digits: 1, label: 'recognisable midpoints between different digits' });
      course.record(`dcgan-runs.${keyPart(resultName)}.midpointsSame`, 100 * midpoints.recognisability.same, { unit: '%', digits: 1, label: 'recognisable midpoints between the same digit' });
      course.record(`dcgan-runs.${keyPart(resultName)}.midpointPairsDifferent`, midpoints.pairs.different, { digits: 0, label: 'pairs of different digits' });
      course.record(`dcgan-runs.${keyPart(resultName)}.midpointPairsSame`, midpoints.pairs.same, { digits: 0, label: 'pairs of the same digit' });
    }
    console.log(JSON.stringify(summary(outcome)));
    generator.dispose();
    emaGenerator?.dispose();
  } else {
    const outcomes: RunOutcome[] = [];
    for (const loss of losses.ADVERSARIAL_LOSS_NAMES) {
      const outcome = await trainOnce({ ...base, loss }, set, judge, `compare ${loss}`);
      outcome.generator.dispose();
      outcome.emaGenerator?.dispose();
      outcomes.push(outcome);
    }
    for (const o of outcomes) recordOutcome(`compare.${keyPart(o.settings.loss)}`, o);
    const table = outcomes.map(summary);
    console.table(table.map((r) => ({ ...r, recognisability: `${(100 * r.recognisability).toFixed(1)}%`, smallestShare: `${(100 * r.smallestShare).toFixed(1)}%`, frechet: r.frechet.toFixed(2) })));
    const series = (key: 'smallestShare' | 'recognisability') =>
      outcomes.flatMap((o) => o.records.map((r) => ({ step: Math.round(r.seconds), [o.settings.loss]: r[key] })));
    const coverage = viz.lossCurves(series('smallestShare'), {
      title: 'Mode collapse, measured: share of the rarest class among 1,000 samples',
      xLabel: 'training seconds',
      yLabel: 'rarest class share (0.1 = even)',
    });
    const recognisable = viz.lossCurves(series('recognisability'), {
      title: 'Recognisable samples (judge confidence ≥ 0.9)',
      xLabel: 'training seconds',
      yLabel: 'share of 1,000 samples',
    });
    writeResult('compare', { table, runs: outcomes.map(({ generator, emaGenerator, ...rest }) => rest) }, [coverage, recognisable]);
  }
  judge.dispose();
  data.disposeDataset(set);
}

runMain(main);
