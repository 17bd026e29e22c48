/**
 * Loading a real image-to-image data set from a folder, laid out as the Pix2Pix/CycleGAN
 * reference code expects (and as their download scripts unpack facades, edges2shoes, horse2zebra):
 *
 *   paired:    <dir>/train/*.png|jpg   each file is A and B side by side (A left, B right)
 *              <dir>/test/ (or val/)   the same, held out
 *   unpaired:  <dir>/trainA/ <dir>/trainB/ <dir>/testA/ <dir>/testB/   one image per file
 *
 * PNG is decoded with pngjs and JPEG with jpeg-js (both maintained npm packages); images are
 * resized to `size` x `size` with bilinear interpolation, in `options.range` ([0, 1] by default). Files are read
 * in sorted name order, so a folder always loads the same way.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { GenlabError, resolveOptions } from '../errors';
import { checkRangeName, DEFAULT_PIXEL_RANGE, toRange, type PixelRange } from '../pixels';

export interface ImageFolderOptions {
  /** 'paired' (side-by-side files in train/, test/), 'unpaired' (trainA/, trainB/, …) or 'auto' (default): whichever folders exist. */
  layout?: 'paired' | 'unpaired' | 'auto';
  /** Output height and width (default 64). */
  size?: number;
  /** 1 (grey) or 3 (RGB) channels (default 3). */
  channels?: 1 | 3;
  /** Read at most this many files per folder (default all). */
  limit?: number;
  /** Pixel range of the tensors (default 'unit' [0, 1]; 'symmetric' [-1, 1] for a tanh generator). */
  range?: PixelRange;
}

export const DEFAULT_IMAGE_FOLDER_OPTIONS = { layout: 'auto' as const, size: 64, channels: 3 as 1 | 3, range: DEFAULT_PIXEL_RANGE };

/** What a folder holds: paired splits ({ inputs, targets }) or unpaired ones ({ a, b }); a missing split is undefined. */
export type ImageFolder =
  | { layout: 'paired'; train: { inputs: tf.Tensor4D; targets: tf.Tensor4D }; test?: { inputs: tf.Tensor4D; targets: tf.Tensor4D } }
  | { layout: 'unpaired'; train: { a: tf.Tensor4D; b: tf.Tensor4D }; test?: { a: tf.Tensor4D; b: tf.Tensor4D } };

const EXTENSIONS = /\.(png|jpe?g)$/i;

/** Decodes a PNG or JPEG file to RGB: { width, height, data: Uint8Array [H * W * 3] }. */
export function decodeImageFile(file: string): { width: number; height: number; data: Uint8Array } {
  const bytes = fs.readFileSync(file);
  let rgba: { width: number; height: number; data: Uint8Array };
  if (/\.png$/i.test(file)) {
    const png = PNG.sync.read(bytes);
    rgba = { width: png.width, height: png.height, data: png.data };
  } else if (/\.jpe?g$/i.test(file)) {
    rgba = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  } else {
    throw new GenlabError(`decodeImageFile: file must end in .png, .jpg or .jpeg, got ${file}`);
  }
  const rgb = new Uint8Array(rgba.width * rgba.height * 3);
  for (let i = 0; i < rgba.width * rgba.height; i++) {
    rgb[i * 3] = rgba.data[i * 4];
    rgb[i * 3 + 1] = rgba.data[i * 4 + 1];
    rgb[i * 3 + 2] = rgba.data[i * 4 + 2];
  }
  return { width: rgba.width, height: rgba.height, data: rgb };
}

function listImages(dir: string, limit: number): string[] {
  const files = fs.readdirSync(dir).filter((f) => EXTENSIONS.test(f)).sort();
  if (files.length === 0) throw new GenlabError(`loadImageFolder: ${dir} has no .png, .jpg or .jpeg files`);
  return files.slice(0, limit).map((f) => path.join(dir, f));
}

/** One decoded image [H, W, 3] (uint8 values) -> [size, size, channels] in `range`. */
function prepare(image: tf.Tensor3D, size: number, channels: 1 | 3, range: PixelRange): tf.Tensor3D {
  return tf.tidy(() => {
    let x = tf.image.resizeBilinear(image.toFloat().div(255) as tf.Tensor3D, [size, size], true); // [0, 1]
    if (channels === 1) x = x.mul(tf.tensor1d([0.299, 0.587, 0.114])).sum(2, true) as tf.Tensor3D;
    return toRange(x, 'unit', range);
  });
}

