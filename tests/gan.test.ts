import test from 'ava';
import { tf, initBackend, losses, models, data } from '../src/index';
import { assertNoLeak } from './helpers';

test.before(async () => {
  await initBackend({ verbose: false });
});

const LN2 = Math.log(2);
/** softplus in float64: log(1 + e^a), stable. */
const softplus = (a: number) => Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)));
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const value = (t: tf.Tensor) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};
const close = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test.serial('at logit 0 (D unsure) every BCE term is ln 2', (t) => {
  const zeros = tf.zeros([4, 1]);
  t.true(close(value(losses.discriminatorLoss(zeros, zeros)), 2 * LN2));
  t.true(close(value(losses.generatorLoss(zeros)), LN2), 'non-saturating: -log(1/2)');
  t.true(close(value(losses.generatorLoss(zeros, { form: 'minimax' })), -LN2), 'minimax: log(1 - 1/2)');
  const terms = losses.discriminatorLossTerms(zeros, zeros);
  t.true(close(terms.real.dataSync()[0], LN2));
  t.true(close(terms.fake.dataSync()[0], LN2));
  tf.dispose([zeros, terms as unknown as tf.TensorContainer]);
});

test.serial('the losses match hand-computed values at arbitrary logits', (t) => {
  const real = [2, -1, 0.5, 3];
  const fake = [0.5, -3, 1.5, -0.2];
  const realT = tf.tensor2d(real, [4, 1]);
  const fakeT = tf.tensor2d(fake, [4, 1]);
  // L_D = mean -log sigmoid(a_real) + mean -log(1 - sigmoid(a_fake))
  const expectedD = mean(real.map((a) => softplus(-a))) + mean(fake.map((a) => softplus(a)));
  t.true(close(value(losses.discriminatorLoss(realT, fakeT)), expectedD));
  // One-sided smoothing 0.1: real targets 0.9, fake targets stay 0.
  const smoothD = mean(real.map((a) => 0.9 * softplus(-a) + 0.1 * softplus(a))) + mean(fake.map((a) => softplus(a)));
  t.true(close(value(losses.discriminatorLoss(realT, fakeT, { labelSmoothing: 0.1 })), smoothD));
  // By probabilities, the textbook way: -log D(G(z)) and log(1 - D(G(z))).
  const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));
  t.true(close(value(losses.generatorLoss(fakeT)), mean(fake.map((a) => -Math.log(sigmoid(a))))));
  t.true(close(value(losses.generatorLoss(fakeT, { form: 'minimax' })), mean(fake.map((a) => Math.log(1 - sigmoid(a))))));
  t.true(close(value(losses.meanProbability(fakeT)), mean(fake.map(sigmoid))));
  tf.dispose([realT, fakeT]);
});

test.serial('the losses stay finite and exact where the probability form overflows', (t) => {
  const big = tf.tensor1d([100, -100]);
  // -log sigmoid(-100) = 100 (to float32 precision); sigmoid(100) rounds to 1 in float32, so log(1 - D) would be -Infinity.
  const ns = value(losses.generatorLoss(tf.tensor1d([-100])));
  t.true(close(ns, 100));
  const mm = value(losses.generatorLoss(tf.tensor1d([100]), { form: 'minimax' }));
  t.true(close(mm, -100));
  const d = value(losses.discriminatorLoss(tf.tensor1d([100]), tf.tensor1d([-100])));
  t.true(Number.isFinite(d) && d >= 0 && d < 1e-30);
  big.dispose();
});

/** Central finite differences of a scalar function of a 1-D tensor, in float32. */
function finiteDifferences(f: (x: tf.Tensor) => tf.Scalar, at: number[], eps = 1e-2): number[] {
  return at.map((_, i) =>
    tf.tidy(() => {
      const plus = [...at];
      const minus = [...at];
      plus[i] += eps;
      minus[i] -= eps;
      return (f(tf.tensor1d(plus)).dataSync()[0] - f(tf.tensor1d(minus)).dataSync()[0]) / (2 * eps);
    }),
  );
}

