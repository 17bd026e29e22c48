/**
 * Small stand-ins for the image-to-image data sets of Pix2Pix and CycleGAN, built from MNIST,
 * Fashion-MNIST and lesson 01's rules (the real sets cannot be downloaded here; see
 * image-folder.ts for loading them from disk):
 *
 *   edgesToClothing      paired   edge map -> Fashion-MNIST item  (as edges2shoes: edges by a detector)
 *   labelsToFacades      paired   label map -> facade photo       (as CMP Facades: see facades.ts)
 *   plainTexturedDigits  unpaired plain MNIST digits <-> *other* MNIST digits painted with textures
 *   twoClassDomains      unpaired two classes of one set, e.g. sneakers <-> ankle boots
 *
 * Every set is deterministic under its seed and has a held-out test split drawn from data the
 * training split never sees (the datasets' own test halves, or other facade seeds). Images are
 * in `options.range`, as every loader's: 'unit' [0, 1] by default, 'symmetric' [-1, 1] for the
 * tanh generators of Pix2Pix and CycleGAN; labels (classes) ride along for the judges.
 */
import * as tf from '@tensorflow/tfjs';
import { loadFashionMnist, loadMnist, disposeDataset, type LabelledImages } from './datasets';
import { permutation } from '../random';
import { edgePairs, texturedDomain } from './synthetic';
import { makeFacades } from './facades';
import type { TextureName } from '../rules/textures';
import { GenlabError, checkImages, checkOneOf, checkPositiveInteger, checkTensor, fail, resolveOptions } from '../errors';
import { checkInRange, checkRangeName, DEFAULT_PIXEL_RANGE, toRange, type PixelRange } from '../pixels';

/** Paired images: inputs[i] translates to targets[i]. */
export interface PairedImages {
  /** x: [N, S, S, Cin] in the set's pixel range. */
  inputs: tf.Tensor4D;
  /** y: [N, S, S, Cout] in the set's pixel range. */
  targets: tf.Tensor4D;
  /** int32 [N]: the class of each target (Fashion-MNIST class; for facades, the facade index). */
  labels: tf.Tensor1D;
}

export interface PairedSet {
  train: PairedImages;
  test: PairedImages;
  /** Class names for `labels` (empty for facades). */
  classes: string[];
}

/** Frees every tensor of a paired set. */
export function disposePairedSet(set: PairedSet): void {
  if (set === null || typeof set !== 'object' || !set.train || !set.test) fail('disposePairedSet', 'set', 'a paired set ({ train, test })', set);
  for (const split of [set.train, set.test]) tf.dispose([split.inputs, split.targets, split.labels]);
}

/** Seeded choice of `count` rows of a split (all rows, in a seeded order, when count >= N). */
function pickRows(split: LabelledImages, count: number, seed: string, keep?: (label: number) => boolean): { images: tf.Tensor4D; labels: tf.Tensor1D } {
  const labels = split.labels.dataSync();
  const order = Array.from(permutation(labels.length, seed)).filter((i) => !keep || keep(labels[i]));
  const rows = order.slice(0, Math.min(count, order.length));
  return tf.tidy(() => {
    const index = tf.tensor1d(rows, 'int32');
    return { images: tf.gather(split.images, index) as tf.Tensor4D, labels: tf.gather(split.labels, index) as tf.Tensor1D };
  });
}

/** [N, 28, 28, C] in [0, 1] -> [N, 32, 32, C], 2 pixels of background (0) on every side. */
function padTo32(images: tf.Tensor4D): tf.Tensor4D {
  return tf.pad(images, [[0, 0], [2, 2], [2, 2], [0, 0]]);
}