function loadSingles(dir: string, size: number, channels: 1 | 3, limit: number, range: PixelRange): tf.Tensor4D {
  const images = listImages(dir, limit).map((file) => {
    const { width, height, data } = decodeImageFile(file);
    const raw = tf.tensor3d(data, [height, width, 3], 'int32');
    const out = prepare(raw, size, channels, range);
    raw.dispose();
    return out;
  });
  const stacked = tf.stack(images) as tf.Tensor4D;
  tf.dispose(images);
  return stacked;
}

function loadSideBySide(dir: string, size: number, channels: 1 | 3, limit: number, range: PixelRange): { inputs: tf.Tensor4D; targets: tf.Tensor4D } {
  const inputs: tf.Tensor3D[] = [];
  const targets: tf.Tensor3D[] = [];
  for (const file of listImages(dir, limit)) {
    const { width, height, data } = decodeImageFile(file);
    if (width % 2 !== 0) throw new GenlabError(`loadImageFolder: a paired image must be A and B side by side (an even width), got ${width} x ${height} in ${file}`);
    const raw = tf.tensor3d(data, [height, width, 3], 'int32');
    const half = width / 2;
    const left = raw.slice([0, 0, 0], [height, half, 3]);
    const right = raw.slice([0, half, 0], [height, half, 3]);
    inputs.push(prepare(left, size, channels, range));
    targets.push(prepare(right, size, channels, range));
    tf.dispose([raw, left, right]);
  }
  const result = { inputs: tf.stack(inputs) as tf.Tensor4D, targets: tf.stack(targets) as tf.Tensor4D };
  tf.dispose([inputs, targets]);
  return result;
}

/** Loads a paired or unpaired image folder (see the header); tensors in `options.range`. */
export function loadImageFolder(dir: string, options: ImageFolderOptions = {}): ImageFolder {
  const o = resolveOptions('loadImageFolder', DEFAULT_IMAGE_FOLDER_OPTIONS, options, ['limit']);
  const limit = o.limit ?? Infinity;
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new GenlabError(`loadImageFolder: dir must be a folder, got ${dir}`);
  if (!Number.isInteger(o.size) || o.size < 1) throw new GenlabError(`loadImageFolder: options.size must be a positive integer, got ${o.size}`);
  if (o.channels !== 1 && o.channels !== 3) throw new GenlabError(`loadImageFolder: options.channels must be 1 or 3, got ${o.channels}`);
  checkRangeName('loadImageFolder', 'options.range', o.range);
  const has = (name: string) => fs.existsSync(path.join(dir, name));
  let layout = o.layout;
  if (layout === 'auto') {
    if (has('trainA') && has('trainB')) layout = 'unpaired';
    else if (has('train')) layout = 'paired';
    else throw new GenlabError(`loadImageFolder: ${dir} has neither train/ (paired) nor trainA/ and trainB/ (unpaired)`);
  }
  if (layout === 'paired') {
    if (!has('train')) throw new GenlabError(`loadImageFolder: a paired folder needs ${path.join(dir, 'train')}/`);
    const testDir = has('test') ? 'test' : has('val') ? 'val' : undefined;
    return {
      layout,
      train: loadSideBySide(path.join(dir, 'train'), o.size, o.channels, limit, o.range),
      test: testDir ? loadSideBySide(path.join(dir, testDir), o.size, o.channels, limit, o.range) : undefined,
    };
  }
  if (layout !== 'unpaired') throw new GenlabError(`loadImageFolder: options.layout must be 'paired', 'unpaired' or 'auto', got '${layout}'`);
  for (const name of ['trainA', 'trainB']) if (!has(name)) throw new GenlabError(`loadImageFolder: an unpaired folder needs ${path.join(dir, name)}/`);
  const single = (name: string) => loadSingles(path.join(dir, name), o.size, o.channels, limit, o.range);
  return {
    layout,
    train: { a: single('trainA'), b: single('trainB') },
    test: has('testA') && has('testB') ? { a: single('testA'), b: single('testB') } : undefined,
  };
}
