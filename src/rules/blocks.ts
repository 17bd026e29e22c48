/**
 * Blocks: rearranging pixels without changing any of them.
 *
 * "Block aliasing" cuts an image into a grid of square blocks and offsets, rotates or shuffles
 * them, so that seams appear where neighbouring blocks no longer agree. Tiling repeats an image;
 * mirroring reflects it. Every operation here moves pixels and never changes a value, so each is
 * one index map (for every output pixel, which input pixel it shows) applied with tf.gather.
 * Random choices are made once per call and apply to every image of a batch.
 */
import * as tf from '@tensorflow/tfjs';
import { makeRandom, permutation } from '../random';
import { asBatch, checkNumber, describe, unbatch } from './image';
import { GenlabError, resolveOptions } from '../errors';

/** How block aliasing moves each block. */
export type BlockMode = 'offset' | 'rotate' | 'shuffle';

export interface BlockAliasOptions {
  /** Side of a square block in pixels; must divide the image height and width (default 7, for 28 x 28). */
  blockSize?: number;
  /**
   * 'offset': each block's content is rolled cyclically by a random (dy, dx) within the block;
   * 'rotate': each block is turned by a random multiple of 90 degrees;
   * 'shuffle': the blocks trade places in a random permutation (default 'shuffle').
   */
  mode?: BlockMode;
  /** Largest roll in pixels in 'offset' mode (default: half a block). */
  maxOffset?: number;
  /** Seed of the random choices (default 0). */
  seed?: number;
}

export const DEFAULT_BLOCK_ALIAS_OPTIONS = { blockSize: 7, mode: 'shuffle' as BlockMode, seed: 0 };

/** Block aliasing of `image` ([H, W, C] or [N, H, W, C]); the result has the input's shape. */
export function blockAlias<T extends tf.Tensor>(image: T, options: BlockAliasOptions = {}): T {
  const o = resolveOptions('blockAlias', DEFAULT_BLOCK_ALIAS_OPTIONS, options, ['maxOffset']);
  return tf.tidy(() => {
    const { batch, single } = asBatch(image, 'blockAlias');
    const [, height, width] = batch.shape;
    const b = checkNumber(o.blockSize, 'blockAlias', 'options.blockSize', { min: 1, integer: true });
    if (height % b !== 0 || width % b !== 0) {
      throw new GenlabError(`blockAlias: options.blockSize must divide the image size ${height} x ${width}, got ${b}`);
    }
    checkNumber(o.seed, 'blockAlias', 'options.seed');
    const rows = height / b;
    const columns = width / b;
    const random = makeRandom(`blockAlias:${o.seed}`);
    // One random move per block: where its content comes from.
    let source: (y: number, x: number) => [number, number];
    if (o.mode === 'shuffle') {
      const order = permutation(rows * columns, `blockAlias:${o.seed}`);
      source = (y, x) => {
        const from = order[Math.floor(y / b) * columns + Math.floor(x / b)];
        return [Math.floor(from / columns) * b + (y % b), (from % columns) * b + (x % b)];
      };
    } else if (o.mode === 'rotate') {
      const turns = Array.from({ length: rows * columns }, () => Math.floor(random() * 4));
      source = (y, x) => {
        const [i, j] = rotateIndex(y % b, x % b, b, turns[Math.floor(y / b) * columns + Math.floor(x / b)]);
        return [y - (y % b) + i, x - (x % b) + j];
      };
    } else if (o.mode === 'offset') {
      const maxOffset = checkNumber(o.maxOffset ?? Math.floor(b / 2), 'blockAlias', 'options.maxOffset', { min: 0, integer: true });
      const draw = () => Math.floor(random() * (2 * maxOffset + 1)) - maxOffset;
      const offsets = Array.from({ length: rows * columns }, () => [draw(), draw()]);
      source = (y, x) => {
        const [dy, dx] = offsets[Math.floor(y / b) * columns + Math.floor(x / b)];
        return [y - (y % b) + mod((y % b) - dy, b), x - (x % b) + mod((x % b) - dx, b)];
      };
    } else {
      throw new GenlabError(`blockAlias: options.mode must be 'offset', 'rotate' or 'shuffle', got ${describe(o.mode)}`);
    }
    return unbatch(remap(batch, height, width, source), single);
  }) as T;
}

export interface ShiftOptions {
  /** Pixels to move right (negative: left) (default 0). */
  dx?: number;
  /** Pixels to move down (negative: up) (default 0). */
  dy?: number;
  /** Wrap around the border (true) or fill the uncovered strip with black (default false). */
  wrap?: boolean;
}

