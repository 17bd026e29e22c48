import test from 'ava';
import { tf, initBackend, metrics, rules } from '../src/index';
import { assertNoLeak } from './helpers';

test.before(async () => {
  await initBackend({ verbose: false });
});

/**
 * The three image pairs of tests/reference/skimage_metrics.py, built by the same formulas.
 * Reference values: scikit-image 0.19.3 (Debian python3-skimage), printed by
 *   /usr/bin/python3 tests/reference/skimage_metrics.py
 * which calls, for each pair (a, b) with data range r:
 *   skimage.metrics.mean_squared_error(a, b)
 *   skimage.metrics.peak_signal_noise_ratio(a, b, data_range=r)
 *   skimage.metrics.structural_similarity(a, b, data_range=r, channel_axis=-1,
 *       gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
 * on float64 arrays of shape [H, W, C].
 */
const SKIMAGE = {
  smooth: { mse: 0.010586227953344764, psnr: 19.752587585769554, ssim: 0.695647002948174 },
  shifted: { mse: 0.06620008680555556, psnr: 11.791414410867493, ssim: 0.6621738682991384 },
  integer: { mse: 1010.4668367346939, psnr: 18.085582962174456, ssim: 0.8798402102642465 },
};

type PairName = keyof typeof SKIMAGE;

function pairImages(name: PairName): { a: tf.Tensor3D; b: tf.Tensor3D; dataRange: number } {
  if (name === 'smooth') {
    const a: number[] = [];
    const b: number[] = [];
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        a.push(0.5 + 0.4 * Math.sin(0.3 * x) * Math.cos(0.2 * y));
        b.push(0.5 + 0.3 * Math.sin(0.3 * x + 0.4) * Math.cos(0.2 * y) + 0.08 * Math.cos(0.7 * x + 1.1 * y));
      }
    }
    return { a: tf.tensor3d(a, [32, 32, 1]), b: tf.tensor3d(b, [32, 32, 1]), dataRange: 1 };
  }
  if (name === 'shifted') {
    const value = (y: number, x: number, c: number) => ((x + 2 * y + 7 * c) % 17) / 16;
    const a: number[] = [];
    const b: number[] = [];
    for (let y = 0; y < 24; y++) {
      for (let x = 0; x < 40; x++) {
        for (let c = 0; c < 3; c++) {
          a.push(value(y, x, c));
          b.push(value(y, (x + 39) % 40, c)); // np.roll(a, 1, axis=1)
        }
      }
    }
    return { a: tf.tensor3d(a, [24, 40, 3]), b: tf.tensor3d(b, [24, 40, 3]), dataRange: 1 };
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 28 * 28; i++) {
    const va = ((i * 7919 + 13) * 104729) % 256;
    const vc = ((i * 31 + 7) * 613) % 256;
    a.push(va);
    b.push(Math.floor((7 * va + 3 * vc) / 10));
  }
  return { a: tf.tensor3d(a, [28, 28, 1]), b: tf.tensor3d(b, [28, 28, 1]), dataRange: 255 };
}

for (const name of Object.keys(SKIMAGE) as PairName[]) {
  test.serial(`MSE, PSNR and SSIM match scikit-image on the '${name}' pair`, async (t) => {
    const { a, b, dataRange } = pairImages(name);
    const reference = SKIMAGE[name];
    await assertNoLeak(t, () => {
      const mse = metrics.mse(a, b, { dataRange });
      const psnr = metrics.psnr(a, b, { dataRange });
      const ssim = metrics.ssim(a, b, { dataRange });
      t.true(Math.abs(mse - reference.mse) <= 1e-4 * reference.mse, `mse ${mse} vs ${reference.mse}`);
      t.true(Math.abs(psnr - reference.psnr) < 1e-3, `psnr ${psnr} vs ${reference.psnr}`);
      t.true(Math.abs(ssim - reference.ssim) < 1e-3, `ssim ${ssim} vs ${reference.ssim}`);
      t.log(`|psnr - skimage| = ${Math.abs(psnr - reference.psnr).toExponential(1)}, |ssim - skimage| = ${Math.abs(ssim - reference.ssim).toExponential(1)}`);
      // Symmetric in a and b.
      t.true(Math.abs(metrics.ssim(b, a, { dataRange }) - ssim) < 1e-6);
    }, `metrics on '${name}'`);
    tf.dispose([a, b]);
  });
}

test.serial('a batch gives the mean of the per-image values', (t) => {
  const { a, b } = pairImages('smooth');
  const other = tf.tidy(() => a.mul(0.5).add(0.25)) as tf.Tensor3D;
  const batchA = tf.stack([a, a]);
  const batchB = tf.stack([b, other]);
  const before = tf.memory().numTensors;
  const ssim = metrics.ssim(batchA, batchB);
  const psnr = metrics.psnr(batchA, batchB);
  const mse = metrics.mse(batchA, batchB);
  t.is(tf.memory().numTensors, before);
  t.true(Math.abs(ssim - (metrics.ssim(a, b) + metrics.ssim(a, other)) / 2) < 1e-6);
  t.true(Math.abs(psnr - (metrics.psnr(a, b) + metrics.psnr(a, other)) / 2) < 1e-6);
  t.true(Math.abs(mse - (metrics.mse(a, b) + metrics.mse(a, other)) / 2) < 1e-7);
  tf.dispose([a, b, other, batchA, batchB]);
});

