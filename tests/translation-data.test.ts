import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { tf, initBackend, data, metrics } from '../src/index';

test.before(async () => {
  await initBackend({ verbose: false });
});

const same = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => a.sub(b).abs().max().dataSync()[0]) === 0;
const range = (t: tf.Tensor) => tf.tidy(() => [t.min().dataSync()[0], t.max().dataSync()[0]]);

test.serial('facades: photo and label map drawn from one layout, seeded, every class present', (t) => {
  const f = data.makeFacades({ count: 12, size: 64, seed: 3 });
  t.deepEqual(f.photos.shape, [12, 64, 64, 3]);
  t.deepEqual(f.labels.shape, [12, 64, 64, 3]);
  t.deepEqual(f.classes.shape, [12, 64, 64]);
  const [lo, hi] = range(f.photos);
  t.true(lo >= 0 && hi <= 1);
  // The label image is exactly the class colours of the class map.
  const palette = tf.tensor2d(data.FACADE_LABEL_COLOURS.map((c) => [...c]));
  const expected = tf.gather(palette, f.classes);
  t.true(same(expected, f.labels));
  // Across 12 facades every class appears, and wall is the most common class.
  const counts = tf.tidy(() => Array.from(tf.bincount(f.classes.flatten(), tf.tensor1d([], 'float32'), 7).dataSync()));
  t.true(counts.every((n) => n > 0), `class counts ${counts}`);
  t.is(counts.indexOf(Math.max(...counts)), data.FACADE_CLASSES.indexOf('wall'));
  // Seeded: image i depends on (seed, i) only.
  const again = data.makeFacades({ count: 2, size: 64, seed: 3 });
  t.true(same(again.photos, f.photos.slice(0, 2)));
  const other = data.makeFacades({ count: 2, size: 64, seed: 4 });
  t.false(same(other.photos, again.photos));
  // A window pixel is darker than the wall on average (glass), a door is darker still (wood).
  const meanOf = (cls: number) => tf.tidy(() => {
    const mask = f.classes.equal(cls).cast('float32').expandDims(3);
    return f.photos.mul(mask).sum().div(mask.sum().mul(3)).dataSync()[0];
  });
  t.true(meanOf(2) < meanOf(1) && meanOf(3) < meanOf(1), 'glass and wood are darker than the wall');
  t.throws(() => data.makeFacades({ size: 16 }), { message: /options.size must be an integer >= 32, got 16/ });
  tf.dispose([f, again, other, palette, expected] as unknown as tf.TensorContainer);
});

test.serial('labels -> facades: paired [-1, 1] splits, test facades differ from training ones', (t) => {
  const set = data.labelsToFacades({ trainCount: 6, testCount: 3, size: 32, range: 'symmetric' });
  t.deepEqual(set.train.inputs.shape, [6, 32, 32, 3]);
  t.deepEqual(set.test.targets.shape, [3, 32, 32, 3]);
  const [lo, hi] = range(set.train.targets);
  t.true(lo >= -1 && hi <= 1 && lo < 0);
  t.false(same(set.train.targets.slice(0, 3), set.test.targets));
  data.disposePairedSet(set);
});

test.serial('edges -> clothing: 32 x 32 pairs, binary edge maps, held out from the test split, seeded', async (t) => {
  const set = await data.edgesToClothing({ trainCount: 40, testCount: 20, seed: 1, range: 'symmetric' });
  t.deepEqual(set.train.inputs.shape, [40, 32, 32, 1]);
  t.deepEqual(set.train.targets.shape, [40, 32, 32, 1]);
  t.deepEqual(set.test.inputs.shape, [20, 32, 32, 1]);
  t.is(set.classes[7], 'Sneaker');
  const values = new Set(set.train.inputs.dataSync());
  t.deepEqual([...values].sort(), [-1, 1], 'edge maps are black lines (-1) on white (1)');
  // The 2-pixel padding is background: -1 in the targets, white paper in the edge maps.
  t.is(tf.tidy(() => set.train.targets.slice([0, 0, 0, 0], [-1, 2, -1, -1]).max().dataSync()[0]), -1);
  // Edges lie where the item is: the mean target brightness under edge pixels is above the background.
  const underEdges = tf.tidy(() => {
    const edge = set.train.inputs.less(0).cast('float32');
    return set.train.targets.mul(edge).sum().div(edge.sum()).dataSync()[0];
  });
  t.true(underEdges > -0.9, `targets under edges ${underEdges}`);
  const again = await data.edgesToClothing({ trainCount: 40, testCount: 20, seed: 1, range: 'symmetric' });
  t.true(same(again.train.targets, set.train.targets) && same(again.train.labels, set.train.labels));
  const boots = await data.edgesToClothing({ trainCount: 10, testCount: 5, classes: [9], range: 'symmetric' });
  t.deepEqual(Array.from(new Set(boots.train.labels.dataSync())), [9]);
  [set, again, boots].forEach(data.disposePairedSet);
});

