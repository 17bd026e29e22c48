/**
 * The measured VAE runs quoted in lesson 04 and the README, with the lesson's full-mode settings
 * (same seeds, same steps), on binarised MNIST:
 *
 *   quality  a VAE with a 32-D latent space: test-split ELBO in nats, judge's view of its samples,
 *            midtone fraction of samples and of real digits
 *   latent2  a VAE with a 2-D latent space: 5-NN accuracy of the test codes against the training
 *            codes, silhouette score, the scatter figure
 *   beta     beta = 0.25, 1, 4 (latent 32): test ELBO, reconstruction, KL
 *   cvae     a conditional VAE (latent 2): conditional accuracy of 1,000 samples
 *
 *   npm run experiment -- measure-vae [quality] [latent2] [beta] [cvae]     (default: all four)
 *
 * Each part writes results/vae/<part>.json and its figures into results/vae/, and records
 * measure-vae.quality.testElbo, .recognisable, .realRecognisable, .midtonesSamples, .midtonesReal;
 * measure-vae.latent2.knnAccuracy, .silhouette; measure-vae.beta.b<0_25|1|4>.testElbo,
 * .reconstruction, .kl; measure-vae.cvae.conditionalAccuracy.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, initBackend, data, models, train, metrics, viz, course } from '../src/index';
import { parseCommand, run } from '../scripts/args';
import { keyPart } from '../scripts/ledger';
import { writeFileAtomic } from '../src/files';

/** The lesson's full-mode budgets, in epochs of 80 steps (8,000 digits / 100 per batch). */
const EPOCHS = { quality: 50, latent2: 30, beta: 10, cvae: 20 };
const STEPS_PER_EPOCH = 80;
const OUT = path.resolve(__dirname, '..', 'results', 'vae');

function write(part: string, result: Record<string, unknown>): void {
  const file = path.join(OUT, `${part}.json`);
  writeFileAtomic(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`written: ${path.relative(process.cwd(), file)}`);
}

async function trainVae(vae: models.Vae, mnist: data.ImageDataset, epochs: number, label: string, conditional = false) {
  const trainer = train.createVaeTrainer({ vae, images: mnist.train.images, labels: conditional ? mnist.train.labels : undefined, seed: 0 });
  await trainer.run({ steps: epochs * STEPS_PER_EPOCH, label });
  const seconds = trainer.seconds;
  trainer.dispose();
  return seconds;
}

async function quality(mnist: data.ImageDataset) {
  const vae = models.buildVae({ latentSize: 32, seed: 0 });
  const curve: Record<string, number>[] = [];
  const trainer = train.createVaeTrainer({ vae, images: mnist.train.images, seed: 0 });
  for (let epoch = 10; epoch <= EPOCHS.quality; epoch += 10) {
    await trainer.run({ steps: 10 * STEPS_PER_EPOCH, label: `VAE latent 32 (to epoch ${epoch})` });
    const test = metrics.evaluateElbo(vae, mnist.test.images);
    const trainSubset = mnist.train.images.slice(0, 2000);
    const trainElbo = metrics.evaluateElbo(vae, trainSubset).elbo;
    trainSubset.dispose();
    curve.push({ epoch, testElbo: test.elbo, testKl: test.kl, trainElbo, seconds: trainer.seconds });
    console.log(`epoch ${epoch}: test ELBO ${test.elbo.toFixed(2)} nats (KL ${test.kl.toFixed(2)}), train ELBO ${trainElbo.toFixed(2)}, ${trainer.seconds.toFixed(0)} s`);
  }
  const seconds = trainer.seconds;
  trainer.dispose();
  const testElbo = metrics.evaluateElbo(vae, mnist.test.images);
  const judge = await metrics.judge('mnist');
  const samples = models.sampleVae(vae, 1000, { seed: 1 });
  const real = mnist.test.images.slice(0, 1000);
  const sampleQuality = metrics.sampleQuality(samples, { judge });
  const realQuality = metrics.sampleQuality(real, { judge });
  const midtones = { samples: metrics.midtoneFraction(samples), real: metrics.midtoneFraction(real) };
  console.log(`latent 32, ${EPOCHS.quality} epochs: test ELBO ${testElbo.elbo.toFixed(2)} nats`);
  console.log(`samples: ${metrics.formatQuality(sampleQuality)}`);
  console.log(`real:    ${metrics.formatQuality(realQuality)}`);
  console.log(`midtone fraction: samples ${midtones.samples.toFixed(4)}, real ${midtones.real.toFixed(4)}`);
  course.record('measure-vae.quality.testElbo', testElbo.elbo, { unit: ' nats', digits: 1, label: 'latent 32, test ELBO' });
  course.record('measure-vae.quality.recognisable', 100 * sampleQuality.recognisability, { unit: '%', digits: 1, label: 'latent 32, recognisable samples' });
  course.record('measure-vae.quality.realRecognisable', 100 * realQuality.recognisability, { unit: '%', digits: 1, label: 'real test digits, recognisable' });
  course.record('measure-vae.quality.midtonesSamples', midtones.samples, { digits: 3, label: 'midtone fraction of samples' });
  course.record('measure-vae.quality.midtonesReal', midtones.real, { digits: 3, label: 'midtone fraction of real digits' });
  viz.saveFigure(viz.imageGrid(samples.slice(0, 48), { columns: 16, title: 'Samples of the latent-32 VAE (Bernoulli means)' }), path.join(OUT, 'samples-latent32.html'));
  tf.dispose([samples, real]);
  judge.dispose();
  models.disposeVae(vae);
  write('quality', { epochs: EPOCHS.quality, seconds, testElbo, curve, sampleQuality, realQuality, midtones });
}