test.serial('loss gradients match finite differences and the closed forms', (t) => {
  const at = [0, 1.3, -2.2, 0.4];
  const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));
  const fixedFake = tf.tensor1d([0.3, -0.7, 1.1, 0]);
  const cases: Array<{ name: string; f: (x: tf.Tensor) => tf.Scalar; closed: (a: number) => number }> = [
    // d/da mean softplus(-a) = -(1 - sigmoid(a)) / n
    { name: 'generator, non-saturating', f: (x) => losses.generatorLoss(x), closed: (a) => -(1 - sigmoid(a)) / 4 },
    // d/da -mean softplus(a) = -sigmoid(a) / n: vanishes when D(G(z)) = sigmoid(a) -> 0
    { name: 'generator, minimax', f: (x) => losses.generatorLoss(x, { form: 'minimax' }), closed: (a) => -sigmoid(a) / 4 },
    // d/da_real of BCE(a, 0.9) mean = (sigmoid(a) - 0.9) / n
    { name: 'discriminator, real logits, smoothing 0.1', f: (x) => losses.discriminatorLoss(x, fixedFake, { labelSmoothing: 0.1 }), closed: (a) => (sigmoid(a) - 0.9) / 4 },
    // d/da_fake of BCE(a, 0) mean = sigmoid(a) / n
    { name: 'discriminator, fake logits', f: (x) => losses.discriminatorLoss(fixedFake, x), closed: (a) => sigmoid(a) / 4 },
  ];
  for (const c of cases) {
    const x = tf.tensor1d(at);
    const grad = tf.grad((v: tf.Tensor) => c.f(v))(x);
    const analytic = Array.from(grad.dataSync());
    const numeric = finiteDifferences(c.f, at);
    at.forEach((a, i) => {
      t.true(Math.abs(analytic[i] - numeric[i]) < 2e-4, `${c.name}: d/da[${i}] ${analytic[i]} vs finite difference ${numeric[i]}`);
      t.true(Math.abs(analytic[i] - c.closed(a)) < 1e-6, `${c.name}: d/da[${i}] ${analytic[i]} vs closed form ${c.closed(a)}`);
    });
    tf.dispose([x, grad]);
  }
  fixedFake.dispose();
});

