/**
 * No leaks anywhere: every trainer and every metric leaves tf.memory().numTensors the same after
 * many calls as after a few. A few calls first, because some state is made on first use (Adam's
 * moment slots on the first update, a history buffer until it is full); then the count of live
 * tensors, then many more calls, then the same count again.
 *
 * CASES lists one or more cases per function, by its bare name (a trainer factory of `train`, a
 * function of `metrics`, or a generator metric that still lives in `train`). The last test fails
 * when such a function has neither a case nor an entry in EXEMPT with the reason: a new trainer
 * or metric cannot be added without one. Shapes are tiny; the whole file takes seconds.
 */
import test from 'ava';
import { tf, initBackend, data, losses, metrics, models, train } from '../src/index';

/** What a case measures: `call` is repeated; `dispose` frees what `make` built. */
interface Subject {
  call: () => unknown | Promise<unknown>;
  dispose: () => void;
}

interface LeakCase {
  /** The function's bare name ('createGanTrainer', 'sampleQuality'), as the completeness check finds it. */
  fn: string;
  /** What distinguishes this case from the function's others ('wgan-gp', 'conditional'). */
  variant?: string;
  /** Calls before counting (default 2). */
  warmUp?: number;
  /** Calls after counting (default 6). */
  more?: number;
  make: () => Subject | Promise<Subject>;
}

/** Trainer factories: every `train` export named create…Trainer. */
const TRAINER_FACTORY = /^create\w*Trainer$/;
/** Generator metrics (in `metrics`, listed so that the completeness check names them if they move). */
const GENERATOR_METRICS = ['measureGenerator', 'trackQuality', 'midpointQuality', 'codePurity', 'evaluateElbo'];

/** Functions without a case, and why. */
const EXEMPT: Record<string, string> = {
  judgeDir: 'returns a folder name; no tensors',
};

let judge: metrics.Judge;

test.before(async () => {
  await initBackend({ verbose: false });
  judge = await metrics.judge('mnist'); // the cached judge; loading it is not what is measured
});

test.after.always(() => judge?.dispose());

const CASES: LeakCase[] = [];
const add = (c: LeakCase) => CASES.push(c);

// --------------------------------------------------------------------------------- fixtures

/** An MLP GAN on 4 x 4 images: G z[2] -> 4 -> [4, 4, 1] (tanh), D [4, 4, 1] -> 4 -> 1 logit. */
const tinyGan = { latentSize: 2, imageShape: [4, 4, 1] as [number, number, number], generatorUnits: [4], discriminatorUnits: [4] };
/** A DCGAN with 4 filters (28 x 28 images, the smallest its builders make). */
const tinyDcgan = { filters: 4, latentSize: 8, seed: 1 };

const images = (n: number, [h, w, c]: [number, number, number], low: number, seed: number) => tf.randomUniform([n, h, w, c], low, 1, 'float32', seed) as tf.Tensor4D;
const disposeAll = (...things: Array<tf.Tensor | tf.LayersModel | { dispose(): void }>) => things.forEach((x) => x.dispose());

// --------------------------------------------------------------------------------- trainers

for (const variant of ['plain', 'batch norm, 2 D steps, schedule', 'EMA of G', 'conditional'] as const) {
  add({
    fn: 'createGanTrainer',
    variant,
    make: () => {
      const conditional = variant === 'conditional';
      const builder = { ...tinyGan, batchNorm: variant !== 'plain', ...(conditional ? { numClasses: 3 } : {}) };
      const generator = conditional ? models.buildCganGenerator(builder) : models.buildGanGenerator(builder);
      const discriminator = conditional ? models.buildCganDiscriminator(builder) : models.buildGanDiscriminator(builder);
      const emaGenerator = variant === 'EMA of G' ? models.buildGanGenerator(builder) : undefined;
      const real = images(16, [4, 4, 1], -1, 1);
      const labels = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32');
      const trainer = train.createGanTrainer({
        generator, discriminator, emaGenerator, data: real, labels: conditional ? labels : undefined, batchSize: 4, seed: 1,
        ...(variant === 'batch norm, 2 D steps, schedule' ? { discriminatorSteps: 2, learningRateSchedule: train.linearDecay({ learningRate: 1e-3, steps: 20 }) } : {}),
      });
      return { call: () => trainer.trainStep(), dispose: () => disposeAll(trainer, generator, discriminator, real, labels, ...(emaGenerator ? [emaGenerator] : [])) };
    },
  });
}

