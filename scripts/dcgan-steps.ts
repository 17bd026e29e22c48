/**
 * Quality against training *steps* for one DCGAN configuration: the measurement behind the
 * settings of `npm run train:dcgan`. Steps, unlike seconds, do not depend on how busy the
 * machine is, so configurations compare fairly on shared cores; the time per step is reported
 * next to them (with the load average) to turn a step count into a time budget.
 *
 *   npx tsx scripts/dcgan-steps.ts --name base --steps 3000 --every 250 [options]
 *
 * Options: --dataset mnist|fashion, --conditional, --filters F (32), --kernel k (4), --batch B (32),
 * --lr-d (4e-4), --lr-g (4e-4), --beta1 (0.5), --smoothing s (0), --d-steps k (1),
 * --conditioning planes|projection|both, --ema 0.99,0.999 (EMA copies of G to measure besides G itself), --seed S (0),
 * --info L (InfoGAN: a 10-category code, lambda_I = L; unconditional), --loss non-saturating|lsgan|hinge,
 * --clusters K (self-conditioned: a conditional DCGAN given the k-means cluster of each training image, no labels).
 * Writes results/dcgan/steps-<name>.json.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend, data, metrics, models, train } from '../src/index';

function value(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args[i + 1];
}
function number(args: string[], name: string, fallback: number): number {
  const v = Number(value(args, name, String(fallback)));
  if (!Number.isFinite(v) || v < 0) throw new Error(`dcgan-steps: --${name} must be a non-negative number, got '${value(args, name, '')}'`);
  return v;
}

async function main() {
  const args = process.argv.slice(2);
  const name = value(args, 'name', 'run');
  const dataset = value(args, 'dataset', 'mnist') as 'mnist' | 'fashion';
  const clusters = number(args, 'clusters', 0);
  const conditional = args.includes('--conditional') || clusters > 0;
  const info = args.includes('--info');
  const steps = number(args, 'steps', 3000);
  const every = number(args, 'every', 250);
  const settings = {
    dataset,
    conditional,
    filters: number(args, 'filters', 32),
    kernelSize: number(args, 'kernel', 4),
    batchSize: number(args, 'batch', 32),
    discriminatorLearningRate: number(args, 'lr-d', 4e-4),
    generatorLearningRate: number(args, 'lr-g', 4e-4),
    beta1: number(args, 'beta1', 0.5),
    labelSmoothing: number(args, 'smoothing', 0),
    discriminatorSteps: number(args, 'd-steps', 1),
    emaDecays: value(args, 'ema', '0.99,0.999').split(',').filter((s) => s !== '').map(Number),
    labelConditioning: value(args, 'conditioning', 'planes') as models.DcganOptions['labelConditioning'],
    seed: number(args, 'seed', 0),
    clusters,
    informationWeight: info ? number(args, 'info', 1) : undefined,
    loss: value(args, 'loss', 'non-saturating') as train.AdversarialLossName,
  };
  await initBackend();
  const set = await data.loadDataset(dataset, { range: [-1, 1] });
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
  const trainer = train.createLossVariantTrainer({
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
  const rows: Array<Record<string, number | string>> = [];
  const format = (r: train.QualityRecord) =>
    `${(100 * r.recognisability).toFixed(1)}% rare ${(100 * r.smallestShare).toFixed(1)}% F ${r.frechet.toFixed(1)}` +
    (r.conditionalAccuracy === undefined ? '' : ` cond ${(100 * r.conditionalAccuracy).toFixed(1)}%`) +
    (r.codePurity === undefined ? '' : ` purity ${(100 * r.codePurity).toFixed(1)}% codes->${r.codeClasses!.join('')}`);
  while (trainer.step < steps) {
    await trainer.run({ steps: Math.min(every, steps - trainer.step), callbacks: [ema], progress: false });
    const msPerStep = (1000 * trainer.seconds) / trainer.step;
    const load = os.loadavg()[0];
    const measured = [{ decay: 0, model: generator }, ...averages].map((a) => ({ decay: a.decay, record: train.measureGenerator(a.model, judge, { step: trainer.step, ...measureOptions }) }));
    for (const m of measured) rows.push({ ema: m.decay, msPerStep, load, ...m.record });
    const last = trainer.history[trainer.history.length - 1];
    const infoLosses = last.gInfo === undefined ? '' : ` dInfo ${last.dInfo.toFixed(3)} gInfo ${last.gInfo.toFixed(3)}`;
    console.log(`${name} step ${trainer.step} (${msPerStep.toFixed(0)} ms/step, load ${load.toFixed(1)})${infoLosses}: ` + measured.map((m) => `[${m.decay || 'G'}] ${format(m.record)}`).join('  '));
  }
  const midpoints = conditional || info ? undefined : [{ decay: 0, model: generator }, ...averages].map((a) => ({ decay: a.decay, ...train.midpointQuality(a.model, judge) }));
  for (const m of midpoints ?? []) {
    console.log(`[${m.decay || 'G'}] midpoints of ${m.pairs.different} pairs of different digits: ${(100 * m.recognisability.different).toFixed(1)}% recognisable; of ${m.pairs.same} pairs of the same digit: ${(100 * m.recognisability.same).toFixed(1)}%`);
  }
  const dir = path.join(__dirname, '..', 'results', 'dcgan');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `steps-${name}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ name, settings, backend: tf.getBackend(), command: process.argv.slice(2).join(' '), rows, midpoints }, null, 2));
  fs.renameSync(`${file}.tmp`, file);
  console.log(`wrote ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