test.serial('plain <-> textured digits: grey A, coloured B, different digits, seeded', async (t) => {
  const set = await data.plainTexturedDigits({ trainCount: 50, testCount: 20, seed: 2, range: 'symmetric' });
  t.deepEqual(set.train.a.shape, [50, 28, 28, 3]);
  t.deepEqual(set.train.b.shape, [50, 28, 28, 3]);
  t.deepEqual(set.test.a.shape, [20, 28, 28, 3]);
  // A is grey: its three channels are equal. B is coloured: they differ.
  const channelSpread = (x: tf.Tensor4D) => tf.tidy(() => x.max(3).sub(x.min(3)).mean().dataSync()[0]);
  t.is(channelSpread(set.train.a), 0);
  t.true(channelSpread(set.train.b) > 0.2);
  // B's grey version still shows a bright digit on a dark ground, which the A digits are.
  const greyB = data.toGreyUnit(set.train.b, { range: 'symmetric' });
  t.deepEqual(greyB.shape, [50, 28, 28, 1]);
  t.true(tf.tidy(() => greyB.mean().dataSync()[0]) < 0.4);
  // The two domains hold different images: no B digit's grey image equals an A digit's.
  const greyA = data.toGreyUnit(set.train.a, { range: 'symmetric' });
  const distances = tf.tidy(() => greyA.reshape([50, 1, -1]).sub(greyB.reshape([1, 50, -1])).abs().mean(2).min().dataSync()[0]);
  t.true(distances > 0.01);
  const again = await data.plainTexturedDigits({ trainCount: 50, testCount: 20, seed: 2, range: 'symmetric' });
  t.true(same(again.train.b, set.train.b) && same(again.train.labelsA, set.train.labelsA));
  tf.dispose([greyA, greyB]);
  [set, again].forEach(data.disposeUnpairedSet);
});

test.serial('two-class domains: sneakers in A, ankle boots in B, from the matching splits', async (t) => {
  const shoes = await data.twoClassDomains({ trainCount: 20, testCount: 5 });
  t.deepEqual(shoes.train.a.shape, [20, 28, 28, 3]);
  t.deepEqual(shoes.test.b.shape, [5, 28, 28, 3]);
  t.deepEqual([...new Set(shoes.train.labelsA.dataSync())], [7]);
  t.deepEqual([...new Set(shoes.train.labelsB.dataSync())], [9]);
  t.deepEqual([...new Set(shoes.test.labelsB.dataSync())], [9]);
  // The default range is 'unit', every loader's: the same images as (symmetric + 1) / 2.
  const unitShoes = await data.twoClassDomains({ trainCount: 20, testCount: 5 });
  const symmetricShoes = await data.twoClassDomains({ trainCount: 20, testCount: 5, range: 'symmetric' });
  t.true(same(unitShoes.train.a, shoes.train.a));
  t.true(tf.tidy(() => symmetricShoes.train.b.add(1).div(2).sub(unitShoes.train.b).abs().max().dataSync()[0]) < 1e-6);
  [shoes, unitShoes, symmetricShoes].forEach(data.disposeUnpairedSet);
  await t.throwsAsync(data.twoClassDomains({ classA: 3, classB: 3 }), { message: /classA and options.classB must differ, got 3 twice/ });
});

test.serial('domain classifier: tells plain from textured digits', async (t) => {
  const set = await data.plainTexturedDigits({ trainCount: 300, testCount: 100, seed: 5 });
  const classifier = await metrics.trainDomainClassifier(set.train.a, set.train.b, { seed: 1 });
  t.true(classifier.shareB(set.test.b) > 0.95, 'held-out textured digits are called B');
  t.true(classifier.shareB(set.test.a) < 0.05, 'held-out plain digits are called A');
  t.is(classifier.probabilityB(set.test.a.slice(0, 3)).length, 3);
  classifier.dispose();
  data.disposeUnpairedSet(set);
});

/** Writes an RGB image of `width` x `height` whose pixel (x, y) is colour(x, y) as PNG or JPEG. */
function writeImage(file: string, width: number, height: number, colour: (x: number, y: number) => [number, number, number]): void {
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, y);
      rgba.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  if (file.endsWith('.png')) {
    const png = new PNG({ width, height });
    rgba.copy(png.data);
    fs.writeFileSync(file, PNG.sync.write(png));
  } else {
    fs.writeFileSync(file, jpeg.encode({ width, height, data: rgba }, 100).data);
  }
}