add({
  fn: 'createGanTrainer',
  variant: 'run (the loop, with a callback)',
  warmUp: 1,
  more: 2,
  make: () => {
    const generator = models.buildGanGenerator(tinyGan);
    const discriminator = models.buildGanDiscriminator(tinyGan);
    const real = images(16, [4, 4, 1], -1, 1);
    const trainer = train.createGanTrainer({ generator, discriminator, data: real, batchSize: 4 });
    const callback: train.TrainingCallback = { every: 1, call: () => undefined };
    return { call: () => trainer.run({ steps: 3, progress: false, callbacks: [callback] }), dispose: () => disposeAll(trainer, generator, discriminator, real) };
  },
});

for (const variant of [...losses.ADVERSARIAL_LOSS_NAMES, 'EMA of G', 'InfoGAN', "conditional, fakeLabels 'data'"]) {
  add({
    fn: 'createGanTrainer',
    variant: `DCGAN, ${variant}`,
    make: () => {
      const loss = (losses.ADVERSARIAL_LOSS_NAMES as readonly string[]).includes(variant) ? (variant as losses.AdversarialLossName) : 'non-saturating';
      const discriminatorNorm = loss === 'wgan-gp' ? ('none' as const) : ('batch' as const);
      const conditional = variant.startsWith('conditional');
      const info = variant === 'InfoGAN';
      const generator = info ? models.buildInfoDcganGenerator(tinyDcgan) : conditional ? models.buildConditionalDcganGenerator(tinyDcgan) : models.buildDcganGenerator(tinyDcgan);
      const discriminator = info
        ? models.buildInfoDcganDiscriminator(tinyDcgan)
        : conditional
          ? models.buildConditionalDcganDiscriminator({ ...tinyDcgan, discriminatorNorm })
          : models.buildDcganDiscriminator({ ...tinyDcgan, discriminatorNorm });
      const emaGenerator = variant === 'EMA of G' ? models.buildDcganGenerator(tinyDcgan) : undefined;
      const real = images(8, [28, 28, 1], -1, 2);
      const labels = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');
      const trainer = train.createGanTrainer({
        generator, discriminator, emaGenerator, data: real, loss, batchSize: 2, seed: 3,
        ...(conditional ? { labels, fakeLabels: 'data' as const } : {}),
      });
      return { call: () => trainer.trainStep(), dispose: () => disposeAll(trainer, generator, discriminator, real, labels, ...(emaGenerator ? [emaGenerator] : [])) };
    },
  });
}

for (const conditional of [false, true]) {
  add({
    fn: 'createVaeTrainer',
    variant: conditional ? 'conditional' : 'plain',
    make: () => {
      const vae = models.buildVae({ imageShape: [4, 4, 1], latentSize: 2, hiddenUnits: 4, ...(conditional ? { numClasses: 3 } : {}) });
      const pixels = images(16, [4, 4, 1], 0, 3);
      const labels = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32');
      const trainer = train.createVaeTrainer({ vae, images: pixels, labels: conditional ? labels : undefined, batchSize: 4 });
      return { call: () => trainer.trainStep(), dispose: () => disposeAll(trainer, vae.encoder, vae.decoder, pixels, labels) };
    },
  });
}

for (const objective of ['full', 'l1', 'gan', 'full, EMA of G, decay'] as const) {
  add({
    fn: 'createPix2PixTrainer',
    variant: objective,
    make: () => {
      const model = models.createPix2Pix({ imageSize: 8, generatorFilters: 2, discriminatorFilters: 2, dropoutSteps: 0 });
      const emaGenerator = objective.startsWith('full,') ? models.unetGenerator(model.options) : undefined;
      const inputs = images(8, [8, 8, 1], -1, 4);
      const targets = images(8, [8, 8, 1], -1, 5);
      const trainer = train.createPix2PixTrainer({
        model, inputs, targets, objective: objective === 'l1' || objective === 'gan' ? objective : 'full', batchSize: 2,
        ...(emaGenerator ? { emaGenerator, emaDecay: 0.5, decaySteps: 10 } : {}),
      });
      return { call: () => trainer.trainStep(), dispose: () => disposeAll(trainer, model.generator, model.discriminator, inputs, targets, ...(emaGenerator ? [emaGenerator] : [])) };
    },
  });
}

