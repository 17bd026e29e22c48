import test from 'ava';
import { tf, initBackend, data, metrics, models, train } from '../src/index';
import { assertNoLeak } from './helpers';
import { isInfoGenerator } from '../src/models/dcgan';

test.before(async () => {
  await initBackend({ verbose: false });
});

/**
 * A stand-in judge: the class of an image is floor(10 * mean pixel), clipped to 0..9, with
 * confidence 1; its "features" are the mean pixel of each image quadrant.
 */
function fakeJudge(): metrics.Judge {
  const features = (images: tf.Tensor) =>
    tf.tidy(() => tf.avgPool(images as tf.Tensor4D, 14, 14, 'valid').reshape([images.shape[0], 4]) as tf.Tensor2D);
  const values = tf.tidy(() => features(tf.randomUniform([200, 28, 28, 1], 0, 1, 'float32', 1)).dataSync());
  const reference = metrics.gaussianStats(values, 200, 4);
  return {
    name: 'mnist',
    info: {} as metrics.JudgeInfo,
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    model: undefined as unknown as tf.LayersModel,
    reference,
    classify: (images: tf.Tensor) => {
      const means = tf.tidy(() => images.mean([1, 2, 3]).dataSync());
      const labels = Array.from(means, (m) => Math.min(9, Math.max(0, Math.floor(10 * m))));
      return { labels, confidences: labels.map(() => 1) };
    },
    probabilities: () => {
      throw new Error('not used');
    },
    features,
    dispose: () => undefined,
  };
}

/** A "generator" whose image brightness is sigmoid(sum of z): every class appears. */
function brightnessGenerator(conditional: boolean): tf.LayersModel {
  const z = tf.input({ shape: [4] });
  const label = tf.input({ shape: [10] });
  const input = conditional ? (tf.layers.concatenate().apply([z, label]) as tf.SymbolicTensor) : z;
  const dense = tf.layers.dense({ units: 784, activation: 'tanh', kernelInitializer: 'ones', biasInitializer: 'zeros' });
  const image = tf.layers.reshape({ targetShape: [28, 28, 1] }).apply(dense.apply(input)) as tf.SymbolicTensor;
  return tf.model({ inputs: conditional ? [z, label] : z, outputs: image });
}

test.serial('measureGenerator: judged shares, rarest class and conditional accuracy of fixed-z samples', async (t) => {
  const judge = fakeJudge();
  const generator = brightnessGenerator(false);
  let record!: metrics.QualityRecord;
  await assertNoLeak(t, () => {
    record = metrics.measureGenerator(generator, judge, { count: 500, seed: 3, step: 7, seconds: 1.5 });
  }, 'measureGenerator');
  // Recompute the class shares by hand from the same z.
  const z = models.sampleLatent(500, 4, 3);
  const brightness = tf.tidy(() => z.sum(1).mul(1).tanh().add(1).div(2).dataSync()); // toUnit(tanh(sum z)) per image
  const counts = new Array(10).fill(0);
  brightness.forEach((b) => counts[Math.min(9, Math.max(0, Math.floor(10 * b)))]++);
  t.is(record.step, 7);
  t.is(record.seconds, 1.5);
  t.is(record.recognisability, 1);
  t.true(Math.abs(record.smallestShare - Math.min(...counts) / 500) < 1e-9);
  t.is(record.classes, counts.filter((c) => c / 500 >= 0.02).length);
  t.true(record.frechet > 0);
  t.is(record.conditionalAccuracy, undefined);
  z.dispose();
  generator.dispose();

  // A conditional generator ignoring its label: accuracy = share of samples whose class is i % 10.
  const conditional = brightnessGenerator(true);
  tf.tidy(() => {
    const kernel = conditional.layers[3].getWeights()[0];
    const mask = tf.concat([tf.ones([4, 784]), tf.zeros([10, 784])]); // the label rows get weight 0
    conditional.layers[3].setWeights([kernel.mul(mask), conditional.layers[3].getWeights()[1]]);
  });
  const c = metrics.measureGenerator(conditional, judge, { count: 500, seed: 3 });
  const expected = Array.from(brightness).filter((b, i) => Math.min(9, Math.max(0, Math.floor(10 * b))) === i % 10).length / 500;
  t.true(Math.abs((c.conditionalAccuracy ?? -1) - expected) < 1e-9, `${c.conditionalAccuracy} vs ${expected}`);
  conditional.dispose();
});