test.serial('the losses refuse bad options and free their intermediates', async (t) => {
  const z = tf.zeros([2, 1]);
  t.throws(() => losses.discriminatorLoss(z, z, { labelSmoothing: 1 }), { message: /labelSmoothing must be in \[0, 1\), got 1/ });
  t.throws(() => losses.generatorLoss(z, { form: 'wasserstein' as never }), { message: /form must be 'non-saturating' or 'minimax', got 'wasserstein'/ });
  t.throws(() => losses.bceWithLogits(z, tf.zeros([3])), { message: /targets must have the logits' shape \[2, 1\], got \[3\]/ });
  await assertNoLeak(t, () => {
    tf.dispose([losses.discriminatorLoss(z, z, { labelSmoothing: 0.1 }), losses.generatorLoss(z), losses.generatorLoss(z, { form: 'minimax' })]);
  }, 'losses');
  z.dispose();
});

test.serial('MLP GAN: G maps [B, 100] to [B, 28, 28, 1] in [-1, 1]; D maps images to [B, 1] logits', (t) => {
  const generator = models.buildGanGenerator();
  const discriminator = models.buildGanDiscriminator();
  const images = models.generateImages(generator, 5, 1);
  t.deepEqual(images.shape, [5, 28, 28, 1]);
  t.true(images.min().dataSync()[0] >= -1 && images.max().dataSync()[0] <= 1);
  const logits = discriminator.predict(images) as tf.Tensor;
  t.deepEqual(logits.shape, [5, 1]);
  // Parameters counted by hand: Dense(100->128), Dense(128->256)+BN, Dense(256->512)+BN, Dense(512->784).
  const bn = (n: number) => 4 * n; // gamma, beta, moving mean, moving variance
  t.is(generator.countParams(), 100 * 128 + 128 + 128 * 256 + 256 + bn(256) + 256 * 512 + 512 + bn(512) + 512 * 784 + 784);
  t.is(discriminator.countParams(), 784 * 256 + 256 + 256 * 128 + 128 + 128 + 1);
  tf.dispose([images, logits]);
  generator.dispose();
  discriminator.dispose();
});

test.serial('builders are seeded: the same seed gives the same weights, another seed others', (t) => {
  const a = models.buildGanDiscriminator({ seed: 3 });
  const b = models.buildGanDiscriminator({ seed: 3 });
  const c = models.buildGanDiscriminator({ seed: 4 });
  const first = (m: tf.LayersModel) => Array.from(m.getWeights()[0].dataSync().slice(0, 50));
  t.deepEqual(first(a), first(b));
  t.notDeepEqual(first(a), first(c));
  [a, b, c].forEach((m) => m.dispose());
  t.throws(() => models.buildGanGenerator({ latentSize: 0 }), { message: /latentSize must be a positive integer, got 0/ });
  t.throws(() => models.buildGanGenerator({ imageShape: [28, 28] as never }), { message: /imageShape must be \[H, W, C\]/ });
});

test.serial('discriminatorDropout: D gets one dropout layer per hidden layer, active in training only, same initial weights', (t) => {
  const plain = models.buildGanDiscriminator({ seed: 5 });
  const dropped = models.buildGanDiscriminator({ seed: 5, discriminatorDropout: 0.5 });
  t.deepEqual(dropped.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => l.name), ['d_dropout1', 'd_dropout2']);
  t.deepEqual(plain.getWeights().map((w) => Array.from(w.dataSync())), dropped.getWeights().map((w) => Array.from(w.dataSync())), 'dropout adds no weights and keeps the seeds');
  const images = tf.randomUniform([8, 28, 28, 1], -1, 1, 'float32', 1);
  const [inference, reference, training] = tf.tidy(() => [
    dropped.predict(images) as tf.Tensor,
    plain.predict(images) as tf.Tensor,
    dropped.apply(images, { training: true }) as tf.Tensor,
  ].map((x) => Array.from(x.dataSync())));
  inference.forEach((v, i) => t.true(Math.abs(v - reference[i]) < 1e-5, `inference: no dropout (logit ${i})`));
  t.true(training.some((v, i) => Math.abs(v - reference[i]) > 1e-3), 'training: dropout changes the logits');
  t.throws(() => models.buildGanDiscriminator({ discriminatorDropout: 1 }), { message: 'buildGanDiscriminator: options.discriminatorDropout must be in [0, 1), got 1' });
  [plain, dropped].forEach((m) => m.dispose());
  images.dispose();
});

test.serial('cGAN: the label enters G next to z and D next to the image, and changes the output', (t) => {
  const generator = models.buildCganGenerator();
  const discriminator = models.buildCganDiscriminator();
  t.deepEqual(generator.inputs.map((i) => i.shape), [[null, 100], [null, 10]]);
  t.deepEqual(discriminator.inputs.map((i) => i.shape), [[null, 28, 28, 1], [null, 10]]);
  // G's first dense layer sees z and the one-hot label: 110 inputs. D's sees 784 + 10.
  t.deepEqual(generator.getLayer('g_dense1').getWeights()[0].shape, [110, 128]);
  t.deepEqual(discriminator.getLayer('d_dense1').getWeights()[0].shape, [794, 256]);
  const threes = models.generateConditional(generator, [3, 3], 7);
  const sevens = models.generateConditional(generator, [7, 7], 7);
  t.deepEqual(threes.shape, [2, 28, 28, 1]);
  t.true(threes.sub(sevens).abs().max().dataSync()[0] > 1e-3, 'same z, other label: another image');
  const logits = discriminator.predict([threes, models.oneHotLabels([3, 3], 10)]) as tf.Tensor;
  t.deepEqual(logits.shape, [2, 1]);
  const embedded = models.buildCganGenerator({ labelEmbedding: 16 });
  t.deepEqual(embedded.getLayer('g_dense1').getWeights()[0].shape, [116, 128]);
  t.deepEqual(embedded.getLayer('g_label_embedding').getWeights()[0].shape, [10, 16]);
  tf.dispose([threes, sevens, logits]);
  [generator, discriminator, embedded].forEach((m) => m.dispose());
  t.throws(() => models.buildCganGenerator({ numClasses: 1 }), { message: /numClasses must be an integer >= 2, got 1/ });
});

test.serial('toy GAN: G maps [B, 16] noise to 2-D points, D maps points to [B, 1]', (t) => {
  const generator = models.buildToyGenerator();
  const discriminator = models.buildToyDiscriminator();
  const points = models.generateImages(generator, 6, 0);
  t.deepEqual(points.shape, [6, 2]);
  const logits = discriminator.predict(points) as tf.Tensor;
  t.deepEqual(logits.shape, [6, 1]);
  tf.dispose([points, logits]);
  generator.dispose();
  discriminator.dispose();
});

test.serial('ring of 8 Gaussians: seeded samples, and real samples cover all 8 modes', (t) => {
  const a = data.sampleRing(10000, 1);
  const b = data.sampleRing(10000, 1);
  t.deepEqual(a.points.shape, [10000, 2]);
  t.deepEqual(Array.from(a.points.dataSync().slice(0, 20)), Array.from(b.points.dataSync().slice(0, 20)));
  const centres = data.ringCentres();
  t.is(centres.length, 8);
  t.true(close(centres[2][0], 0, 1e-12) && close(centres[2][1], 2, 1e-12), 'mode 2 sits at angle pi/2 on radius 2');
  const coverage = data.ringCoverage(a.points);
  t.is(coverage.modesCovered, 8);
  // A 2-D Gaussian puts 1 - exp(-3^2 / 2) = 0.9889 of its mass within 3 std of its centre.
  t.true(Math.abs(coverage.highQuality - (1 - Math.exp(-4.5))) < 0.005, `high quality ${coverage.highQuality}`);
  // A collapsed generator: every point at mode 0.
  const collapsed = tf.tidy(() => tf.tensor2d([[2, 0]]).tile([500, 1]));
  t.is(data.ringCoverage(collapsed).modesCovered, 1);
  tf.dispose([a.points, a.modes, b.points, b.modes, collapsed]);
  t.throws(() => data.ringCoverage(tf.zeros([3, 3])), { message: /points must be \[N, 2\], got \[3, 3\]/ });
});

test('seed 0 repeats: tfjs reads a seed of 0 as "none", so genlab hands it a fixed stand-in', (t) => {
  t.is(data.tfSeed(7), 7);
  t.not(data.tfSeed(0), 0);
  const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));
  const pairs: Array<[string, () => tf.LayersModel]> = [
    ['MLP GAN generator', () => models.buildGanGenerator({ seed: 0 })],
    ['MLP GAN discriminator', () => models.buildGanDiscriminator({ seed: 0 })],
    ['toy generator', () => models.buildToyGenerator({ seed: 0 })],
    ['U-Net', () => models.unetGenerator({ seed: 0 })],
  ];
  for (const [name, build] of pairs) {
    const a = build();
    const b = build();
    t.deepEqual(weightsOf(a), weightsOf(b), `${name}: seed 0 builds the same weights twice`);
    a.dispose();
    b.dispose();
  }
  const [vaeA, vaeB] = [models.buildVae({ seed: 0 }), models.buildVae({ seed: 0 })];
  t.deepEqual(weightsOf(vaeA.encoder), weightsOf(vaeB.encoder), 'VAE encoder: seed 0 builds the same weights twice');
  models.disposeVae(vaeA);
  models.disposeVae(vaeB);
  const z1 = models.sampleLatent(4, 8, 0);
  const z2 = models.sampleLatent(4, 8, 0);
  t.deepEqual(Array.from(z1.dataSync()), Array.from(z2.dataSync()), 'sampleLatent with seed 0 repeats');
  tf.dispose([z1, z2]);
});