test.serial('image folder: paired side-by-side and unpaired trainA/trainB, PNG and JPEG, written here', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genlab-folder-'));
  try {
    // Paired: left half red, right half blue, 16 x 8 -> A and B of 8 x 8.
    fs.mkdirSync(path.join(dir, 'paired', 'train'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'paired', 'test'));
    const split = (x: number): [number, number, number] => (x < 8 ? [255, 0, 0] : [0, 0, 255]);
    writeImage(path.join(dir, 'paired', 'train', '1.png'), 16, 8, split);
    writeImage(path.join(dir, 'paired', 'train', '2.jpg'), 16, 8, split);
    writeImage(path.join(dir, 'paired', 'test', '1.png'), 16, 8, split);
    const paired = data.loadImageFolder(path.join(dir, 'paired'), { size: 4, range: 'symmetric' });
    t.is(paired.layout, 'paired');
    if (paired.layout !== 'paired') return;
    t.deepEqual(paired.train.inputs.shape, [2, 4, 4, 3]);
    t.deepEqual(paired.test!.targets.shape, [1, 4, 4, 3]);
    // The PNG is exact: A is red (1, -1, -1), B is blue (-1, -1, 1).
    t.deepEqual(Array.from(paired.train.inputs.slice([0, 0, 0, 0], [1, 1, 1, 3]).dataSync()), [1, -1, -1]);
    t.deepEqual(Array.from(paired.train.targets.slice([0, 2, 2, 0], [1, 1, 1, 3]).dataSync()), [-1, -1, 1]);
    // The JPEG is lossy, but close inside the halves.
    const jpegPixel = Array.from(paired.train.inputs.slice([1, 1, 1, 0], [1, 1, 1, 3]).dataSync());
    t.true(Math.abs(jpegPixel[0] - 1) < 0.15 && jpegPixel[2] < -0.8, `jpeg pixel ${jpegPixel}`);
    tf.dispose([paired.train.inputs, paired.train.targets, paired.test!.inputs, paired.test!.targets]);

    // Unpaired: trainA grey gradients (any size: resized), trainB green; grey output on request.
    for (const name of ['trainA', 'trainB']) fs.mkdirSync(path.join(dir, 'unpaired', name), { recursive: true });
    writeImage(path.join(dir, 'unpaired', 'trainA', 'a1.png'), 6, 6, (x) => [x * 51, x * 51, x * 51]);
    writeImage(path.join(dir, 'unpaired', 'trainA', 'a2.png'), 12, 12, () => [128, 128, 128]);
    writeImage(path.join(dir, 'unpaired', 'trainA', 'a3.png'), 6, 6, () => [0, 0, 0]);
    fs.writeFileSync(path.join(dir, 'unpaired', 'trainA', 'readme.txt'), 'not an image');
    writeImage(path.join(dir, 'unpaired', 'trainB', 'b1.jpeg'), 6, 6, () => [0, 255, 0]);
    const unpaired = data.loadImageFolder(path.join(dir, 'unpaired'), { size: 6, channels: 1, range: 'symmetric' });
    t.is(unpaired.layout, 'unpaired');
    if (unpaired.layout !== 'unpaired') return;
    t.deepEqual(unpaired.train.a.shape, [3, 6, 6, 1], 'three images, the .txt file skipped');
    t.deepEqual(unpaired.train.b.shape, [1, 6, 6, 1]);
    t.is(unpaired.test, undefined);
    // a1.png (sorted first): columns 0, 51, ..., 255 -> 0, 0.2, ..., 1 -> -1, -0.6, ..., 1.
    const firstRow = Array.from(unpaired.train.a.slice([0, 0, 0, 0], [1, 1, 6, 1]).dataSync());
    firstRow.forEach((v, x) => t.true(Math.abs(v - (x * 0.4 - 1)) < 1e-5, `column ${x}: ${v}`));
    // Green in grey: luma 0.587 -> 2 * 0.587 - 1.
    t.true(Math.abs(unpaired.train.b.dataSync()[0] - (2 * 0.587 - 1)) < 0.02);
    tf.dispose([unpaired.train.a, unpaired.train.b]);

    writeImage(path.join(dir, 'paired', 'train', '3.png'), 15, 8, split);
    t.throws(() => data.loadImageFolder(path.join(dir, 'paired')), { message: /A and B side by side \(an even width\), got 15 x 8/ });
    t.throws(() => data.loadImageFolder(path.join(dir, 'nothing')), { message: /dir must be a folder, got .*nothing/ });
    fs.mkdirSync(path.join(dir, 'empty'));
    t.throws(() => data.loadImageFolder(path.join(dir, 'empty')), { message: /has neither train\/ \(paired\) nor trainA\/ and trainB\/ \(unpaired\)/ });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