export interface EdgesToClothingOptions {
  /** Training pairs, drawn from Fashion-MNIST's training split (default 6000). */
  trainCount?: number;
  /** Held-out pairs, drawn from Fashion-MNIST's test split (default 1000). */
  testCount?: number;
  /** Keep only these Fashion-MNIST classes (default all ten). */
  classes?: number[];
  /** Edge threshold of rules.edges (default 0.3, its default). */
  threshold?: number;
  /** Seed of the choice of items (default 0). */
  seed?: number;
  /** Pixel range of inputs and targets (default 'unit' [0, 1]; 'symmetric' [-1, 1] for a tanh generator). */
  range?: PixelRange;
}

export const DEFAULT_EDGES_TO_CLOTHING_OPTIONS = { trainCount: 6000, testCount: 1000, threshold: 0.3, seed: 0, range: DEFAULT_PIXEL_RANGE };

/**
 * Edge map -> clothing: Fashion-MNIST items padded to 32 x 32 (the U-Net halves the size five
 * times), with their edge maps from lesson 01's detector (dark lines on white, as edges2shoes).
 * inputs and targets are [N, 32, 32, 1] in `options.range`.
 */
export async function edgesToClothing(options: EdgesToClothingOptions = {}): Promise<PairedSet> {
  const o = resolveOptions('edgesToClothing', DEFAULT_EDGES_TO_CLOTHING_OPTIONS, options, ['classes']);
  for (const key of ['trainCount', 'testCount'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new GenlabError(`edgesToClothing: options.${key} must be a positive integer, got ${o[key]}`);
  }
  checkRangeName('edgesToClothing', 'options.range', o.range);
  const fashion = await loadFashionMnist();
  const keep = o.classes ? (label: number) => o.classes!.includes(label) : undefined;
  const make = (split: LabelledImages, count: number, name: string): PairedImages => {
    const picked = pickRows(split, count, `edgesToClothing:${o.seed}:${name}`, keep);
    const padded = padTo32(picked.images);
    const pairs = edgePairs(padded, { threshold: o.threshold });
    const result = tf.tidy(() => ({
      inputs: toRange(pairs.edges, 'unit', o.range),
      targets: toRange(pairs.images, 'unit', o.range),
      labels: picked.labels,
    }));
    tf.dispose([picked.images, padded, pairs.edges, pairs.images]);
    return result;
  };
  try {
    return { train: make(fashion.train, o.trainCount, 'train'), test: make(fashion.test, o.testCount, 'test'), classes: fashion.classes };
  } finally {
    disposeDataset(fashion);
  }
}

export interface LabelsToFacadesOptions {
  /** Training pairs (default 800). */
  trainCount?: number;
  /** Held-out pairs, drawn with another seed (default 100). */
  testCount?: number;
  /** Height and width (default 64). */
  size?: number;
  /** Seed (default 0); the test split uses seed + 1000000. */
  seed?: number;
  /** Pixel range of inputs and targets (default 'unit' [0, 1]; 'symmetric' [-1, 1] for a tanh generator). */
  range?: PixelRange;
}

export const DEFAULT_LABELS_TO_FACADES_OPTIONS = { trainCount: 800, testCount: 100, size: 64, seed: 0, range: DEFAULT_PIXEL_RANGE };

/** Label map -> facade photo, both [N, S, S, 3] in `options.range` (see facades.ts). */
export function labelsToFacades(options: LabelsToFacadesOptions = {}): PairedSet {
  const o = resolveOptions('labelsToFacades', DEFAULT_LABELS_TO_FACADES_OPTIONS, options);
  checkRangeName('labelsToFacades', 'options.range', o.range);
  const make = (count: number, seed: number): PairedImages => {
    const f = makeFacades({ count, size: o.size, seed });
    const result = tf.tidy(() => ({
      inputs: toRange(f.labels, 'unit', o.range),
      targets: toRange(f.photos, 'unit', o.range),
      labels: tf.range(0, count, 1, 'int32') as tf.Tensor1D,
    }));
    tf.dispose([f.labels, f.photos, f.classes]);
    return result;
  };
  return { train: make(o.trainCount, o.seed), test: make(o.testCount, o.seed + 1000000), classes: [] };
}

/** Unpaired images of two domains, with the digit each image shows. */
export interface UnpairedImages {
  /** Domain A [N_A, 28, 28, 3] in the set's pixel range. */
  a: tf.Tensor4D;
  /** Domain B [N_B, 28, 28, 3] in the set's pixel range. */
  b: tf.Tensor4D;
  /** int32 [N_A]: the class shown by each A image. */
  labelsA: tf.Tensor1D;
  /** int32 [N_B]. */
  labelsB: tf.Tensor1D;
}

export interface UnpairedSet {
  train: UnpairedImages;
  test: UnpairedImages;
  classes: string[];
}

/** Frees every tensor of an unpaired set. */
export function disposeUnpairedSet(set: UnpairedSet): void {
  if (set === null || typeof set !== 'object' || !set.train || !set.test) fail('disposeUnpairedSet', 'set', 'an unpaired set ({ train, test })', set);
  for (const split of [set.train, set.test]) tf.dispose([split.a, split.b, split.labelsA, split.labelsB]);
}

export interface PlainTexturedDigitsOptions {
  /** Images per domain in the training split (default 3000; MNIST's 8,000 training digits are split between A and B). */
  trainCount?: number;
  /** Images per domain in the test split, from MNIST's test digits (default 500). */
  testCount?: number;
  /** Texture painted inside the digit (default 'stripes', bright colours: see DEFAULT_DIGIT_TEXTURES). */
  fillTexture?: TextureName;
  /** Texture behind the digit (default 'checkerboard', dark colours). */
  backgroundTexture?: TextureName;
  /** Seed of the split into A and B and of the texture windows (default 0). */
  seed?: number;
  /** Pixel range of both domains (default 'unit' [0, 1]; 'symmetric' [-1, 1] for tanh generators). */
  range?: PixelRange;
}

export const DEFAULT_PLAIN_TEXTURED_DIGITS_OPTIONS = { trainCount: 3000, testCount: 500, fillTexture: 'stripes' as TextureName, backgroundTexture: 'checkerboard' as TextureName, seed: 0, range: DEFAULT_PIXEL_RANGE };

/**
 * Colours of domain B: a bright fill on a dark background, so a textured digit is still a
 * light shape on a dark ground (as MNIST digits are) and the judge can read it.
 */
export const DEFAULT_DIGIT_TEXTURES = {
  // Grey (luma) about 0.93 and 0.76 inside, 0.05 behind: the MNIST judge reads 95% of these
  // textured test digits (96% of the plain ones); with a lighter ground (luma 0.12) only 88%.
  fill: [[1.0, 0.95, 0.6], [1.0, 0.7, 0.3]] as const,
  background: [[0.02, 0.05, 0.15], [0.1, 0.02, 0.12]] as const,
  cellSize: 4,
  period: 4,
};

/** Paints grey shapes [N, 28, 28, 1] in [0, 1]: bright texture inside, dark texture behind. [N, 28, 28, 3] in [0, 1]. */
export function paintTextured(images: tf.Tensor4D, options: { fillTexture?: TextureName; backgroundTexture?: TextureName; seed?: number } = {}): tf.Tensor4D {
  checkImages('paintTextured', 'images', images, [1]);
  const { fillTexture, backgroundTexture, seed } = DEFAULT_PLAIN_TEXTURED_DIGITS_OPTIONS;
  const o = resolveOptions('paintTextured', { fillTexture, backgroundTexture, seed }, options);
  const common = { cellSize: DEFAULT_DIGIT_TEXTURES.cellSize, period: DEFAULT_DIGIT_TEXTURES.period };
  const inside = texturedDomain(images, o.fillTexture, { mode: 'fill', seed: o.seed, textureOptions: { ...common, colours: DEFAULT_DIGIT_TEXTURES.fill } });
  const behind = texturedDomain(images, o.backgroundTexture, { mode: 'background', seed: o.seed + 1, textureOptions: { ...common, colours: DEFAULT_DIGIT_TEXTURES.background } });
  const out = tf.add(inside, behind) as tf.Tensor4D; // fill: mask * t1 + (1 - mask) * 0; background: mask * 0 + (1 - mask) * t2
  tf.dispose([inside, behind]);
  return out;
}

/**
 * Plain <-> textured digits, unpaired: domain A is grey MNIST digits (as 3 channels), domain B
 * is *other* MNIST digits (no digit image is in both) painted by `paintTextured`. A
 * translation A -> B must keep the digit and change its look, and no B image is the answer
 * for any A image.
 */
export async function plainTexturedDigits(options: PlainTexturedDigitsOptions = {}): Promise<UnpairedSet> {
  const o = resolveOptions('plainTexturedDigits', DEFAULT_PLAIN_TEXTURED_DIGITS_OPTIONS, options);
  for (const key of ['trainCount', 'testCount'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new GenlabError(`plainTexturedDigits: options.${key} must be a positive integer, got ${o[key]}`);
  }
  checkRangeName('plainTexturedDigits', 'options.range', o.range);
  const dataset = await loadMnist();
  const make = (split: LabelledImages, count: number, name: string): UnpairedImages => {
    // 2 x count different images: the first half becomes A, the second half B.
    const picked = pickRows(split, 2 * count, `plainTexturedDigits:${o.seed}:${name}`);
    const n = picked.images.shape[0];
    if (n < 2) throw new GenlabError(`plainTexturedDigits: the ${name} split has fewer than 2 images of the chosen classes`);
    const half = Math.floor(n / 2);
    const greyA = picked.images.slice(0, half);
    const greyB = picked.images.slice(half, half);
    const paintedB = paintTextured(greyB, { fillTexture: o.fillTexture, backgroundTexture: o.backgroundTexture, seed: o.seed + (name === 'test' ? 7 : 0) });
    const result = tf.tidy(() => ({
      a: toRange(greyA.tile([1, 1, 1, 3]) as tf.Tensor4D, 'unit', o.range),
      b: toRange(paintedB, 'unit', o.range),
      labelsA: picked.labels.slice(0, half),
      labelsB: picked.labels.slice(half, half),
    }));
    tf.dispose([picked.images, picked.labels, greyA, greyB, paintedB]);
    return result;
  };
  try {
    return { train: make(dataset.train, o.trainCount, 'train'), test: make(dataset.test, o.testCount, 'test'), classes: dataset.classes };
  } finally {
    disposeDataset(dataset);
  }
}

/** [N, H, W, 3] RGB in `options.range` -> [N, H, W, 1] grey in [0, 1] (ITU-R 601 luma), e.g. for the MNIST judge. */
export function toGreyUnit(images: tf.Tensor4D, options: { range?: PixelRange } = {}): tf.Tensor4D {
  checkImages('toGreyUnit', 'images', images);
  const { range } = resolveOptions('toGreyUnit', { range: DEFAULT_PIXEL_RANGE }, options);
  checkRangeName('toGreyUnit', 'options.range', range);
  checkInRange('toGreyUnit', 'images', images, range);
  return tf.tidy(() => {
    const unit = toRange(images, range, 'unit');
    if (images.shape[3] === 1) return unit.clipByValue(0, 1) as tf.Tensor4D;
    return unit.mul(tf.tensor1d([0.299, 0.587, 0.114])).sum(3, true).clipByValue(0, 1) as tf.Tensor4D;
  });
}

/** [N, 32, 32, C] in `options.range` (edgesToClothing's padded images) -> the central [N, 28, 28, C] in [0, 1], for the judge. */
export function unpadToUnit(images: tf.Tensor4D, options: { range?: PixelRange } = {}): tf.Tensor4D {
  checkTensor('unpadToUnit', 'images', images, { shape: [null, 32, 32, null], layout: '[N, 32, 32, C]', dtype: 'float32' });
  const { range } = resolveOptions('unpadToUnit', { range: DEFAULT_PIXEL_RANGE }, options);
  checkRangeName('unpadToUnit', 'options.range', range);
  checkInRange('unpadToUnit', 'images', images, range);
  if (images.rank !== 4 || images.shape[1] !== 32 || images.shape[2] !== 32) {
    throw new GenlabError(`unpadToUnit: images must be [N, 32, 32, C], got [${images.shape}]`);
  }
  return tf.tidy(() => toRange(images.slice([0, 2, 2, 0], [-1, 28, 28, -1]) as tf.Tensor4D, range, 'unit').clipByValue(0, 1) as tf.Tensor4D);
}

export interface TwoClassDomainsOptions {
  /** 'mnist' or 'fashion' (default 'fashion'). */
  dataset?: 'mnist' | 'fashion';
  /** The class of domain A (default 7, Sneaker). */
  classA?: number;
  /** The class of domain B (default 9, Ankle boot). */
  classB?: number;
  /** Images per domain in the training split (default 2000). */
  trainCount?: number;
  /** Images per domain in the test split (default 300). */
  testCount?: number;
  /** Seed of the choice of images (default 0). */
  seed?: number;
  /** Pixel range of both domains (default 'unit' [0, 1]; 'symmetric' [-1, 1] for tanh generators). */
  range?: PixelRange;
}

export const DEFAULT_TWO_CLASS_DOMAINS_OPTIONS = { dataset: 'fashion' as const, classA: 7, classB: 9, trainCount: 2000, testCount: 300, seed: 0, range: DEFAULT_PIXEL_RANGE };

/**
 * Two classes of one data set as two unpaired domains, e.g. Fashion-MNIST sneakers <-> ankle
 * boots (the horse <-> zebra of this course): [N, 28, 28, 3] grey images in `options.range`.
 */
export async function twoClassDomains(options: TwoClassDomainsOptions = {}): Promise<UnpairedSet> {
  const o = resolveOptions('twoClassDomains', DEFAULT_TWO_CLASS_DOMAINS_OPTIONS, options);
  for (const key of ['classA', 'classB'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 0 || o[key] > 9) throw new GenlabError(`twoClassDomains: options.${key} must be a class 0-9, got ${o[key]}`);
  }
  checkOneOf('twoClassDomains', 'options.dataset', o.dataset, ['mnist', 'fashion']);
  for (const key of ['trainCount', 'testCount'] as const) checkPositiveInteger('twoClassDomains', `options.${key}`, o[key]);
  if (o.classA === o.classB) throw new GenlabError(`twoClassDomains: options.classA and options.classB must differ, got ${o.classA} twice`);
  checkRangeName('twoClassDomains', 'options.range', o.range);
  const dataset = o.dataset === 'fashion' ? await loadFashionMnist() : await loadMnist();
  const make = (split: LabelledImages, count: number, name: string): UnpairedImages => {
    const a = pickRows(split, count, `twoClassDomains:${o.seed}:${name}:A`, (label) => label === o.classA);
    const b = pickRows(split, count, `twoClassDomains:${o.seed}:${name}:B`, (label) => label === o.classB);
    const result = tf.tidy(() => ({
      a: toRange(a.images.tile([1, 1, 1, 3]) as tf.Tensor4D, 'unit', o.range),
      b: toRange(b.images.tile([1, 1, 1, 3]) as tf.Tensor4D, 'unit', o.range),
      labelsA: a.labels,
      labelsB: b.labels,
    }));
    tf.dispose([a.images, b.images]);
    return result;
  };
  try {
    return { train: make(dataset.train, o.trainCount, 'train'), test: make(dataset.test, o.testCount, 'test'), classes: dataset.classes };
  } finally {
    disposeDataset(dataset);
  }
}