test.serial('sampleLatent with truncation: every |z_i| <= psi, the variance of a truncated normal, seeded, no leaks', async (t) => {
  const count = 200;
  const latentSize = 100;
  const plain = tf.tidy(() => Array.from(models.sampleLatent(count, latentSize, 3).dataSync()));
  // Var of N(0, 1) truncated to [-psi, psi] = 1 - 2 psi phi(psi) / (2 Phi(psi) - 1), with
  // phi(1) = 0.2419707, 2 Phi(1) - 1 = 0.6826895; phi(2) = 0.0539910, 2 Phi(2) - 1 = 0.9544997.
  const expectedVariance: Record<string, number> = { '1': 1 - (2 * 0.2419707) / 0.6826895, '2': 1 - (4 * 0.053991) / 0.9544997 };
  for (const psi of [2, 1, 0.5, 0.05]) {
    let values!: number[];
    await assertNoLeak(t, () => {
      const z = models.sampleLatent(count, latentSize, 3, { truncation: psi });
      t.deepEqual(z.shape, [count, latentSize]);
      values = Array.from(z.dataSync());
      z.dispose();
    }, `sampleLatent(truncation ${psi})`);
    t.true(values.every((v) => Math.abs(v) <= psi), `psi ${psi}: largest |z_i| ${Math.max(...values.map(Math.abs))}`);
    // Components already within psi are kept; the others are redrawn.
    t.true(plain.every((v, i) => Math.abs(v) > psi || values[i] === v), `psi ${psi}: components within psi are kept`);
    t.true(plain.some((v, i) => Math.abs(v) > psi && values[i] !== v), `psi ${psi}: components outside psi are redrawn`);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    t.true(Math.abs(mean) < 0.02 * psi, `psi ${psi}: mean ${mean}`);
    if (expectedVariance[String(psi)] !== undefined) {
      // 20,000 draws: the standard error of the variance is under 0.004 (psi 1) and 0.008 (psi 2).
      const tolerance = psi === 1 ? 0.015 : 0.03;
      t.true(Math.abs(variance - expectedVariance[String(psi)]) < tolerance, `psi ${psi}: variance ${variance} vs ${expectedVariance[String(psi)]}`);
    }
  }
  // A uniform redraw in [-1, 1] would have variance 1/3 = 0.333 at psi = 1, apart from 0.291: the check above can tell.
  const again = models.sampleLatent(count, latentSize, 3, { truncation: 1 });
  const other = models.sampleLatent(count, latentSize, 4, { truncation: 1 });
  const once = models.sampleLatent(count, latentSize, 3, { truncation: 1 });
  t.deepEqual(Array.from(again.dataSync()), Array.from(once.dataSync()), 'the same seed gives the same truncated z');
  t.notDeepEqual(Array.from(again.dataSync()), Array.from(other.dataSync()), 'another seed gives another z');
  const none = models.sampleLatent(count, latentSize, 3, { truncation: Infinity });
  t.deepEqual(Array.from(none.dataSync()), plain, 'truncation Infinity is no truncation');
  tf.dispose([again, other, once, none]);
  for (const bad of [0, -1, NaN]) {
    t.throws(() => models.sampleLatent(4, 8, 0, { truncation: bad }), { message: new RegExp(`sampleLatent: options.truncation must be a positive threshold psi.*got ${bad}`) });
  }
});