for (const cycle of [true, false]) {
  add({
    fn: 'createCycleGanTrainer',
    variant: cycle ? 'with the cycle' : 'GAN alone',
    warmUp: 3, // the history buffers fill up first (4 images each, 2 per step)
    more: 3,
    make: () => {
      const model = models.createCycleGan({ imageSize: 8, channelsA: 1, channelsB: 1, generatorFilters: 2, residualBlocks: 1, discriminatorFilters: 2 });
      const a = images(8, [8, 8, 1], -1, 6);
      const b = images(8, [8, 8, 1], -1, 7);
      const cycleGan = train.createCycleGanTrainer({ model, domainA: a, domainB: b, constantSteps: 4, decaySteps: 8, batchSize: 2, cycle, bufferSize: 4 });
      const { generatorAB, generatorBA, discriminatorA, discriminatorB } = model;
      return { call: () => cycleGan.trainer.trainStep(), dispose: () => disposeAll(cycleGan, generatorAB, generatorBA, discriminatorA, discriminatorB, a, b) };
    },
  });
}

// --------------------------------------------------------------------------------- generator metrics

/** An MLP generator of 28 x 28 digits (what the judge reads), untrained. */
const digitGenerator = (conditional: boolean) =>
  conditional ? models.buildCganGenerator({ latentSize: 2, generatorUnits: [4], batchNorm: false, numClasses: 10 }) : models.buildGanGenerator({ latentSize: 2, generatorUnits: [4], batchNorm: false });

for (const conditional of [false, true]) {
  add({
    fn: 'measureGenerator',
    variant: conditional ? 'conditional' : 'unconditional',
    more: 3,
    make: () => {
      const generator = digitGenerator(conditional);
      return { call: () => metrics.measureGenerator(generator, judge, { count: 20 }), dispose: () => generator.dispose() };
    },
  });
}
add({
  fn: 'trackQuality',
  more: 3,
  make: () => {
    const generator = digitGenerator(false);
    const tracker = metrics.trackQuality({ judge, generator, count: 20, every: 1 });
    const trainer = { step: 0, seconds: 0 } as unknown as train.PhasedTrainer<tf.TensorContainer>;
    const record = {} as train.HistoryRecord; // not read by the callback
    return { call: () => tracker.callback.call(trainer, record), dispose: () => generator.dispose() };
  },
});
add({
  fn: 'midpointQuality',
  more: 3,
  make: () => {
    // confidence 0: every sample counts as recognised, so there are pairs and their midpoints are judged too.
    const generator = digitGenerator(false);
    return { call: () => metrics.midpointQuality(generator, judge, { count: 20, confidence: 0 }), dispose: () => generator.dispose() };
  },
});
add({ fn: 'codePurity', make: () => ({ call: () => metrics.codePurity([0, 1, 1, 0], [3, 4, 4, 3], 2, 10), dispose: () => undefined }) });
add({
  fn: 'evaluateElbo',
  make: () => {
    const vae = models.buildVae({ imageShape: [4, 4, 1], latentSize: 2, hiddenUnits: 4 });
    const pixels = images(10, [4, 4, 1], 0, 8);
    return { call: () => metrics.evaluateElbo(vae, pixels, { batchSize: 4 }), dispose: () => disposeAll(vae.encoder, vae.decoder, pixels) };
  },
});

// --------------------------------------------------------------------------------- metrics

