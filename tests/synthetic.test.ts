import test from 'ava';
import { tf, initBackend, data, rules } from '../src/index';
import { assertNoLeak } from './helpers';

test.before(async () => {
  await initBackend({ verbose: false });
});

/** Two 16 x 16 grey shapes: a filled square and a ring. */
function shapes(): tf.Tensor4D {
  const square = new Float32Array(256);
  const ring = new Float32Array(256);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      if (x >= 4 && x < 12 && y >= 4 && y < 12) square[y * 16 + x] = 1;
      const r = Math.hypot(x - 7.5, y - 7.5);
      if (r > 3 && r < 6) ring[y * 16 + x] = 1;
    }
  }
  return tf.tensor4d([...square, ...ring], [2, 16, 16, 1]);
}

test.serial('edgePairs: edge maps of the images, dark lines on white by default, images copied', async (t) => {
  const images = shapes();
  await assertNoLeak(t, () => {
    const pairs = data.edgePairs(images, { blurSigma: 0 });
    t.deepEqual(pairs.edges.shape, [2, 16, 16, 1]);
    t.deepEqual(pairs.images.shape, [2, 16, 16, 1]);
    t.not(pairs.images, images, 'a copy the caller can dispose independently');
    const expected = rules.edges(images, { blurSigma: 0, threshold: 0.3, invert: true });
    t.is(tf.tidy(() => pairs.edges.sub(expected).abs().max().dataSync()[0]), 0);
    const values = new Set(pairs.edges.dataSync());
    t.deepEqual([...values].sort(), [0, 1], 'a binary map');
    // The square's edge: its border rows and columns are edges (0 = dark line); its middle and the far corner are not.
    const square = tf.tidy(() => pairs.edges.slice([0, 0, 0, 0], [1, -1, -1, -1]).reshape([16, 16]).arraySync() as number[][]);
    t.is(square[8][4], 0);
    t.is(square[8][3], 0);
    t.is(square[8][8], 1);
    t.is(square[0][0], 1);
    tf.dispose([pairs.edges, pairs.images, expected]);
  }, 'edgePairs');
  images.dispose();
});

test.serial('edgePairs: channels match colour images; jitter is deterministic under the seed', (t) => {
  const colour = tf.tidy(() => shapes().tile([1, 1, 1, 3])) as tf.Tensor4D;
  const pairs = data.edgePairs(colour);
  t.deepEqual(pairs.edges.shape, [2, 16, 16, 3]);
  const grey = data.edgePairs(colour, { channels: 1 });
  t.deepEqual(grey.edges.shape, [2, 16, 16, 1]);
  const a = data.edgePairs(colour, { thresholdJitter: 0.9, seed: 1 });
  const b = data.edgePairs(colour, { thresholdJitter: 0.9, seed: 1 });
  t.is(tf.tidy(() => a.edges.sub(b.edges).abs().max().dataSync()[0]), 0);
  t.throws(() => data.edgePairs(tf.zeros([16, 16, 1]) as unknown as tf.Tensor4D), { message: /edgePairs: images must be \[N, H, W, C\] in \[0, 1\], got \[16, 16, 1\]/ });
  t.throws(() => data.edgePairs(colour, { thresholdJitter: 1.5 }), { message: /edgePairs: options.thresholdJitter must be in \[0, 1\), got 1.5/ });
  tf.dispose([colour, pairs.edges, pairs.images, grey.edges, grey.images, a.edges, a.images, b.edges, b.images]);
});

test.serial('texturedDomain: texture inside the shape, the plain colour outside; deterministic under the seed', async (t) => {
  const images = shapes();
  await assertNoLeak(t, () => {
    for (const name of rules.TEXTURE_NAMES) {
      const out = data.texturedDomain(images, name, { seed: 2, plainColour: [0, 0, 0] });
      t.deepEqual(out.shape, [2, 16, 16, 3], name);
      const v = out.dataSync();
      const mask = images.dataSync();
      for (let p = 0; p < mask.length; p++) {
        if (mask[p] === 0 && (v[p * 3] !== 0 || v[p * 3 + 1] !== 0 || v[p * 3 + 2] !== 0)) {
          t.fail(`${name}: pixel ${p} outside the shape is not the plain colour`);
          break;
        }
      }
      const inside = Array.from({ length: mask.length }, (_, p) => p).filter((p) => mask[p] === 1);
      t.true(inside.some((p) => v[p * 3] > 0.1), `${name}: the texture shows inside`);
      const again = data.texturedDomain(images, name, { seed: 2, plainColour: [0, 0, 0] });
      t.is(tf.tidy(() => out.sub(again).abs().max().dataSync()[0]), 0, `${name}: deterministic`);
      tf.dispose([out, again]);
    }
  }, 'texturedDomain');
  const a = data.texturedDomain(images, 'marble', { seed: 1 });
  const b = data.texturedDomain(images, 'marble', { seed: 2 });
  t.true(tf.tidy(() => a.sub(b).abs().max().dataSync()[0]) > 0.05, 'another seed, other windows of the texture');
  const background = data.texturedDomain(images, 'bricks', { mode: 'background', plainColour: [1, 1, 1] });
  t.deepEqual(Array.from(background.slice([0, 8, 8, 0], [1, 1, 1, 3]).dataSync()), [1, 1, 1], 'the shape keeps the plain colour');
  t.throws(() => data.texturedDomain(images, 'tartan' as 'marble'), { message: /texturedDomain: texture must be one of checkerboard, stripes, rings, bricks, marble, wood, got "tartan"/ });
  const colour = images.tile([1, 1, 1, 3]) as tf.Tensor4D;
  t.throws(() => data.texturedDomain(colour, 'wood'), { message: /texturedDomain: images must be grey shapes \[N, H, W, 1\], got \[2, 16, 16, 3\]/ });
  tf.dispose([images, a, b, background, colour]);
});