test.serial('trackQuality records one measurement every `every` steps', async (t) => {
  const judge = fakeJudge();
  const generator = models.buildDcganGenerator({ filters: 4, latentSize: 4 });
  const discriminator = models.buildDcganDiscriminator({ filters: 4 });
  const data = tf.randomUniform([8, 28, 28, 1], -1, 1, 'float32', 2);
  const trainer = train.createGanTrainer({ generator, discriminator, data, batchSize: 4 });
  const tracker = metrics.trackQuality({ judge, generator, every: 2, count: 50 });
  await trainer.run({ steps: 6, callbacks: [tracker.callback], progress: false });
  t.deepEqual(tracker.records.map((r) => r.step), [2, 4, 6]);
  t.true(tracker.records.every((r) => r.seconds > 0 && r.recognisability >= 0 && r.recognisability <= 1));
  t.throws(() => metrics.trackQuality({ judge, generator, every: 0 }), { message: /options.every must be a positive integer, got 0/ });
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  data.dispose();
});

test('codePurity: per code, the share of its samples judged as its most common class, averaged over codes', (t) => {
  // code 0: classes 3, 3, 3, 5 -> 3/4; code 1: 7, 7 -> 1; code 2: 1, 2, 1 -> 2/3 (hand-computed)
  const codes = [0, 0, 0, 0, 1, 1, 2, 2, 2];
  const judged = [3, 3, 5, 3, 7, 7, 1, 2, 1];
  const { codePurity, codeClasses } = metrics.codePurity(codes, judged, 3, 10);
  t.true(Math.abs(codePurity - (3 / 4 + 1 + 2 / 3) / 3) < 1e-12);
  t.deepEqual(codeClasses, [3, 7, 1]);
  t.throws(() => metrics.codePurity([0, 1], [0], 2, 10), { message: /codes and judged must have one entry per sample, got 2 and 1/ });
});

test.serial('measureGenerator on an InfoGAN generator: codes spread evenly, purity measured, no conditional accuracy', (t) => {
  const judge = fakeJudge();
  // An untrained InfoGAN DCGAN: the fake judge's classes depend on brightness only.
  const generator = models.buildInfoDcganGenerator({ filters: 4, latentSize: 4 });
  t.true(isInfoGenerator(generator));
  t.false(isInfoGenerator(models.buildConditionalDcganGenerator({ filters: 4, latentSize: 4 })));
  const record = metrics.measureGenerator(generator, judge, { count: 200, seed: 3 });
  t.is(record.conditionalAccuracy, undefined);
  t.is(record.codeClasses!.length, 10);
  // Recompute the purity from the same inputs by hand.
  const images = tf.tidy(() => {
    const z = models.sampleLatent(200, 4, 3);
    const codes = tf.oneHot(tf.tensor1d(Array.from({ length: 200 }, (_, i) => i % 10), 'int32'), 10).cast('float32');
    return generator.predict([z, codes]) as tf.Tensor;
  });
  const judged = judge.classify(tf.tidy(() => images.add(1).div(2))).labels;
  const expected = metrics.codePurity(Array.from({ length: 200 }, (_, i) => i % 10), judged, 10, 10);
  t.true(Math.abs(record.codePurity! - expected.codePurity) < 1e-12);
  images.dispose();
  generator.dispose();
});

test.serial('measureGenerator with clusters: the given cluster per sample, scored as unconditional samples', (t) => {
  const judge = fakeJudge();
  const generator = models.buildConditionalDcganGenerator({ filters: 4, latentSize: 4, numClasses: 3 });
  const clusters = data.proportionalLabels([1, 2, 7], 100);
  const record = metrics.measureGenerator(generator, judge, { count: 100, seed: 3, clusters });
  t.is(record.conditionalAccuracy, undefined);
  // The same as scoring the images of those inputs by hand.
  const images = tf.tidy(() => {
    const z = models.sampleLatent(100, 4, 3);
    return generator.predict([z, tf.oneHot(tf.tensor1d(clusters, 'int32'), 3).cast('float32')]) as tf.Tensor;
  });
  const byHand = metrics.sampleQuality(images, { judge, range: 'symmetric' });
  t.true(Math.abs(record.frechet - byHand.frechet) < 1e-9);
  t.is(record.smallestShare, Math.min(...byHand.coverage.distribution));
  t.throws(() => metrics.measureGenerator(generator, judge, { count: 100, clusters: [0, 1] }), { message: /options.clusters needs a conditional generator and one cluster per sample \(100\), got 2/ });
  images.dispose();
  generator.dispose();
});