/** Moves the image by whole pixels: out[y, x] = in[y - dy, x - dx]. */
export function shift<T extends tf.Tensor>(image: T, options: ShiftOptions = {}): T {
  const dx = checkNumber(options.dx ?? 0, 'shift', 'options.dx', { integer: true });
  const dy = checkNumber(options.dy ?? 0, 'shift', 'options.dy', { integer: true });
  const wrap = options.wrap ?? false;
  return tf.tidy(() => {
    const { batch, single } = asBatch(image, 'shift');
    const [, height, width] = batch.shape;
    const source = (y: number, x: number): [number, number] | null => {
      const sy = y - dy;
      const sx = x - dx;
      if (wrap) return [mod(sy, height), mod(sx, width)];
      return sy >= 0 && sy < height && sx >= 0 && sx < width ? [sy, sx] : null;
    };
    return unbatch(remap(batch, height, width, source), single);
  }) as T;
}

export interface TileOptions {
  /** Copies down (default 2). */
  rows?: number;
  /** Copies across (default 2). */
  columns?: number;
  /** Reflect every other copy so that neighbouring copies meet without a seam (default false). */
  mirror?: boolean;
}

export const DEFAULT_TILE_OPTIONS = { rows: 2, columns: 2, mirror: false };

/** Repeats the image into a rows x columns grid: [.., rows * H, columns * W, C]. */
export function tile<T extends tf.Tensor>(image: T, options: TileOptions = {}): T {
  const o = resolveOptions('tile', DEFAULT_TILE_OPTIONS, options);
  checkNumber(o.rows, 'tile', 'options.rows', { min: 1, integer: true });
  checkNumber(o.columns, 'tile', 'options.columns', { min: 1, integer: true });
  return tf.tidy(() => {
    const { batch, single } = asBatch(image, 'tile');
    const [, height, width] = batch.shape;
    const source = (y: number, x: number): [number, number] => {
      const ty = Math.floor(y / height);
      const tx = Math.floor(x / width);
      const iy = y % height;
      const ix = x % width;
      if (!o.mirror) return [iy, ix];
      return [ty % 2 === 1 ? height - 1 - iy : iy, tx % 2 === 1 ? width - 1 - ix : ix];
    };
    return unbatch(remap(batch, o.rows * height, o.columns * width, source), single);
  }) as T;
}

export interface MirrorOptions {
  /**
   * 'horizontal': the left half is reflected onto the right half (a left-right symmetric image);
   * 'vertical': the top half onto the bottom; 'both': four-fold symmetry (default 'horizontal').
   */
  axis?: 'horizontal' | 'vertical' | 'both';
}

/** Makes the image symmetric by reflecting one half onto the other. Same shape as the input. */
export function mirror<T extends tf.Tensor>(image: T, options: MirrorOptions = {}): T {
  const axis = options.axis ?? 'horizontal';
  if (!['horizontal', 'vertical', 'both'].includes(axis)) {
    throw new GenlabError(`mirror: options.axis must be 'horizontal', 'vertical' or 'both', got ${describe(axis)}`);
  }
  return tf.tidy(() => {
    const { batch, single } = asBatch(image, 'mirror');
    const [, height, width] = batch.shape;
    const flipX = axis !== 'vertical';
    const flipY = axis !== 'horizontal';
    const source = (y: number, x: number): [number, number] => [
      flipY && y >= height / 2 ? height - 1 - y : y,
      flipX && x >= width / 2 ? width - 1 - x : x,
    ];
    return unbatch(remap(batch, height, width, source), single);
  }) as T;
}

/**
 * out[n, y, x, :] = in[n, source(y, x), :], or 0 where source returns null.
 * The index map is built once in JavaScript and applied with one tf.gather.
 */
function remap(
  batch: tf.Tensor4D,
  outHeight: number,
  outWidth: number,
  source: (y: number, x: number) => [number, number] | null,
): tf.Tensor4D {
  const [n, height, width, channels] = batch.shape;
  const blank = height * width; // index of the appended black pixel
  const indices = new Int32Array(outHeight * outWidth);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const from = source(y, x);
      indices[y * outWidth + x] = from === null ? blank : from[0] * width + from[1];
    }
  }
  const flat = batch.reshape([n, height * width, channels]); // [N, H*W, C]
  const withBlank = tf.concat([flat, tf.zeros([n, 1, channels])], 1); // [N, H*W + 1, C]
  return tf.gather(withBlank, tf.tensor1d(indices, 'int32'), 1).reshape([n, outHeight, outWidth, channels]);
}

/** Where pixel (i, j) of a b x b block comes from after `turns` quarter turns anticlockwise. */
function rotateIndex(i: number, j: number, b: number, turns: number): [number, number] {
  switch (turns) {
    case 1:
      return [j, b - 1 - i];
    case 2:
      return [b - 1 - i, b - 1 - j];
    case 3:
      return [b - 1 - j, i];
    default:
      return [i, j];
  }
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
