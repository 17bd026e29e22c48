import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend, data } from '../src/index';
import { assertNoLeak } from './helpers';

test.before(async () => {
  await initBackend({ verbose: false });
});

function labelCounts(labels: tf.Tensor1D): number[] {
  const counts = new Array(10).fill(0);
  for (const k of labels.dataSync()) counts[k]++;
  return counts;
}

test.serial('MNIST: 8,000 + 2,000 digits of shape 28x28x1 in [0, 1], every class present', async (t) => {
  const mnist = await data.loadMnist();
  t.deepEqual(mnist.train.images.shape, [8000, 28, 28, 1]);
  t.deepEqual(mnist.test.images.shape, [2000, 28, 28, 1]);
  t.is(mnist.train.images.dtype, 'float32');
  t.is(mnist.train.labels.dtype, 'int32');
  t.deepEqual(mnist.test.labels.shape, [2000]);
  // The mnist package holds 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 digits of 0-9.
  const all = labelCounts(mnist.train.labels).map((n, k) => n + labelCounts(mnist.test.labels)[k]);
  t.deepEqual(all, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  t.true(labelCounts(mnist.test.labels).every((n) => n >= 150), 'the shuffled test split has every class');
  t.is(mnist.train.images.min().dataSync()[0], 0);
  t.is(mnist.train.images.max().dataSync()[0], 1);
  const mean = mnist.train.images.mean().dataSync()[0];
  t.true(mean > 0.1 && mean < 0.15, `mean pixel ${mean} (MNIST's is about 0.13)`);
  data.disposeDataset(mnist);
});

test.serial('Fashion-MNIST: 60,000 + 10,000 items, 7,000 per class, range [-1, 1] on request', async (t) => {
  const fashion = await data.loadFashionMnist({ range: 'symmetric' });
  t.deepEqual(fashion.train.images.shape, [60000, 28, 28, 1]);
  t.deepEqual(fashion.test.images.shape, [10000, 28, 28, 1]);
  const train = labelCounts(fashion.train.labels);
  const test_ = labelCounts(fashion.test.labels);
  t.deepEqual(train.map((n, k) => n + test_[k]), new Array(10).fill(7000));
  t.is(fashion.test.images.min().dataSync()[0], -1);
  t.is(fashion.test.images.max().dataSync()[0], 1);
  t.is(fashion.classes[9], 'Ankle boot');
  data.disposeDataset(fashion);
});

test.serial('the same image in both ranges: x_sym = 2 * x_unit - 1', async (t) => {
  const unit = await data.loadMnist({ trainLimit: 10 });
  const sym = await data.loadMnist({ range: 'symmetric', trainLimit: 10 });
  t.deepEqual(unit.train.images.shape, [10, 28, 28, 1]);
  const diff = tf.tidy(() => unit.train.images.mul(2).sub(1).sub(sym.train.images).abs().max().dataSync()[0]);
  t.true(diff < 1e-6);
  // toRange is the same map, both ways, and refuses images that are not in the range they are said to be in.
  const converted = data.toRange(unit.train.images, 'unit', 'symmetric');
  const back = data.toRange(sym.train.images, 'symmetric', 'unit');
  t.true(tf.tidy(() => converted.sub(sym.train.images).abs().max().dataSync()[0]) < 1e-6);
  t.true(tf.tidy(() => back.sub(unit.train.images).abs().max().dataSync()[0]) < 1e-6);
  t.throws(() => data.toRange(sym.train.images, 'unit', 'symmetric'), { message: /toRange: images must have values in \[0, 1\] \(range 'unit'\), got values from -1 to 1 \(a tanh generator's \[-1, 1\] images\? say so with range: 'symmetric'\)/ });
  const bytes = tf.tidy(() => unit.train.images.mul(255));
  t.throws(() => data.toRange(bytes, 'unit', 'symmetric'), { message: /got values from 0 to 255 \(pixels in \[0, 255\]\? divide by 255 first\)/ });
  const copy = data.toRange(unit.train.images, 'unit', 'unit');
  t.not(copy, unit.train.images);
  tf.dispose([converted, back, bytes, copy]);
  data.disposeDataset(unit);
  data.disposeDataset(sym);
});

test.serial('a bad range option names the option and the value', async (t) => {
  const error = await t.throwsAsync(data.loadMnist({ range: [0, 255] as unknown as 'unit' }));
  t.regex(error!.message, /loadDataset: options\.range must be 'unit' \(\[0, 1\]\) or 'symmetric' \(\[-1, 1\]\), got \[0, 255\]/);
  const tuple = await t.throwsAsync(data.loadMnist({ range: [-1, 1] as unknown as 'unit' }));
  t.regex(tuple!.message, /got \[-1, 1\] \(for \[-1, 1\] write 'symmetric'\)/);
});

test.serial('batches: seeded, reproducible, exact sizes, no leaks', async (t) => {
  const mnist = await data.loadMnist({ trainLimit: 100 });
  const labelsOf = (seed: number) => {
    const out: number[][] = [];
    for (const batch of data.batches(mnist.train, { batchSize: 32, seed })) {
      t.deepEqual(batch.images.shape, [32, 28, 28, 1]);
      out.push(Array.from(batch.labels.dataSync()));
      tf.dispose([batch.images, batch.labels]);
    }
    return out;
  };
  await assertNoLeak(t, () => {
    const a = labelsOf(7);
    t.is(a.length, 3, '100 images in batches of 32 with the remainder dropped');
    t.deepEqual(labelsOf(7), a, 'same seed, same batches');
    t.notDeepEqual(labelsOf(8), a, 'another seed, another order');
  }, 'a batch stream');
  let seen = 0;
  await assertNoLeak(t, () => data.forEachBatch(mnist.train, { batchSize: 40, dropRemainder: false, shuffle: false }, (b) => {
    seen += b.images.shape[0];
  }), 'forEachBatch');
  t.is(seen, 100);
  t.throws(() => data.batches(mnist.train, { batchSize: 0 }).next(), { message: /batchSize must be a positive integer, got 0/ });
  data.disposeDataset(mnist);
});

test.serial('a missing or corrupt dataset file names the file and the rebuild command', async (t) => {
  const source = data.datasetDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genlab-data-'));
  for (const f of ['manifest.json', 'mnist-labels.bin']) fs.copyFileSync(path.join(source, f), path.join(dir, f));
  const saved = process.env.GENLAB_DATA_DIR;
  process.env.GENLAB_DATA_DIR = dir;
  try {
    let error = await t.throwsAsync(data.loadMnist());
    t.regex(error!.message, /mnist-images\.bin is missing; rebuild it with `npm run datasets`/);
    fs.writeFileSync(path.join(dir, 'mnist-images.bin'), Buffer.alloc(100));
    error = await t.throwsAsync(data.loadMnist());
    t.regex(error!.message, /mnist-images\.bin is truncated: 100 of 7,840,000 bytes; rebuild it with `npm run datasets`/);
    const bytes = fs.readFileSync(path.join(source, 'mnist-images.bin'));
    bytes[1000] ^= 0xff;
    fs.writeFileSync(path.join(dir, 'mnist-images.bin'), bytes);
    error = await t.throwsAsync(data.loadMnist());
    t.regex(error!.message, /mnist-images\.bin is corrupt: its sha256 is [0-9a-f]{12}…, [0-9a-f]{12}… was written; rebuild it with `npm run datasets`/);
  } finally {
    if (saved === undefined) delete process.env.GENLAB_DATA_DIR;
    else process.env.GENLAB_DATA_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('permutation is a seeded shuffle of 0..n-1', (t) => {
  const p = data.permutation(1000, 3);
  t.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  t.deepEqual(data.permutation(1000, 3), p);
  t.notDeepEqual(data.permutation(1000, 4), p);
});