test.serial('generateImages and generateConditional with truncation use the truncated z', async (t) => {
  const generator = models.buildGanGenerator({ latentSize: 8, generatorUnits: [16], seed: 2 });
  await assertNoLeak(t, () => {
    const images = models.generateImages(generator, 6, 5, { truncation: 0.5 });
    const expected = tf.tidy(() => generator.predict(models.sampleLatent(6, 8, 5, { truncation: 0.5 })) as tf.Tensor);
    t.deepEqual(Array.from(images.dataSync()), Array.from(expected.dataSync()));
    tf.dispose([images, expected]);
  }, 'generateImages(truncation)');
  generator.dispose();
  const conditional = models.buildCganGenerator({ latentSize: 8, generatorUnits: [16], seed: 2 });
  await assertNoLeak(t, () => {
    const images = models.generateConditional(conditional, [1, 7], 5, { truncation: 0.5 });
    const expected = tf.tidy(() => conditional.predict([models.sampleLatent(2, 8, 5, { truncation: 0.5 }), models.oneHotLabels([1, 7], 10)]) as tf.Tensor);
    t.deepEqual(Array.from(images.dataSync()), Array.from(expected.dataSync()));
    tf.dispose([images, expected]);
  }, 'generateConditional(truncation)');
  conditional.dispose();
});
