/**
 * Does it matter how G's batch norm is run when sampling? `train.measureGenerator` samples in
 * inference mode (batch norm uses its moving statistics, momentum 0.9), while G trains with the
 * statistics of each batch. This trains one DCGAN and measures the same G at every check four
 * ways: moving statistics (predict); batch statistics on batches of 64 and of 250 (apply with
 * training: true, the moving statistics restored afterwards); and statistics re-estimated as
 * the plain average over 20 batches of 64 ("re-estimating BN statistics").
 *
 *   npx tsx scripts/dcgan-batchnorm-modes.ts [--filters 32] [--steps 1000] [--every 500] [--lr 4e-4]
 */
import * as os from 'os';
import { tf, initBackend, data, metrics, models, train } from '../src/index';

const option = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};

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
    const z = models.sampleLatent(1000, latentSize, train.DEFAULT_QUALITY_TRACKING_OPTIONS.seed); // [1000, latent]
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < 1000; start += batchSize) {
      parts.push(generator.apply(z.slice([start, 0], [Math.min(batchSize, 1000 - start), latentSize]), { training: true }) as tf.Tensor);
    }
    return data.toUnit(tf.concat(parts)); //                                                   [1000, 28, 28, 1]
  });
  restoreStatistics(generator, saved);
  const quality = metrics.sampleQuality(images, { judge });
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
  const record = train.measureGenerator(generator, judge);
  restoreStatistics(generator, saved);
  return record;
}

async function main() {
  await initBackend();
  const set = await data.loadDataset('mnist', { range: [-1, 1] });
  const judge = await metrics.judge('mnist');
  const filters = option('filters', 32);
  const generator = models.buildDcganGenerator({ filters, seed: 0 });
  const discriminator = models.buildDcganDiscriminator({ filters, seed: 0 });
  const trainer = train.createLossVariantTrainer({ generator, discriminator, data: set.train.images, learningRate: option('lr', 4e-4), seed: 0 });
  const format = (r: { recognisability: number; smallestShare: number; frechet: number }) =>
    `${(100 * r.recognisability).toFixed(1)}% rare ${(100 * r.smallestShare).toFixed(1)}% F ${r.frechet.toFixed(1)}`;
  const steps = option('steps', 1000);
  while (trainer.step < steps) {
    await trainer.run({ steps: Math.min(option('every', 500), steps - trainer.step), progress: false });
    const msPerStep = (1000 * trainer.seconds) / trainer.step;
    console.log(
      `step ${trainer.step} (${msPerStep.toFixed(0)} ms/step, load ${os.loadavg()[0].toFixed(1)}): moving ${format(train.measureGenerator(generator, judge))}` +
        ` | batch 64 ${format(measureWithBatchStatistics(generator, judge, 64))} | batch 250 ${format(measureWithBatchStatistics(generator, judge, 250))}` +
        ` | re-estimated 20 x 64 ${format(measureWithReestimatedStatistics(generator, judge, 20))}`,
    );
  }
  trainer.dispose();
  judge.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