/** Two batches of 16 x 16 images in [0, 1] (SSIM needs at least 11 pixels a side). */
function imagePair(): { a: tf.Tensor4D; b: tf.Tensor4D; dispose: () => void } {
  const a = images(2, [16, 16, 1], 0, 9);
  const b = images(2, [16, 16, 1], 0, 10);
  return { a, b, dispose: () => tf.dispose([a, b]) };
}
for (const fn of ['mse', 'psnr', 'ssim'] as const) {
  add({
    fn,
    make: () => {
      const { a, b, dispose } = imagePair();
      return { call: () => metrics[fn](a, b), dispose };
    },
  });
}
add({
  fn: 'translationScores',
  make: () => {
    const { a, b, dispose } = imagePair();
    const [outputs, targets] = [data.toRange(a, 'unit', 'symmetric'), data.toRange(b, 'unit', 'symmetric')];
    return { call: () => metrics.translationScores(outputs, targets, { range: 'symmetric' }), dispose: () => (dispose(), tf.dispose([outputs, targets])) };
  },
});
add({ fn: 'gaussianStats', make: () => ({ call: () => metrics.gaussianStats([0, 1, 2, 3, 4, 6], 3, 2), dispose: () => undefined }) });
add({
  fn: 'frechetDistance',
  make: () => {
    const a = metrics.gaussianStats([0, 1, 2, 3, 4, 6], 3, 2);
    const b = metrics.gaussianStats([1, 1, 2, 5, 4, 7], 3, 2);
    return { call: () => metrics.frechetDistance(a, b), dispose: () => undefined };
  },
});
add({ fn: 'buildJudgeModel', make: () => ({ call: () => metrics.buildJudgeModel().dispose(), dispose: () => undefined }) });
add({ fn: 'judgeLearningRate', make: () => ({ call: () => metrics.judgeLearningRate({ learningRate: 1e-3, learningRateSchedule: 'cosine', finalLearningRate: 1e-5 }, 3, 10), dispose: () => undefined }) });
add({
  fn: 'judge',
  variant: 'load from the cache, classify, probabilities, features, dispose',
  warmUp: 1,
  more: 2,
  make: () => {
    const digits = images(4, [28, 28, 1], 0, 11);
    return {
      call: async () => {
        const loaded = await metrics.judge('mnist');
        loaded.classify(digits);
        tf.dispose([loaded.probabilities(digits), loaded.features(digits)]);
        loaded.dispose();
      },
      dispose: () => digits.dispose(),
    };
  },
});
add({
  fn: 'trainJudge',
  variant: '64 images, 1 epoch',
  warmUp: 1,
  more: 1,
  make: () => ({
    call: async () => (await metrics.trainJudge('mnist', { trainLimit: 64, epochs: 1, verbose: false })).model.dispose(),
    dispose: () => undefined,
  }),
});
for (const fn of ['randomFlip', 'randomAffine', 'noiseImages'] as const) {
  add({
    fn,
    make: () => {
      const digits = images(4, [28, 28, 1], 0, 12);
      let seed = 0;
      const random = () => ((seed = (seed * 9301 + 49297) % 233280) / 233280);
      const augmentation = { maxShift: 2, maxRotation: 10, maxScale: 0.1 };
      const call = () =>
        tf.dispose(fn === 'randomFlip' ? metrics.randomFlip(digits, random) : fn === 'randomAffine' ? metrics.randomAffine(digits, augmentation, random) : metrics.noiseImages(digits, 4, random));
      return { call, dispose: () => digits.dispose() };
    },
  });
}
for (const fn of ['knnAccuracy', 'silhouetteScore'] as const) {
  add({
    fn,
    make: () => {
      const points = tf.tensor2d([[0, 0], [0, 1], [5, 5], [5, 6], [0, 0.5], [5, 5.5]]);
      const labels = [0, 0, 1, 1, 0, 1];
      const call = () => (fn === 'knnAccuracy' ? metrics.knnAccuracy(points, labels, points, labels, 3) : metrics.silhouetteScore(points, labels));
      return { call, dispose: () => points.dispose() };
    },
  });
}
for (const variant of ['unit', 'symmetric, labels and reference'] as const) {
  add({
    fn: 'sampleQuality',
    variant,
    more: 3,
    make: () => {
      const unit = images(20, [28, 28, 1], 0, 14);
      const symmetric = tf.tidy(() => data.toRange(unit, 'unit', 'symmetric'));
      const labels = Array.from({ length: 20 }, (_, i) => i % 10);
      const call = () =>
        variant === 'unit' ? metrics.sampleQuality(unit, { judge }) : metrics.sampleQuality(symmetric, { judge, labels, reference: symmetric, range: 'symmetric' });
      return { call, dispose: () => tf.dispose([unit, symmetric]) };
    },
  });
}
add({
  fn: 'featureStats',
  more: 3,
  make: () => {
    const digits = images(20, [28, 28, 1], 0, 15);
    return { call: () => metrics.featureStats(judge, digits), dispose: () => digits.dispose() };
  },
});
add({
  fn: 'midtoneFraction',
  make: () => {
    const digits = images(2, [28, 28, 1], 0, 16);
    return { call: () => metrics.midtoneFraction(digits), dispose: () => digits.dispose() };
  },
});
add({
  fn: 'formatQuality',
  make: () => {
    const digits = images(20, [28, 28, 1], 0, 17);
    const quality = metrics.sampleQuality(digits, { judge });
    digits.dispose();
    return { call: () => metrics.formatQuality(quality), dispose: () => undefined };
  },
});
add({
  fn: 'trainDomainClassifier',
  variant: 'train, then probabilityB and shareB',
  warmUp: 1,
  more: 2,
  make: () => {
    const a = images(8, [8, 8, 3], 0, 18);
    const b = images(8, [8, 8, 3], 0, 19);
    return {
      call: async () => {
        const classifier = await metrics.trainDomainClassifier(a, b, { epochs: 1, batchSize: 4 });
        classifier.probabilityB(a);
        classifier.shareB(b);
        classifier.dispose();
      },
      dispose: () => tf.dispose([a, b]),
    };
  },
});