async function latent2(mnist: data.ImageDataset) {
  const vae = models.buildVae({ latentSize: 2, seed: 0 });
  const seconds = await trainVae(vae, mnist, EPOCHS.latent2, 'VAE latent 2');
  const trainCodes = tf.tidy(() => models.encode(vae, mnist.train.images).mean);
  const testCodes = tf.tidy(() => models.encode(vae, mnist.test.images).mean);
  const labels = Array.from(mnist.test.labels.dataSync());
  const knnAccuracy = metrics.knnAccuracy(trainCodes, mnist.train.labels, testCodes, mnist.test.labels, 5);
  const silhouette = metrics.silhouetteScore(testCodes, labels);
  const testElbo = metrics.evaluateElbo(vae, mnist.test.images);
  // The same vote, for the test digits of each class separately: which digits have a region of their own.
  const codeRows = testCodes.arraySync();
  const perClass = Array.from({ length: 10 }, (_, digit) => {
    const rows = codeRows.filter((_, i) => labels[i] === digit);
    return metrics.knnAccuracy(trainCodes, mnist.train.labels, rows, rows.map(() => digit), 5);
  });
  console.log(`latent 2, ${EPOCHS.latent2} epochs: 5-NN accuracy ${(100 * knnAccuracy).toFixed(1)}%, silhouette ${silhouette.toFixed(3)}, test ELBO ${testElbo.elbo.toFixed(2)}`);
  course.record('measure-vae.latent2.knnAccuracy', 100 * knnAccuracy, { unit: '%', digits: 1, label: 'latent 2, 5-NN accuracy of test codes' });
  course.record('measure-vae.latent2.silhouette', silhouette, { digits: 3, label: 'latent 2, silhouette' });
  console.log(`5-NN accuracy per digit: ${perClass.map((a, digit) => `${digit}: ${(100 * a).toFixed(0)}%`).join(', ')}`);
  viz.saveFigure(viz.scatter(testCodes, { labels, title: 'The 2,000 test digits in the 2-D latent space', xLabel: 'z1', yLabel: 'z2', r: 1.5 }), path.join(OUT, 'latent2-scatter.html'));
  tf.dispose([trainCodes, testCodes]);
  models.disposeVae(vae);
  write('latent2', { epochs: EPOCHS.latent2, seconds, knnAccuracy, perClass, silhouette, testElbo });
}

async function beta(mnist: data.ImageDataset) {
  const rows = [];
  for (const b of [0.25, 1, 4]) {
    const vae = models.buildVae({ latentSize: 32, beta: b, seed: 0 });
    const seconds = await trainVae(vae, mnist, EPOCHS.beta, `beta ${b}`);
    const e = metrics.evaluateElbo(vae, mnist.test.images);
    console.log(`beta ${b}: test ELBO ${e.elbo.toFixed(2)}, reconstruction ${e.reconstruction.toFixed(2)}, KL ${e.kl.toFixed(2)}`);
    const key = `measure-vae.beta.b${keyPart(b)}`;
    course.record(`${key}.testElbo`, e.elbo, { unit: ' nats', digits: 1, label: `beta ${b}, test ELBO` });
    course.record(`${key}.reconstruction`, e.reconstruction, { unit: ' nats', digits: 1, label: `beta ${b}, reconstruction` });
    course.record(`${key}.kl`, e.kl, { unit: ' nats', digits: 1, label: `beta ${b}, KL` });
    rows.push({ beta: b, seconds, ...e });
    models.disposeVae(vae);
  }
  write('beta', { epochs: EPOCHS.beta, rows });
}

async function cvae(mnist: data.ImageDataset) {
  const vae = models.buildVae({ latentSize: 2, numClasses: 10, seed: 0 });
  const seconds = await trainVae(vae, mnist, EPOCHS.cvae, 'conditional VAE', true);
  const askedFor = Array.from({ length: 1000 }, (_, i) => i % 10);
  const samples = models.sampleVae(vae, 1000, { seed: 2, labels: askedFor });
  const judge = await metrics.judge('mnist');
  const quality = metrics.sampleQuality(samples, { judge, labels: askedFor });
  const testElbo = metrics.evaluateElbo(vae, mnist.test.images, { labels: mnist.test.labels });
  if (quality.conditionalAccuracy !== undefined) {
    course.record('measure-vae.cvae.conditionalAccuracy', 100 * quality.conditionalAccuracy, { unit: '%', digits: 1, label: 'conditional VAE, samples judged as the digit asked for' });
  }
  console.log(`conditional VAE, ${EPOCHS.cvae} epochs: ${metrics.formatQuality(quality)}; test ELBO ${testElbo.elbo.toFixed(2)}`);
  tf.dispose(samples);
  judge.dispose();
  models.disposeVae(vae);
  write('cvae', { epochs: EPOCHS.cvae, seconds, quality, testElbo });
}

async function main() {
  const parts = { quality, latent2, beta, cvae };
  const names = parseCommand('measure-vae', process.argv.slice(2), {
    usage: 'usage: npm run experiment -- measure-vae [quality] [latent2] [beta] [cvae]',
    positionals: { help: 'the parts to run (default all four)', choices: Object.keys(parts) },
    flags: {},
  }).positionals;
  fs.mkdirSync(OUT, { recursive: true });
  const backend = await initBackend();
  const mnist = await data.loadMnist();
  for (const name of (names.length > 0 ? names : Object.keys(parts)) as (keyof typeof parts)[]) {
    const started = Date.now();
    await parts[name](mnist);
    console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(0)} s wall on ${backend.name}`);
  }
  data.disposeDataset(mnist);
}

run(main);
