/**
 * Does it matter how G's batch norm is run when sampling? `metrics.measureGenerator` samples in
 * inference mode (batch norm uses its moving statistics, momentum 0.9), while G trains with the
 * statistics of each batch. This trains one DCGAN and measures the same G at every check four
 * ways: moving statistics (predict); batch statistics on batches of 64 and of 250 (apply with
 * training: true, the moving statistics restored afterwards); and statistics re-estimated as
 * the plain average over 20 batches of 64 ("re-estimating BN statistics").
 *
 *   npm run experiment -- dcgan-batchnorm-modes [--filters 32] [--steps 1000] [--every 500] [--lr 4e-4]
 *
 * Records, at the last check, dcgan-batchnorm-modes.<mode>.recognisable and .smallestShare (%),
 * mode = moving, batch64, batch250, reestimated.
 */
import * as os from 'os';
import { tf, initBackend, data, metrics, models, train, course } from '../src/index';
import { parseCommand, run } from '../scripts/args';

const parseSettings = () =>
  parseCommand('dcgan-batchnorm-modes', process.argv.slice(2), {
  flags: {
    filters: { kind: 'positiveInteger', default: 32, help: 'filters of the DCGAN' },
    steps: { kind: 'positiveInteger', default: 1000, help: 'training steps' },
    every: { kind: 'positiveInteger', default: 500, help: 'steps between checks' },
    lr: { kind: 'positive', default: 4e-4, help: 'Adam learning rate of both networks' },
  },
  });

/** The non-trainable weights (batch norm's moving mean and variance), copied. */
const movingStatistics = (model: tf.LayersModel) => model.weights.filter((w) => !w.trainable).map((w) => w.read().clone());
const restoreStatistics = (model: tf.LayersModel, saved: tf.Tensor[]) => {
  model.weights.filter((w) => !w.trainable).forEach((w, i) => w.write(saved[i]));
  tf.dispose(saved);
};

/** 1,000 samples (the fixed z of measureGenerator) with batch statistics over batches of `batchSize`. */
function measureWithBatchStatistics(generator: tf.LayersModel, judge: metrics.Judge, batchSize: number) {
  const saved = movingStatistics(generator);
  const latentSize = generator.inputs[0].shape[1] as number;
  const images = tf.tidy(() => {
    const z = models.sampleLatent(1000, latentSize, metrics.DEFAULT_QUALITY_TRACKING_OPTIONS.seed); // [1000, latent]
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < 1000; start += batchSize) {
      parts.push(generator.apply(z.slice([start, 0], [Math.min(batchSize, 1000 - start), latentSize]), { training: true }) as tf.Tensor);
    }
    return tf.concat(parts); //                                                                [1000, 28, 28, 1] in [-1, 1]
  });
  restoreStatistics(generator, saved);
  const quality = metrics.sampleQuality(images, { judge, range: 'symmetric' });
  images.dispose();
  return { recognisability: quality.recognisability, smallestShare: Math.min(...quality.coverage.distribution), frechet: quality.frechet };
}

/** Moving statistics set to the plain average of `batches` batches' statistics, then measured. */
function measureWithReestimatedStatistics(generator: tf.LayersModel, judge: metrics.Judge, batches: number) {
  const saved = movingStatistics(generator);
  const layers = generator.layers.filter((l) => l.getClassName() === 'BatchNormalization') as unknown as Array<{ momentum: number }>;
  const momenta = layers.map((l) => l.momentum);
  const latentSize = generator.inputs[0].shape[1] as number;
  for (let k = 0; k < batches; k++) {
    // moving <- moving * k / (k + 1) + batch / (k + 1): after K batches, the mean of their statistics.
    layers.forEach((l) => (l.momentum = k / (k + 1)));
    tf.tidy(() => void generator.apply(models.sampleLatent(64, latentSize, 9000 + k), { training: true }));
  }
  layers.forEach((l, i) => (l.momentum = momenta[i]));
  const record = metrics.measureGenerator(generator, judge);
  restoreStatistics(generator, saved);
  return record;
}

async function main() {
  const args = parseSettings();
  await initBackend();
  const set = await data.loadDataset('mnist', { range: 'symmetric' });
  const judge = await metrics.judge('mnist');
  const filters = args.filters;
  const generator = models.buildDcganGenerator({ filters, seed: 0 });
  const discriminator = models.buildDcganDiscriminator({ filters, seed: 0 });
  const trainer = train.createGanTrainer({ generator, discriminator, data: set.train.images, learningRate: args.lr, seed: 0 });
  const format = (r: { recognisability: number; smallestShare: number; frechet: number }) =>
    `${(100 * r.recognisability).toFixed(1)}% rare ${(100 * r.smallestShare).toFixed(1)}% F ${r.frechet.toFixed(1)}`;
  const steps = args.steps;
  while (trainer.step < steps) {
    await trainer.run({ steps: Math.min(args.every, steps - trainer.step), progress: false });
    const msPerStep = (1000 * trainer.seconds) / trainer.step;
    const modes = {
      moving: metrics.measureGenerator(generator, judge),
      batch64: measureWithBatchStatistics(generator, judge, 64),
      batch250: measureWithBatchStatistics(generator, judge, 250),
      reestimated: measureWithReestimatedStatistics(generator, judge, 20),
    };
    console.log(
      `step ${trainer.step} (${msPerStep.toFixed(0)} ms/step, load ${os.loadavg()[0].toFixed(1)}): moving ${format(modes.moving)}` +
        ` | batch 64 ${format(modes.batch64)} | batch 250 ${format(modes.batch250)} | re-estimated 20 x 64 ${format(modes.reestimated)}`,
    );
    if (trainer.step >= steps) {
      for (const [mode, r] of Object.entries(modes)) {
        course.record(`dcgan-batchnorm-modes.${mode}.recognisable`, 100 * r.recognisability, { unit: '%', digits: 1, label: `${mode} statistics, recognisable after ${steps} steps` });
        course.record(`dcgan-batchnorm-modes.${mode}.smallestShare`, 100 * r.smallestShare, { unit: '%', digits: 1, label: `${mode} statistics, rarest class share` });
      }
    }
  }
  trainer.dispose();
  judge.dispose();
}

run(main);