// --------------------------------------------------------------------------------- the tests

/** Live tensors after the warm-up calls and after the rest. */
async function countAround(c: LeakCase): Promise<{ before: number; after: number; warmUp: number; more: number }> {
  const subject = await c.make();
  try {
    const warmUp = c.warmUp ?? 2;
    const more = c.more ?? 6;
    for (let i = 0; i < warmUp; i++) await subject.call();
    const before = tf.memory().numTensors;
    for (let i = 0; i < more; i++) await subject.call();
    return { before, after: tf.memory().numTensors, warmUp, more };
  } finally {
    subject.dispose();
  }
}

for (const c of CASES) {
  const name = c.variant ? `${c.fn} (${c.variant})` : c.fn;
  test.serial(`${name}: as many tensors after many calls as after a few`, async (t) => {
    const { before, after, warmUp, more } = await countAround(c);
    t.is(after, before, `${name} leaked ${after - before} tensor(s) over ${more} calls (${before} live after ${warmUp} calls, ${after} after ${warmUp + more})`);
  });
}

test.serial('the count sees a leak of one tensor per call', async (t) => {
  const leaked: tf.Tensor[] = [];
  const { before, after } = await countAround({ fn: 'leaky', make: () => ({ call: () => leaked.push(tf.scalar(1)), dispose: () => undefined }) });
  t.is(after - before, 6);
  tf.dispose(leaked);
});

/** The functions that must have a case: trainer factories and metrics, wherever they live now. */
function measuredFunctions(): string[] {
  const functionsOf = (namespace: object) => Object.entries(namespace).filter(([, value]) => typeof value === 'function').map(([key]) => key);
  const metricNames = functionsOf(metrics);
  const trainNames = functionsOf(train);
  const factories = [...trainNames, ...metricNames].filter((name) => TRAINER_FACTORY.test(name));
  return [...new Set([...factories, ...metricNames, ...GENERATOR_METRICS])];
}

test('every trainer factory and every metric has a leak case, or a reason in EXEMPT', (t) => {
  const covered = new Set(CASES.map((c) => c.fn));
  const names = measuredFunctions();
  const missing = names.filter((name) => !covered.has(name) && !(name in EXEMPT));
  t.deepEqual(missing, [], 'functions with neither a leak case nor an exemption: add a case to CASES');
  const exported = (name: string) => typeof (metrics as Record<string, unknown>)[name] === 'function' || typeof (train as Record<string, unknown>)[name] === 'function';
  const stale = [...covered, ...Object.keys(EXEMPT), ...GENERATOR_METRICS].filter((name) => !exported(name));
  t.deepEqual([...new Set(stale)], [], 'cases, exemptions or generator metrics for names that are no longer exported by metrics or train');
  // GAN, (loss variants,) VAE, Pix2Pix, CycleGAN: the pattern still finds the factories.
  t.true(names.filter((name) => TRAINER_FACTORY.test(name)).length >= 4, 'the trainer factories were found');
  t.log(`${names.length} functions: ${names.filter((n) => covered.has(n)).length} with ${CASES.length} cases, ${Object.keys(EXEMPT).length} exempt`);
});