test.serial('identical images: SSIM exactly 1, PSNR Infinity, MSE 0; in a batch only the identical image is infinite', (t) => {
  const x = rules.whiteNoise(16, 16, { channels: 3, seed: 4 });
  t.is(metrics.ssim(x, x), 1);
  t.is(metrics.psnr(x, x), Infinity);
  t.is(metrics.mse(x, x), 0);
  const y = tf.tidy(() => x.mul(0.9));
  const pair = tf.stack([x, y]);
  const same = tf.stack([x, x]);
  t.is(metrics.psnr(same, pair), Infinity, 'the mean over a batch with one identical pair is infinite');
  t.true(metrics.ssim(same, pair) < 1 && metrics.ssim(same, pair) > 0.5);
  tf.dispose([x, y, pair, same]);
});

test.serial('hand-checked values: a constant offset of 0.1 has MSE 0.01 and PSNR 20 dB', (t) => {
  const a = tf.fill([12, 12, 1], 0.5) as tf.Tensor3D;
  const b = tf.fill([12, 12, 1], 0.6) as tf.Tensor3D;
  t.true(Math.abs(metrics.mse(a, b) - 0.01) < 1e-7);
  t.true(Math.abs(metrics.psnr(a, b) - 20) < 1e-4);
  // Flat images: variances and covariance are 0, so SSIM = (2 mu_a mu_b + C1) / (mu_a^2 + mu_b^2 + C1).
  const c1 = 0.01 ** 2;
  const expected = (2 * 0.5 * 0.6 + c1) / (0.25 + 0.36 + c1);
  t.true(Math.abs(metrics.ssim(a, b) - expected) < 1e-5, `${metrics.ssim(a, b)} vs ${expected}`);
  // PSNR with data range 255 on the same numbers scaled: unchanged.
  const a255 = a.mul(255);
  const b255 = b.mul(255);
  t.true(Math.abs(metrics.psnr(a255, b255, { dataRange: 255 }) - 20) < 1e-3);
  tf.dispose([a, b, a255, b255]);
});

test.serial('property: over random image pairs SSIM lies in [-1, 1], PSNR falls as noise grows, nothing leaks', async (t) => {
  await assertNoLeak(t, () => {
    for (let seed = 0; seed < 5; seed++) {
      const x = rules.whiteNoise(20, 24, { channels: seed % 2 === 0 ? 1 : 3, seed });
      const y = rules.whiteNoise(20, 24, { channels: seed % 2 === 0 ? 1 : 3, seed: seed + 100 });
      const s = metrics.ssim(x, y);
      t.true(s >= -1 && s <= 1, `ssim ${s}`);
      t.true(Math.abs(s) < 0.2, 'independent noise images are nearly uncorrelated');
      const mild = rules.addGaussianNoise(x, { std: 0.02, seed });
      const strong = rules.addGaussianNoise(x, { std: 0.2, seed });
      t.true(metrics.psnr(x, mild) > metrics.psnr(x, strong));
      t.true(metrics.ssim(x, mild) > metrics.ssim(x, strong));
      tf.dispose([x, y, mild, strong]);
    }
  }, 'metrics');
});

test.serial('bad inputs are refused with the argument named', (t) => {
  const x = tf.zeros([16, 16, 1]);
  const wide = tf.zeros([16, 17, 1]);
  const flat = tf.zeros([16, 16]);
  const negative = tf.fill([16, 16, 1], -0.5);
  const bright = tf.fill([16, 16, 1], 2);
  const tiny = tf.zeros([8, 8, 1]);
  t.throws(() => metrics.psnr(x, wide), { message: /psnr: a and b must have the same shape, got a \[16, 16, 1\] and b \[16, 17, 1\]/ });
  t.throws(() => metrics.ssim(flat, flat), { message: /ssim: a must be \[H, W, C\] or \[N, H, W, C\], got \[16, 16\]/ });
  t.throws(() => metrics.mse(x, negative), { message: /mse: b must have values in \[0, 1\] \(options.dataRange = 1\), got min -0.5, max -0.5; for \[-1, 1\] images use data.toRange\(images, 'symmetric', 'unit'\) first/ });
  t.throws(() => metrics.ssim(bright, x), { message: /ssim: a must have values in \[0, 1\]/ });
  t.throws(() => metrics.psnr(x, x, { dataRange: 0 }), { message: /psnr: options.dataRange must be a positive number/ });
  t.throws(() => metrics.ssim(tiny, tiny), { message: /ssim: images must be at least options.windowSize = 11 pixels on each side, got 8 x 8/ });
  t.notThrows(() => metrics.psnr(bright, bright, { dataRange: 2 }));
  tf.dispose([x, wide, flat, negative, bright, tiny]);
});