test.serial('midpointQuality: recognisable samples paired in order, G judged at the midpoint of each pair, by kind of pair', async (t) => {
  // A judge sure only of brightness near the middle of its class bin: confidence 1 - 2 |frac(10 m) - 0.5|.
  const judge = fakeJudge();
  const bins = (images: tf.Tensor) => Array.from(tf.tidy(() => images.mean([1, 2, 3]).mul(10).dataSync()));
  judge.classify = (images: tf.Tensor) => {
    const scaled = bins(images);
    return { labels: scaled.map((s) => Math.min(9, Math.floor(s))), confidences: scaled.map((s) => 1 - 2 * Math.abs(s - Math.floor(s) - 0.5)) };
  };
  const generator = brightnessGenerator(false);
  let result!: metrics.MidpointQuality;
  await assertNoLeak(t, () => {
    result = metrics.midpointQuality(generator, judge, { count: 400, seed: 5, confidence: 0.6 });
  }, 'midpointQuality');
  // By hand: brightness (tanh(sum z) + 1) / 2; the midpoint's sum of z is the mean of the two sums.
  const sums = Array.from(tf.tidy(() => models.sampleLatent(400, 4, 5).sum(1).dataSync()));
  const scaled = (s: number) => 10 * ((Math.tanh(s) + 1) / 2);
  const confident = (v: number) => 1 - 2 * Math.abs(v - Math.floor(v) - 0.5) >= 0.6;
  const sure = sums.map((_, i) => i).filter((i) => confident(scaled(sums[i])));
  const tally = { different: [0, 0], same: [0, 0] };
  for (let i = 0; i + 1 < sure.length; i += 2) {
    const [a, b] = [sure[i], sure[i + 1]];
    const kind = Math.floor(scaled(sums[a])) === Math.floor(scaled(sums[b])) ? 'same' : 'different';
    tally[kind][0]++;
    if (confident(scaled((sums[a] + sums[b]) / 2))) tally[kind][1]++;
  }
  t.deepEqual(result.pairs, { different: tally.different[0], same: tally.same[0] });
  t.true(result.pairs.different > 20 && result.pairs.same > 5, JSON.stringify(result.pairs));
  t.true(Math.abs(result.recognisability.different - tally.different[1] / tally.different[0]) < 1e-12);
  t.true(Math.abs(result.recognisability.same - tally.same[1] / tally.same[0]) < 1e-12);
  t.throws(() => metrics.midpointQuality(brightnessGenerator(true), judge), { message: /generator must be unconditional \(one input, z\), got 2 inputs/ });
  generator.dispose();
});

test.serial('measureGenerator with truncation judges the images of the truncated z', async (t) => {
  const judge = fakeJudge();
  const generator = brightnessGenerator(false);
  let record!: metrics.QualityRecord;
  await assertNoLeak(t, () => {
    record = metrics.measureGenerator(generator, judge, { count: 500, seed: 3, truncation: 0.5 });
  }, 'measureGenerator(truncation)');
  // By hand: the class of each sample is floor(10 * toUnit(tanh(sum of its truncated z))).
  const shares = (truncation: number) => {
    const sums = tf.tidy(() => models.sampleLatent(500, 4, 3, { truncation }).sum(1).tanh().add(1).div(2).dataSync());
    const counts = new Array(10).fill(0);
    sums.forEach((b) => counts[Math.min(9, Math.max(0, Math.floor(10 * b)))]++);
    return counts.map((c) => c / 500);
  };
  const truncated = shares(0.5);
  t.true(Math.abs(record.smallestShare - Math.min(...truncated)) < 1e-9, `${record.smallestShare} vs ${Math.min(...truncated)}`);
  t.is(record.classes, truncated.filter((p) => p >= 0.02).length);
  // |sum of 4 components| <= 2 keeps tanh within +-0.964: the darkest and brightest classes all but vanish.
  const untruncated = metrics.measureGenerator(generator, judge, { count: 500, seed: 3 });
  t.true(record.classes < untruncated.classes, `truncation narrows the classes: ${record.classes} vs ${untruncated.classes}`);
  for (const bad of [0, -0.5]) {
    t.throws(() => metrics.measureGenerator(generator, judge, { count: 10, truncation: bad }), { message: new RegExp(`measureGenerator: options.truncation must be a positive threshold psi.*got ${bad}`) });
  }
  generator.dispose();
});
