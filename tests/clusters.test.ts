import test from 'ava';
import { tf, initBackend, data } from '../src/index';

test.before(async () => {
  await initBackend({ verbose: false });
});

test.serial('kMeans: three separated blobs are found exactly; centres are their means; inertia never rises; no leaks', (t) => {
  // Points around (0, 0), (10, 0) and (0, 10), two rows each side of every centre.
  const blobs = [[0, 0], [10, 0], [0, 10]];
  const rows: number[][] = [];
  const truth: number[] = [];
  blobs.forEach(([x, y], b) => {
    for (const [dx, dy] of [[-1, 0], [1, 0], [0, -1], [0, 1], [0.5, 0.5]]) {
      rows.push([x + dx, y + dy]);
      truth.push(b);
    }
  });
  const points = tf.tensor2d(rows);
  const before = tf.memory().numTensors;
  const result = data.kMeans(points, 3, { seed: 4 });
  t.is(tf.memory().numTensors, before + 1, 'only the centroids are left for the caller');
  // The same partition as the truth, whatever the cluster numbering.
  for (let i = 0; i < rows.length; i++) {
    for (let j = 0; j < rows.length; j++) t.is(result.assignments[i] === result.assignments[j], truth[i] === truth[j]);
  }
  t.deepEqual([...result.sizes].sort(), [5, 5, 5]);
  // Each centre is the blob centre plus the mean offset (0.1, 0.1), hand-computed.
  const centres = result.centroids.arraySync();
  for (let c = 0; c < 3; c++) {
    const b = truth[result.assignments.indexOf(c)];
    t.true(Math.abs(centres[c][0] - (blobs[b][0] + 0.1)) < 1e-5 && Math.abs(centres[c][1] - (blobs[b][1] + 0.1)) < 1e-5, JSON.stringify(centres[c]));
  }
  // Mean squared distance at the end: offsets (-1.1, -.1), (.9, -.1), (-.1, -1.1), (-.1, .9), (.4, .4).
  const expected = (1.22 + 0.82 + 1.22 + 0.82 + 0.32) / 5;
  t.true(Math.abs(result.inertia[result.inertia.length - 1] - expected) < 1e-4, `${result.inertia}`);
  t.true(result.inertia.every((v, i) => i === 0 || v <= result.inertia[i - 1] + 1e-6));
  // Images are flattened; the same seed gives the same clusters.
  const images = points.reshape([15, 1, 2, 1]);
  const again = data.kMeans(images, 3, { seed: 4 });
  t.deepEqual(Array.from(again.assignments), Array.from(result.assignments));
  tf.dispose([points, images, result.centroids, again.centroids]);
});

test('kMeans and proportionalLabels name bad arguments', (t) => {
  const points = tf.zeros([4, 2]);
  t.throws(() => data.kMeans(points, 5), { message: /kMeans: k must be an integer from 1 to the number of points \(4\), got 5/ });
  t.throws(() => data.kMeans(tf.zeros([4]), 2), { message: /kMeans: points must be a tf.Tensor \[N, D\] or \[N, H, W, C\], got \[4\]/ });
  t.throws(() => data.proportionalLabels([], 3), { message: /proportionalLabels: sizes must be non-negative numbers with a positive sum, got \[\]/ });
  t.throws(() => data.proportionalLabels([1, 2], 2.5), { message: /count must be a non-negative integer, got 2.5/ });
  points.dispose();
});

test('proportionalLabels: counts in proportion to the sizes, rounded by largest remainder, summing to count', (t) => {
  // sizes 1:2:7 of 10 labels -> exactly 1, 2, 7
  t.deepEqual(Array.from(data.proportionalLabels([1, 2, 7], 10)), [0, 1, 1, 2, 2, 2, 2, 2, 2, 2]);
  // sizes 1:1:1 of 4 labels: exact 1.33 each, one extra to the first largest remainder (ties: lowest k)
  t.deepEqual(Array.from(data.proportionalLabels([5, 5, 5], 4)), [0, 0, 1, 2]);
  // exact 0.5, 2.25, 1.25 of 4 -> floors 0, 2, 1; the missing one goes to the largest remainder 0.5 (k = 0)
  t.deepEqual(Array.from(data.proportionalLabels([2, 9, 5], 4)), [0, 1, 1, 2]);
  const many = data.proportionalLabels([80, 337, 120], 1000);
  t.is(many.length, 1000);
  t.is(many.filter((k) => k === 1).length, Math.round((337 / 537) * 1000));
});
