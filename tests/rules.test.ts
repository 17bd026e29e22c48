import test from 'ava';
import { tf, initBackend, rules, viz } from '../src/index';
import { assertNoLeak } from './helpers';

test.before(async () => {
  await initBackend({ verbose: false });
});

/** A [H, W, 1] image from rows of numbers. */
function grey(rows: number[][]): tf.Tensor3D {
  return tf.tensor3d(rows.flat(), [rows.length, rows[0].length, 1]);
}

/** Rows of a [H, W, 1] image (channel 0). */
function rowsOf(image: tf.Tensor): number[][] {
  const [h, w] = image.shape.slice(-3, -1);
  const v = image.dataSync();
  const c = image.shape[image.rank - 1];
  return Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => v[(y * w + x) * c]));
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
}

function close(t: import('ava').ExecutionContext, actual: number, expected: number, tolerance: number, what: string): void {
  t.true(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

/** A vertical step edge: columns 0-3 black, 4-7 white, 8 x 8. */
function stepEdge(): tf.Tensor3D {
  return grey(Array.from({ length: 8 }, () => [0, 0, 0, 0, 1, 1, 1, 1]));
}

// ---------------------------------------------------------------- noise

test.serial('white noise: shape, range, moments, determinism under the seed', (t) => {
  const u = rules.whiteNoise(64, 64, { seed: 1 });
  t.deepEqual(u.shape, [64, 64, 1]);
  const [min, max, mean] = tf.tidy(() => [u.min(), u.max(), u.mean()].map((s) => s.dataSync()[0]));
  t.true(min >= 0 && max <= 1);
  close(t, mean, 0.5, 0.02, 'uniform mean');
  const again = rules.whiteNoise(64, 64, { seed: 1 });
  const other = rules.whiteNoise(64, 64, { seed: 2 });
  t.is(maxAbsDiff(u, again), 0, 'same seed, same noise');
  t.true(maxAbsDiff(u, other) > 0.5, 'another seed, other noise');
  const g = rules.whiteNoise(64, 64, { kind: 'gaussian', channels: 3, seed: 1, mean: 0.5, std: 0.1 });
  t.deepEqual(g.shape, [64, 64, 3]);
  const [gMean, gStd] = tf.tidy(() => {
    const m = tf.moments(g);
    return [m.mean.dataSync()[0], Math.sqrt(m.variance.dataSync()[0])];
  });
  close(t, gMean, 0.5, 0.01, 'gaussian mean');
  close(t, gStd, 0.1, 0.01, 'gaussian std');
  tf.dispose([u, again, other, g]);
});

test.serial('salt and pepper: about `amount` of the pixels become 0 or 1, the rest are untouched', (t) => {
  const image = tf.fill([100, 100, 3], 0.5) as tf.Tensor3D;
  const noisy = rules.saltAndPepper(image, { amount: 0.1, seed: 3 });
  const v = noisy.dataSync();
  let salt = 0;
  let pepper = 0;
  for (let p = 0; p < 100 * 100; p++) {
    const px = [v[p * 3], v[p * 3 + 1], v[p * 3 + 2]];
    t.true(px.every((c) => c === px[0]), 'all channels of a pixel change together');
    if (px[0] === 1) salt++;
    else if (px[0] === 0) pepper++;
    else t.is(px[0], 0.5);
  }
  close(t, salt / 1e4, 0.05, 0.01, 'salt fraction');
  close(t, pepper / 1e4, 0.05, 0.01, 'pepper fraction');
  t.is(maxAbsDiff(noisy, rules.saltAndPepper(image, { amount: 0.1, seed: 3 })), 0);
  tf.dispose([image, noisy]);
});

test.serial('smooth noise is smooth: neighbouring pixels differ far less than in white noise', (t) => {
  const roughness = (image: tf.Tensor3D) =>
    tf.tidy(() => image.slice([0, 1, 0], [-1, -1, -1]).sub(image.slice([0, 0, 0], [-1, 63, -1])).abs().mean().dataSync()[0]);
  const white = rules.whiteNoise(64, 64, { seed: 5 });
  for (const image of [rules.valueNoise(64, 64, { scale: 16, seed: 5 }), rules.gradientNoise(64, 64, { scale: 16, seed: 5 })]) {
    t.deepEqual(image.shape, [64, 64, 1]);
    t.true(roughness(image) < roughness(white) / 5, `${roughness(image)} vs ${roughness(white)}`);
    const [min, max] = tf.tidy(() => [image.min().dataSync()[0], image.max().dataSync()[0]]);
    t.true(min >= 0 && max <= 1 && max - min > 0.3, `range ${min}..${max}`);
    image.dispose();
  }
  white.dispose();
});

test.serial('value noise: between two lattice points on a row it follows the smoothstep 3t^2 - 2t^3', (t) => {
  // Along y = 0 the noise is a(1 - s(t)) + b s(t) between lattice values a (x = 0) and b (x = scale).
  const image = rules.valueNoise(1, 9, { scale: 8, seed: 2 });
  const row = rowsOf(image)[0];
  const [a, b] = [row[0], row[8]];
  for (let x = 0; x <= 8; x++) {
    const tt = x / 8;
    const s = tt * tt * (3 - 2 * tt);
    close(t, row[x], a * (1 - s) + b * s, 1e-6, `x = ${x}`);
  }
  image.dispose();
});

test.serial('fbm is the normalised sum of its octaves of gradient noise (seed + k, scale / 2^k, weight 0.5^k)', (t) => {
  const options = { scale: 32, octaves: 4, lacunarity: 2, gain: 0.5, seed: 9 };
  const result = rules.fbm(48, 40, options);
  const bySum = tf.tidy(() => {
    let sum = tf.zeros([48, 40, 1]);
    let total = 0;
    for (let k = 0; k < 4; k++) {
      sum = sum.add(rules.gradientNoise(48, 40, { scale: 32 / 2 ** k, seed: 9 + k }).mul(0.5 ** k));
      total += 0.5 ** k;
    }
    return sum.div(total);
  });
  t.true(maxAbsDiff(result, bySum) < 1e-6);
  const oneOctave = rules.fbm(48, 40, { ...options, octaves: 1 });
  const plain = rules.gradientNoise(48, 40, { scale: 32, seed: 9 });
  t.true(maxAbsDiff(oneOctave, plain) < 1e-7, 'one octave is the noise itself');
  const valueBasis = rules.fbm(48, 40, { ...options, basis: 'value' });
  t.true(maxAbsDiff(valueBasis, result) > 0.1);
  tf.dispose([result, bySum, oneOctave, plain, valueBasis]);
});

// ---------------------------------------------------------------- blocks

test.serial('block aliasing keeps every pixel value and changes where they are; deterministic under the seed', (t) => {
  const image = rules.whiteNoise(28, 28, { seed: 1 });
  const sorted = (x: tf.Tensor) => Array.from(x.dataSync()).sort((a, b) => a - b);
  for (const mode of ['offset', 'rotate', 'shuffle'] as const) {
    const out = rules.blockAlias(image, { mode, blockSize: 7, seed: 4 });
    t.deepEqual(out.shape, [28, 28, 1]);
    t.deepEqual(sorted(out), sorted(image), `${mode}: a rearrangement of the same values`);
    t.true(maxAbsDiff(out, image) > 0.5, `${mode}: the image changed`);
    t.is(maxAbsDiff(out, rules.blockAlias(image, { mode, blockSize: 7, seed: 4 })), 0, `${mode}: deterministic`);
    t.true(maxAbsDiff(out, rules.blockAlias(image, { mode, blockSize: 7, seed: 5 })) > 0, `${mode}: seed matters`);
  }
  const still = rules.blockAlias(image, { mode: 'offset', maxOffset: 0 });
  t.is(maxAbsDiff(still, image), 0, 'an offset of at most 0 changes nothing');
  t.throws(() => rules.blockAlias(image, { blockSize: 5 }), { message: /blockAlias: options.blockSize must divide the image size 28 x 28, got 5/ });
  t.throws(() => rules.blockAlias(image, { mode: 'spin' as 'rotate' }), { message: /options.mode must be 'offset', 'rotate' or 'shuffle', got 'spin'/ });
  image.dispose();
});

test.serial('block rotation by hand: one 2 x 2 block turned a quarter or half turn', (t) => {
  const image = grey([
    [1, 2],
    [3, 4],
  ]);
  const seen = new Set<string>();
  for (let seed = 0; seed < 20; seed++) {
    const out = rules.blockAlias(image, { mode: 'rotate', blockSize: 2, seed });
    seen.add(JSON.stringify(rowsOf(out)));
    out.dispose();
  }
  // The four rotations of [[1, 2], [3, 4]] (anticlockwise: [[2, 4], [1, 3]]), and nothing else.
  const rotations = ['[[1,2],[3,4]]', '[[2,4],[1,3]]', '[[4,3],[2,1]]', '[[3,1],[4,2]]'];
  t.true([...seen].every((s) => rotations.includes(s)), [...seen].join(' '));
  t.is(seen.size, 4);
  image.dispose();
});

test.serial('shift, tile and mirror by hand', (t) => {
  const image = grey([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  t.deepEqual(rowsOf(rules.shift(image, { dx: 1 })), [[0, 1, 2], [0, 4, 5]]);
  t.deepEqual(rowsOf(rules.shift(image, { dy: -1, dx: -1, wrap: true })), [[5, 6, 4], [2, 3, 1]]);
  t.deepEqual(rowsOf(rules.tile(image, { rows: 1, columns: 2 })), [[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]]);
  t.deepEqual(rowsOf(rules.tile(image, { rows: 2, columns: 2, mirror: true })), [
    [1, 2, 3, 3, 2, 1],
    [4, 5, 6, 6, 5, 4],
    [4, 5, 6, 6, 5, 4],
    [1, 2, 3, 3, 2, 1],
  ]);
  t.deepEqual(rowsOf(rules.mirror(image)), [[1, 2, 1], [4, 5, 4]]);
  t.deepEqual(rowsOf(rules.mirror(image, { axis: 'vertical' })), [[1, 2, 3], [1, 2, 3]]);
  t.deepEqual(rowsOf(rules.mirror(image, { axis: 'both' })), [[1, 2, 1], [1, 2, 1]]);
  const batch = tf.stack([image, image.mul(2)]);
  t.deepEqual(rules.tile(batch, { rows: 3, columns: 1 }).shape, [2, 6, 3, 1]);
  t.throws(() => rules.shift(image, { dx: 0.5 }), { message: /shift: options.dx must be an integer, got 0.5/ });
});

// ---------------------------------------------------------------- filters

test.serial('Sobel on a vertical step edge: Gx = 4 on the two columns beside the step, Gy = 0, magnitude 1', (t) => {
  const step = stepEdge();
  const { x, y } = rules.sobel(step);
  for (const row of rowsOf(x)) t.deepEqual(row, [0, 0, 0, 4, 4, 0, 0, 0]);
  t.is(tf.tidy(() => y.abs().max().dataSync()[0]), 0);
  for (const row of rowsOf(rules.gradientMagnitude(step))) t.deepEqual(row, [0, 0, 0, 1, 1, 0, 0, 0]);
  // An edge map without blur marks exactly those two columns; inverted, they are the dark ones.
  for (const row of rowsOf(rules.edges(step, { blurSigma: 0 }))) t.deepEqual(row, [0, 0, 0, 1, 1, 0, 0, 0]);
  for (const row of rowsOf(rules.edges(step, { blurSigma: 0, invert: true }))) t.deepEqual(row, [1, 1, 1, 0, 0, 1, 1, 1]);
  // The transposed step gives the transposed answer.
  const horizontal = step.transpose([1, 0, 2]);
  const sobelH = rules.sobel(horizontal);
  t.deepEqual(rowsOf(sobelH.y).map((r) => r[0]), [0, 0, 0, 4, 4, 0, 0, 0]);
  tf.dispose([step, x, y, horizontal, sobelH.x, sobelH.y]);
});

test.serial('emboss of a constant image is uniform grey 0.5; its kernel sums to 0', (t) => {
  const flat = tf.fill([10, 10, 3], 0.8) as tf.Tensor3D;
  const out = rules.emboss(flat);
  t.true(maxAbsDiff(out, tf.fill([10, 10, 3], 0.5)) < 1e-6);
  t.is(rules.EMBOSS_KERNEL.flat().reduce((a, b) => a + b, 0), 0);
  tf.dispose([flat, out]);
});

test.serial('blur keeps the mean: exactly with wrap padding on a random image; a constant stays constant', (t) => {
  const image = rules.whiteNoise(20, 24, { channels: 3, seed: 8 });
  const mean = (x: tf.Tensor) => tf.tidy(() => x.mean().dataSync()[0]);
  for (const blurred of [rules.boxBlur(image, { size: 5, padding: 'wrap' }), rules.gaussianBlur(image, { sigma: 1.5, padding: 'wrap' })]) {
    close(t, mean(blurred), mean(image), 1e-6, 'mean');
    t.true(tf.tidy(() => tf.moments(blurred).variance.dataSync()[0]) < tf.tidy(() => tf.moments(image).variance.dataSync()[0]) / 3, 'variance drops');
  }
  const flat = tf.fill([9, 9, 1], 0.3);
  t.true(maxAbsDiff(rules.gaussianBlur(flat, { sigma: 2 }), flat) < 1e-6);
  t.true(maxAbsDiff(rules.boxBlur(flat), flat) < 1e-6);
  // A box blur spreads a single bright pixel evenly over its 3 x 3 neighbourhood.
  const impulse = grey([[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]);
  const spread = rowsOf(rules.boxBlur(impulse, { padding: 'zero' }));
  t.true(Math.abs(spread[1][1] - 1 / 9) < 1e-7 && Math.abs(spread[2][2] - 1 / 9) < 1e-7 && spread[0][0] === 0);
  tf.dispose([image, flat, impulse]);
});

test.serial('kernels: Gaussian and box kernels sum to 1 and are symmetric; sharpen kernels sum to 1', (t) => {
  for (const kernel of [rules.gaussianKernel(1), rules.gaussianKernel(2.5, 7), rules.boxKernel(5)]) {
    close(t, kernel.flat().reduce((a, b) => a + b, 0), 1, 1e-12, 'sum');
    const n = kernel.length;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t.is(kernel[i][j], kernel[n - 1 - j][n - 1 - i]);
  }
  t.is(rules.gaussianKernel(1).length, 7, '2 * ceil(3 sigma) + 1');
  for (const amount of [0.5, 1, 2]) close(t, rules.sharpenKernel(amount).flat().reduce((a, b) => a + b, 0), 1, 1e-12, 'sharpen sum');
  t.deepEqual(rules.sharpenKernel(1), rules.SHARPEN_KERNEL.map((r) => [...r]));
  t.throws(() => rules.boxKernel(4), { message: /boxKernel: size must be odd/ });
  t.throws(() => rules.gaussianKernel(-1), { message: /gaussianKernel: sigma must be a number >= 0.000001, got -1/ });
});

test.serial('convolve: the identity kernel changes nothing; [[0,0,0],[1,0,0],[0,0,0]] moves the image right (no flip)', (t) => {
  const image = rules.whiteNoise(6, 7, { channels: 3, seed: 2 });
  t.is(maxAbsDiff(rules.convolve(image, rules.IDENTITY_KERNEL), image), 0);
  const right = rules.convolve(image, [[0, 0, 0], [1, 0, 0], [0, 0, 0]], { padding: 'zero' });
  t.true(maxAbsDiff(right, rules.shift(image, { dx: 1 })) < 1e-7);
  t.throws(() => rules.convolve(image, [[1, 2], [3, 4]]), { message: /convolve: kernel must have odd height and width, got 2 x 2/ });
  t.throws(() => rules.convolve(image, [[1, 2, 3], [4]]), { message: /convolve: kernel must be a grid of numbers/ });
  t.throws(() => rules.convolve(image, rules.IDENTITY_KERNEL, { padding: 'edge' as 'zero' }), {
    message: /options.padding must be 'reflect', 'wrap' or 'zero', got 'edge'/,
  });
  t.throws(() => rules.convolve(tf.zeros([4, 4]), rules.IDENTITY_KERNEL), { message: /convolve: image must be \[H, W, C\] or \[N, H, W, C\], got \[4, 4\]/ });
  image.dispose();
});

test.serial('sharpen leaves a constant image alone and raises the contrast of an edge', (t) => {
  const flat = tf.fill([8, 8, 1], 0.4);
  t.true(maxAbsDiff(rules.sharpen(flat), flat) < 1e-6);
  const soft = grey([Array.from({ length: 8 }, (_, x) => 0.2 + 0.6 * (x >= 4 ? 1 : 0) - (x === 3 ? -0.1 : 0))]);
  const row = rowsOf(rules.sharpen(soft.tile([3, 1, 1]) as tf.Tensor3D))[1];
  // Beside the edge the dark side gets darker and the bright side brighter (clipped to [0, 1]).
  t.true(row[4] > 0.8 && row[3] < 0.3, JSON.stringify(row));
  tf.dispose([flat, soft]);
});

test.serial('posterize and quantize by hand', (t) => {
  const ramp = grey([[0, 0.2, 0.26, 0.5, 0.74, 0.9, 1]]);
  const p = rowsOf(rules.posterize(ramp, { levels: 3 }))[0];
  t.deepEqual(p, [0, 0, 0.5, 0.5, 0.5, 1, 1]);
  t.deepEqual(rowsOf(rules.posterize(ramp, { levels: 2 }))[0], [0, 0, 0, 1, 1, 1, 1]);
  // Exact halves round up: 0.5 with 2 levels is 1.
  t.deepEqual(rowsOf(rules.posterize(grey([[0.5, 0.49]]), { levels: 2 }))[0], [1, 0]);
  const colours = tf.tensor3d([[[0.9, 0.1, 0.1], [0.1, 0.2, 0.8], [0.6, 0.6, 0.6]]]);
  const q = rules.quantize(colours, { palette: [[1, 0, 0], [0, 0, 1], [1, 1, 1]] });
  t.deepEqual(Array.from(q.dataSync()), [1, 0, 0, 0, 0, 1, 1, 1, 1]);
  t.throws(() => rules.posterize(ramp, { levels: 1 }), { message: /posterize: options.levels must be an integer >= 2 and <= 256, got 1/ });
  t.throws(() => rules.quantize(colours, { palette: [[1, 0]] }), { message: /quantize: options.palette must be a non-empty list of colours with 3 channel\(s\)/ });
  tf.dispose([ramp, colours, q]);
});

test.serial('the bilateral filter keeps a step edge that a Gaussian blur smears, and flattens small noise', (t) => {
  const step = tf.tidy(() => stepEdge().mul(0.8).add(0.1)) as tf.Tensor3D;
  const noisy = tf.tidy(() => step.add(tf.randomUniform(step.shape, -0.02, 0.02, 'float32', 1)));
  const bilateral = rules.bilateralFilter(noisy, { radius: 2, sigmaSpace: 2, sigmaRange: 0.1 });
  const gaussian = rules.gaussianBlur(noisy, { sigma: 2 });
  const errorOf = (x: tf.Tensor) => tf.tidy(() => x.sub(step).abs().max().dataSync()[0]);
  t.true(errorOf(bilateral) < 0.02, `bilateral max error ${errorOf(bilateral)}`);
  t.true(errorOf(gaussian) > 0.2, `gaussian max error ${errorOf(gaussian)}`);
  t.true(errorOf(bilateral) < errorOf(noisy), 'the noise is reduced');
  tf.dispose([step, noisy, bilateral, gaussian]);
});

test.serial('cartoon: brightness falls into a few bands, hues are kept, edges of the smoothed image turn dark', (t) => {
  const scene = rules.marble(32, 32, { seed: 1 });
  const out = rules.cartoon(scene, { levels: 4, edgeBrightness: 0 });
  t.deepEqual(out.shape, [32, 32, 3]);
  const smooth = rules.bilateralFilter(rules.bilateralFilter(scene));
  const edgeMap = rules.edges(smooth, { threshold: 0.15 });
  const onEdges = tf.tidy(() => out.mul(edgeMap).max().dataSync()[0]);
  t.is(onEdges, 0, 'black where the edge detector fires');
  // Off the edges, the channel mean is one of 0, 1/3, 2/3, 1 (unless clipped at 1) ...
  const bands = new Set<number>();
  const brightness = tf.tidy(() => out.mean(-1).dataSync());
  const isEdge = edgeMap.dataSync();
  const [o, sm] = [out.dataSync(), smooth.dataSync()];
  for (let p = 0; p < brightness.length; p++) {
    if (isEdge[p] === 1 || [0, 1, 2].some((c) => o[p * 3 + c] >= 1 - 1e-6)) continue;
    bands.add(Math.round(brightness[p] * 3 * 1000) / 1000);
    // ... and the colour is the smoothed colour scaled: the ratios between channels are kept.
    close(t, o[p * 3] * sm[p * 3 + 2], o[p * 3 + 2] * sm[p * 3], 1e-4, `hue of pixel ${p}`);
  }
  t.true([...bands].every((b) => [0, 1, 2, 3].includes(b)), [...bands].join(' '));
  t.true(bands.size >= 2);
  // On a grey image the banding is posterize itself.
  const digit = rules.gradientNoise(16, 16, { seed: 1 });
  const greyCartoon = rules.cartoon(digit, { passes: 0, levels: 3, edgeBrightness: 1 });
  t.true(maxAbsDiff(greyCartoon, rules.posterize(digit, { levels: 3 })) < 1e-5);
  tf.dispose([scene, out, smooth, edgeMap, digit, greyCartoon]);
});

test.serial('property: every filter keeps the shape and [0, 1] range on random images, is deterministic and leaks nothing', async (t) => {
  const filters: Array<[string, (x: tf.Tensor) => tf.Tensor]> = [
    ['boxBlur', (x) => rules.boxBlur(x, { size: 5 })],
    ['gaussianBlur', (x) => rules.gaussianBlur(x, { sigma: 1.2 })],
    ['sharpen', (x) => rules.sharpen(x, { amount: 2 })],
    ['emboss', (x) => rules.emboss(x)],
    ['posterize', (x) => rules.posterize(x, { levels: 5 })],
    ['bilateralFilter', (x) => rules.bilateralFilter(x)],
    ['cartoon', (x) => rules.cartoon(x)],
    ['saltAndPepper', (x) => rules.saltAndPepper(x, { seed: 3 })],
    ['addGaussianNoise', (x) => rules.addGaussianNoise(x, { seed: 3 })],
    ['blockAlias', (x) => rules.blockAlias(x, { blockSize: 4, mode: 'rotate', seed: 2 })],
    ['mirror', (x) => rules.mirror(x, { axis: 'both' })],
  ];
  for (let seed = 0; seed < 3; seed++) {
    const channels = seed === 1 ? 1 : 3;
    const single = rules.whiteNoise(16, 20, { channels, seed });
    const batch = tf.stack([single, rules.whiteNoise(16, 20, { channels, seed: seed + 50 })]);
    for (const image of [single, batch]) {
      for (const [name, f] of filters) {
        await assertNoLeak(t, () => {
          const out = f(image);
          t.deepEqual(out.shape, image.shape, `${name} shape`);
          const [min, max] = tf.tidy(() => [out.min().dataSync()[0], out.max().dataSync()[0]]);
          t.true(min >= 0 && max <= 1, `${name} range ${min}..${max}`);
          const again = f(image);
          t.is(maxAbsDiff(out, again), 0, `${name} deterministic`);
          tf.dispose([out, again]);
        }, name);
      }
      for (const [name, f] of [['gradientMagnitude', rules.gradientMagnitude], ['edges', rules.edges]] as const) {
        await assertNoLeak(t, () => {
          const out = f(image);
          t.deepEqual(out.shape, [...image.shape.slice(0, -1), 1], `${name} shape`);
          tf.dispose(out);
        }, name);
      }
    }
    tf.dispose([single, batch]);
  }
});

test.serial('filters name the bad argument', (t) => {
  t.throws(() => rules.boxBlur(tf.zeros([4]) as tf.Tensor), { message: /boxBlur: image must be \[H, W, C\] or \[N, H, W, C\], got \[4\]/ });
  t.throws(() => rules.edges('image' as unknown as tf.Tensor), { message: /edges: image must be a tf.Tensor .* got 'image'/ });
  t.throws(() => rules.saltAndPepper(tf.fill([4, 4, 1], 3)), { message: /saltAndPepper: image must have values in \[0, 1\], got min 3, max 3/ });
  t.throws(() => rules.saltAndPepper(tf.zeros([4, 4, 1]), { amount: 2 }), { message: /options.amount must be a number >= 0 and <= 1, got 2/ });
  t.throws(() => rules.whiteNoise(0, 4), { message: /whiteNoise: height must be an integer >= 1, got 0/ });
  t.throws(() => rules.whiteNoise(4, 4, { kind: 'pink' as 'uniform' }), { message: /options.kind must be 'uniform' or 'gaussian', got 'pink'/ });
  t.throws(() => rules.fbm(8, 8, { octaves: 0 }), { message: /fbm: options.octaves must be an integer >= 1 and <= 16, got 0/ });
});

// ---------------------------------------------------------------- blend

test.serial('blend: weights are normalised to sum to one; constant images give the weighted mean', (t) => {
  const a = tf.fill([4, 4, 3], 0.2);
  const b = tf.fill([4, 4, 3], 0.6);
  const c = tf.fill([4, 4, 1], 1);
  const out = rules.blend([a, b], [1, 3]);
  t.true(maxAbsDiff(out, tf.fill([4, 4, 3], 0.2 * 0.25 + 0.6 * 0.75)) < 1e-6);
  t.true(maxAbsDiff(rules.blend([a, b], [2, 6]), out) < 1e-7, 'only the ratio matters');
  t.true(maxAbsDiff(rules.blend([a, b, c]), tf.fill([4, 4, 3], 0.6)) < 1e-6, 'equal weights: the mean; a grey image broadcasts');
  // Weights summing to one keep a random image's range: the result lies between the inputs.
  const x = rules.whiteNoise(8, 8, { seed: 1 });
  const y = rules.whiteNoise(8, 8, { seed: 2 });
  const mixed = rules.blend([x, y], [0.3, 0.7]);
  const inside = tf.tidy(() => mixed.sub(tf.minimum(x, y)).min().dataSync()[0] >= -1e-7 && tf.maximum(x, y).sub(mixed).min().dataSync()[0] >= -1e-7);
  t.true(inside);
  t.throws(() => rules.blend([a, b], [1]), { message: /blend: weights must have one entry per image \(2\), got \[1\]/ });
  t.throws(() => rules.blend([a, b], [1, -1]), { message: /blend: weights\[1\] must be a number >= 0, got -1/ });
  t.throws(() => rules.blend([a, tf.zeros([5, 4, 3])]), { message: /blend: images\[1\] must have the shape of images\[0\] \[4, 4, 3\] \(or 1 channel\), got \[5, 4, 3\]/ });
  t.throws(() => rules.blend([a, b], [0, 0]), { message: /blend: weights must not all be zero/ });
  tf.dispose([a, b, c, out, x, y, mixed]);
});

test.serial('alpha compositing: alpha 1 shows the foreground, 0 the background; a grey mask broadcasts over RGB', (t) => {
  const fg = tf.fill([2, 2, 3], 0.9) as tf.Tensor3D;
  const bg = tf.fill([2, 2, 3], 0.1) as tf.Tensor3D;
  const mask = grey([[1, 0], [0.5, 0.25]]);
  const out = rules.alphaComposite(fg, bg, mask);
  const v = Array.from(out.dataSync());
  const expected = [0.9, 0.1, 0.5, 0.3].flatMap((p) => [p, p, p]);
  v.forEach((x, i) => close(t, x, expected[i], 1e-6, `value ${i}`));
  t.true(maxAbsDiff(rules.alphaComposite(fg, bg, 0.25), tf.fill([2, 2, 3], 0.3)) < 1e-6);
  t.throws(() => rules.alphaComposite(fg, bg, 1.5), { message: /alphaComposite: alpha must be a number >= 0 and <= 1, got 1.5/ });
  tf.dispose([fg, bg, mask, out]);
});

test.serial('cross-fade: the first frame is a, the last b, the middle their mean', (t) => {
  const a = rules.whiteNoise(6, 6, { seed: 1, channels: 3 });
  const b = rules.whiteNoise(6, 6, { seed: 2, channels: 3 });
  const frames = rules.crossFade(a, b, { steps: 5 });
  t.deepEqual(frames.shape, [5, 6, 6, 3]);
  const frame = (i: number) => frames.slice([i, 0, 0, 0], [1, -1, -1, -1]).squeeze([0]);
  t.true(maxAbsDiff(frame(0), a) < 1e-7);
  t.true(maxAbsDiff(frame(4), b) < 1e-7);
  t.true(maxAbsDiff(frame(2), a.add(b).div(2)) < 1e-6);
  t.throws(() => rules.crossFade(frames as unknown as tf.Tensor3D, b), { message: /crossFade: a must be one image \[H, W, C\], got \[5, 6, 6, 3\]/ });
});

// ---------------------------------------------------------------- textures

test.serial('textures by hand: checkerboard squares, stripes, rings, bricks with mortar', (t) => {
  const black: [number, number, number] = [0, 0, 0];
  const white: [number, number, number] = [1, 1, 1];
  const colours = [black, white] as const;
  const board = rules.checkerboard(4, 4, { cellSize: 2, colours });
  t.deepEqual(board.shape, [4, 4, 3]);
  t.deepEqual(rowsOf(board), [[0, 0, 1, 1], [0, 0, 1, 1], [1, 1, 0, 0], [1, 1, 0, 0]]);
  t.deepEqual(rowsOf(rules.checkerboard(4, 4, { cellSize: 2, colours, offset: [2, 0] })), [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]]);
  t.deepEqual(rowsOf(rules.stripes(2, 8, { period: 4, colours }))[0], [1, 1, 0, 0, 1, 1, 0, 0]);
  t.deepEqual(rowsOf(rules.stripes(8, 2, { period: 4, angle: 90, colours })).map((r) => r[0]), [1, 1, 0, 0, 1, 1, 0, 0]);
  const ring = rowsOf(rules.rings(9, 9, { period: 4, colours }));
  t.is(ring[4][4], 1, 'the centre pixel (distance 0) starts a ring');
  t.is(ring[4][4 + 2], 0, 'distance 2 is between rings');
  const wall = rowsOf(rules.bricks(8, 16, { brickWidth: 8, brickHeight: 4, mortar: 1, variation: 0, colours }));
  t.true(wall[0].every((v) => v === 0), 'row 0 is mortar');
  t.deepEqual(wall[1], [0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1]);
  t.deepEqual(wall[5], [1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1], 'the next course is shifted by half a brick');
});

test.serial('textures: any size, colours between the two given, deterministic under the seed', async (t) => {
  await assertNoLeak(t, () => {
    for (const name of rules.TEXTURE_NAMES) {
      for (const [h, w] of [[17, 33], [64, 64]]) {
        const image = rules.texture(name, h, w, { seed: 3 });
        t.deepEqual(image.shape, [h, w, 3], name);
        const [c0, c1] = rules.TEXTURE_COLOURS[name];
        const v = image.dataSync();
        for (let i = 0; i < v.length; i++) {
          const c = i % 3;
          const [lo, hi] = [Math.min(c0[c], c1[c]), Math.max(c0[c], c1[c])];
          if (!(v[i] >= lo - 1e-6 && v[i] <= hi + 1e-6)) {
            t.fail(`${name}: value ${v[i]} outside its colours`);
            break;
          }
        }
        const again = rules.texture(name, h, w, { seed: 3 });
        t.is(maxAbsDiff(image, again), 0, `${name} deterministic`);
        tf.dispose([image, again]);
      }
    }
  }, 'textures');
  for (const name of ['marble', 'wood'] as const) {
    const a = rules.texture(name, 32, 32, { seed: 1 });
    const b = rules.texture(name, 32, 32, { seed: 2 });
    t.true(maxAbsDiff(a, b) > 0.1, `${name}: the seed changes the noise`);
    tf.dispose([a, b]);
  }
  t.throws(() => rules.texture('plaid' as 'marble', 8, 8), { message: /texture: name must be one of checkerboard, stripes, rings, bricks, marble, wood, got 'plaid'/ });
  t.throws(() => rules.marble(8, 8, { colours: [[0, 0, 0], [2, 0, 0]] }), { message: /marble: options.colours\[1\] must be an RGB colour/ });
});

// ---------------------------------------------------------------- kernel figure

test.serial('viz.kernelGrid writes every kernel entry into its figure, deterministically', (t) => {
  const figure = viz.kernelGrid([rules.SOBEL_X_KERNEL, rules.boxKernel(3)], { labels: ['Sobel x', 'box'] });
  t.true(figure.html.includes('Sobel x') && figure.html.includes('box'));
  const texts = [...figure.html.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  for (const value of ['-1', '0', '1', '-2', '2', '.11']) t.true(texts.includes(value), `the figure shows ${value}`);
  t.is(texts.filter((v) => v === '.11').length, 9, 'nine entries of 1/9');
  t.is(viz.kernelGrid([rules.SOBEL_X_KERNEL]).html, viz.kernelGrid([rules.SOBEL_X_KERNEL]).html);
  t.throws(() => viz.kernelGrid([rules.SOBEL_X_KERNEL], { labels: ['a', 'b'] }), { message: /kernelGrid: options.labels must have one entry per kernel \(1\), got 2/ });
  t.throws(() => viz.kernelGrid([[[1, 2], [3]]]), { message: /kernelGrid: kernels\[0\] must be a rectangular grid of numbers/ });
});
