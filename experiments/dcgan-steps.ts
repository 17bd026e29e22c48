/**
 * Quality against training *steps* for one DCGAN configuration: the measurement behind the
 * settings of `npm run experiment -- dcgan-runs`. Steps, unlike seconds, do not depend on how busy the
 * machine is, so configurations compare fairly on shared cores; the time per step is reported
 * next to them (with the load average) to turn a step count into a time budget.
 *
 *   npm run experiment -- dcgan-steps --name base --steps 3000 --every 250 [options]
 *
 * Options: --dataset mnist|fashion, --conditional, --filters F (32), --kernel k (4), --batch B (32),
 * --lr-d (4e-4), --lr-g (4e-4), --beta1 (0.5), --smoothing s (0), --d-steps k (1),
 * --conditioning planes|projection|both, --ema 0.99,0.999 (EMA copies of G to measure besides G itself), --seed S (0),
 * --info L (InfoGAN: a 10-category code, lambda_I = L; unconditional), --loss non-saturating|lsgan|hinge|…,
 * --clusters K (self-conditioned: a conditional DCGAN given the k-means cluster of each training image, no labels).
 * Writes results/dcgan/steps-<name>.json. Records, at the last step, for G and each EMA copy
 * (ema0_99, ema0_999): dcgan-steps.<name>.<G|emaD>.recognisable, .smallestShare (%), .frechet,
 * .conditionalAccuracy and .codePurity (%) when measured; dcgan-steps.<name>.msPerStep; and with
 * --info, dcgan-steps.<name>.codeCrossEntropy (nats, the mean of the last 100 steps).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend, data, losses, metrics, models, train, course } from '../src/index';
import { parseCommand, run } from '../scripts/args';
import { keyPart } from '../scripts/ledger';
import { writeFileAtomic } from '../src/files';

const parseSettings = () =>
  parseCommand('dcgan-steps', process.argv.slice(2), {
  flags: {
    name: { kind: 'string', default: 'run', help: 'the run: results/dcgan/steps-NAME.json and the keys dcgan-steps.NAME.…' },
    dataset: { kind: 'string', default: 'mnist', choices: ['mnist', 'fashion'], help: 'training data' },
    conditional: { kind: 'boolean', help: 'a conditional DCGAN (given the labels)' },
    filters: { kind: 'positiveInteger', default: 32, help: 'filters of G and D' },
    kernel: { kind: 'positiveInteger', default: 4, help: 'convolution kernel size' },
    batch: { kind: 'positiveInteger', default: 32, help: 'images per batch' },
    'lr-d': { kind: 'positive', default: 4e-4, help: "D's Adam learning rate" },
    'lr-g': { kind: 'positive', default: 4e-4, help: "G's Adam learning rate" },
    beta1: { kind: 'nonNegative', default: 0.5, help: 'Adam beta1' },
    smoothing: { kind: 'nonNegative', default: 0, help: 'one-sided label smoothing' },
    'd-steps': { kind: 'positiveInteger', default: 1, help: 'D updates per G update' },
    conditioning: { kind: 'string', default: 'planes', choices: ['planes', 'projection', 'both'], help: 'how the conditional D sees the label' },
    ema: { kind: 'numbers', default: [0.99, 0.999], help: 'EMA decays of the copies of G measured besides G' },
    seed: { kind: 'nonNegativeInteger', default: 0, help: 'seed of weights, batches and noise' },
    info: { kind: 'nonNegative', help: 'InfoGAN: a 10-category code with lambda_I = L (unconditional)' },
    loss: { kind: 'string', default: 'non-saturating', choices: [...losses.ADVERSARIAL_LOSS_NAMES], help: 'adversarial loss' },
    clusters: { kind: 'nonNegativeInteger', default: 0, help: 'self-conditioned: condition on K k-means clusters of the training images (no labels)' },
    steps: { kind: 'positiveInteger', default: 3000, help: 'training steps' },
    every: { kind: 'positiveInteger', default: 250, help: 'steps between checks' },
  },
  });

async function main() {
  const args = parseSettings();
  const name = args.name;
  const key = keyPart(name);
  const dataset = args.dataset as 'mnist' | 'fashion';
  const clusters = args.clusters;
  const conditional = args.conditional || clusters > 0;
  const info = args.info !== undefined;
  const steps = args.steps;
  const every = args.every;
  const settings = {
    dataset,
    conditional,
    filters: args.filters,
    kernelSize: args.kernel,
    batchSize: args.batch,
    discriminatorLearningRate: args['lr-d'],
    generatorLearningRate: args['lr-g'],
    beta1: args.beta1,
    labelSmoothing: args.smoothing,
    discriminatorSteps: args['d-steps'],
    emaDecays: [...args.ema],
    labelConditioning: args.conditioning as models.DcganOptions['labelConditioning'],
    seed: args.seed,
    clusters,
    informationWeight: args.info,
    loss: args.loss as losses.AdversarialLossName,
  };
  await initBackend();
  const set = await data.loadDataset(dataset, { range: 'symmetric' });
  const judge = await metrics.judge(dataset);
  const options = { filters: settings.filters, kernelSize: settings.kernelSize, seed: settings.seed, labelConditioning: settings.labelConditioning, numClasses: clusters || 10 };
  let labels = set.train.labels;
  let measureOptions: { clusters?: Int32Array } = {};
  if (clusters > 0) {
    const found = data.kMeans(set.train.images, clusters, { seed: settings.seed });
    found.centroids.dispose();
    labels = tf.tensor1d(found.assignments, 'int32');
    measureOptions = { clusters: data.proportionalLabels(found.sizes, 1000) }; // clusters as often as in the data
    console.log(`k-means: ${clusters} clusters in ${found.iterations} iterations, sizes ${Math.min(...found.sizes)}..${Math.max(...found.sizes)}`);
  }
  const build = () =>
    conditional ? models.buildConditionalDcganGenerator(options) : info ? models.buildInfoDcganGenerator(options) : models.buildDcganGenerator(options);
  const generator = build();
  const discriminator = conditional
    ? models.buildConditionalDcganDiscriminator(options)
    : info ? models.buildInfoDcganDiscriminator(options) : models.buildDcganDiscriminator(options);
  const averages = settings.emaDecays.map((decay) => ({ decay, model: build() }));
  averages.forEach((a) => train.copyWeights(a.model, generator));
  const trainer = train.createGanTrainer({
    generator,
    discriminator,
    data: set.train.images,
    labels: conditional ? labels : undefined,
    fakeLabels: clusters > 0 ? 'data' : 'uniform',
    batchSize: settings.batchSize,
    discriminatorLearningRate: settings.discriminatorLearningRate,
    generatorLearningRate: settings.generatorLearningRate,
    beta1: settings.beta1,
    labelSmoothing: settings.labelSmoothing,
    discriminatorSteps: settings.discriminatorSteps,
    seed: settings.seed,
    loss: settings.loss,
    informationWeight: settings.informationWeight,
  });
  const ema = { every: 1, call: () => averages.forEach((a) => train.updateEma(a.model, generator, { decay: a.decay })) };
  const rows: Array<Record<string, unknown>> = [];
  const format = (r: metrics.QualityRecord) =>
    `${(100 * r.recognisability).toFixed(1)}% rare ${(100 * r.smallestShare).toFixed(1)}% F ${r.frechet.toFixed(1)}` +
    (r.conditionalAccuracy === undefined ? '' : ` cond ${(100 * r.conditionalAccuracy).toFixed(1)}%`) +
    (r.codePurity === undefined ? '' : ` purity ${(100 * r.codePurity).toFixed(1)}% codes->${r.codeClasses!.join('')}`);
  while (trainer.step < steps) {
    await trainer.run({ steps: Math.min(every, steps - trainer.step), callbacks: [ema], progress: false });
    const msPerStep = (1000 * trainer.seconds) / trainer.step;
    const load = os.loadavg()[0];
    const measured = [{ decay: 0, model: generator }, ...averages].map((a) => ({ decay: a.decay, record: metrics.measureGenerator(a.model, judge, { step: trainer.step, ...measureOptions }) }));
    for (const m of measured) rows.push({ ema: m.decay, msPerStep, load, ...m.record });
    const last = trainer.history[trainer.history.length - 1];
    const infoLosses = last.gInfo === undefined ? '' : ` dInfo ${last.dInfo.toFixed(3)} gInfo ${last.gInfo.toFixed(3)}`;
    console.log(`${name} step ${trainer.step} (${msPerStep.toFixed(0)} ms/step, load ${load.toFixed(1)})${infoLosses}: ` + measured.map((m) => `[${m.decay || 'G'}] ${format(m.record)}`).join('  '));
  }
  const final = rows.filter((r) => r.step === trainer.step);
  for (const r of final) {
    const who = r.ema === 0 ? 'G' : `ema${keyPart(r.ema as number)}`;
    const label = `${name}, ${r.ema === 0 ? 'G' : `EMA ${r.ema}`} after ${trainer.step} steps`;
    const pct = (field: string, what: string) =>
      typeof r[field] === 'number' && course.record(`dcgan-steps.${key}.${who}.${field === 'recognisability' ? 'recognisable' : field}`, 100 * (r[field] as number), { unit: '%', digits: 1, label: `${label}, ${what}` });
    pct('recognisability', 'recognisable');
    pct('smallestShare', 'rarest class share');
    pct('conditionalAccuracy', 'conditional accuracy');
    pct('codePurity', 'code purity');
    course.record(`dcgan-steps.${key}.${who}.frechet`, r.frechet as number, { digits: 2, label: `${label}, judge-Fréchet` });
  }
  course.record(`dcgan-steps.${key}.msPerStep`, (1000 * trainer.seconds) / trainer.step, { unit: ' ms', digits: 0, label: `${name}, training time per step` });
  if (info) {
    // Q's cross-entropy on the codes in D's phase, averaged over the last 100 steps (ln 10 = 2.30 nats when Q guesses)
    const tail = trainer.history.slice(-100).map((h) => h.dInfo);
    course.record(`dcgan-steps.${key}.codeCrossEntropy`, tail.reduce((a, b) => a + b, 0) / tail.length, { unit: ' nats', digits: 3, label: `${name}, Q's code cross-entropy (last 100 steps)` });
  }
  const midpoints = conditional || info ? undefined : [{ decay: 0, model: generator }, ...averages].map((a) => ({ decay: a.decay, ...metrics.midpointQuality(a.model, judge) }));
  for (const m of midpoints ?? []) {
    console.log(`[${m.decay || 'G'}] midpoints of ${m.pairs.different} pairs of different digits: ${(100 * m.recognisability.different).toFixed(1)}% recognisable; of ${m.pairs.same} pairs of the same digit: ${(100 * m.recognisability.same).toFixed(1)}%`);
  }
  const dir = path.join(__dirname, '..', 'results', 'dcgan');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `steps-${name}.json`);
  writeFileAtomic(file, JSON.stringify({ name, settings, backend: tf.getBackend(), command: process.argv.slice(2).join(' '), rows, midpoints }, null, 2));
  console.log(`wrote ${file}`);
}

run(main);
