/**
 * Procedural textures in colour, at any size: each is a formula t(x, y) in [0, 1] evaluated at
 * every pixel (x = column, y = row) and painted as a mix of two colours,
 *   out = (1 - t) * colours[0] + t * colours[1].
 *   checkerboard: t = (floor(x / s) + floor(y / s)) mod 2
 *   stripes:      t = 1 where frac(u / period) < duty, u = x cos(angle) + y sin(angle)
 *   rings:        t = 1 where frac(r / period) < duty, r = distance to the centre
 *   bricks:       rows of bricks, every other row shifted by half a brick, mortar lines between
 *   marble:       t = (0.5 + 0.5 sin(2 pi u / period + turbulence * 2 pi * (fbm(x, y) - 0.5)))^4
 *                 (thin dark veins: t is near 1 only near the sine's peaks)
 *   wood:         t = frac(r / period + turbulence * (fbm(x, y) - 0.5))^3 (growth rings with a slow
 *                 rise and a sharp edge)
 * Marble and wood are sinusoids and rings perturbed by fractal noise (Perlin 1985, "An image
 * synthesizer"). Each returns [H, W, 3] in [0, 1].
 */
import * as tf from '@tensorflow/tfjs';
import { makeRandom } from '../random';
import { checkColour, checkNumber, checkSize, describe, type Colour } from './image';
import { DEFAULT_FBM_OPTIONS, fbmSampler, type FbmOptions } from './noise';
import { checkOptionKeys, GenlabError, resolveOptions } from '../errors';

/** Options every texture takes. */
export interface TextureOptions {
  /** The two colours mixed by the pattern value t: colours[0] at t = 0, colours[1] at t = 1. */
  colours?: readonly [Colour, Colour];
  /** Shift of the pattern in pixels, [x, y]: the same texture seen through another window (default [0, 0]). */
  offset?: readonly [number, number];
}

export interface CheckerboardOptions extends TextureOptions {
  /** Side of one square in pixels (default 8). */
  cellSize?: number;
}

export interface StripesOptions extends TextureOptions {
  /** Distance between stripes in pixels (default 8). */
  period?: number;
  /** Direction in degrees across which the stripes repeat: 0 gives vertical stripes (default 0). */
  angle?: number;
  /** Fraction of each period in colours[1] (default 0.5). */
  duty?: number;
}

export interface RingsOptions extends TextureOptions {
  /** Distance between rings in pixels (default 8). */
  period?: number;
  /** Centre as fractions of [width, height] (default [0.5, 0.5]). */
  centre?: readonly [number, number];
  /** Fraction of each period in colours[1] (default 0.5). */
  duty?: number;
}

export interface BricksOptions extends TextureOptions {
  /** Brick width in pixels, mortar included (default 16). */
  brickWidth?: number;
  /** Brick height in pixels, mortar included (default 8). */
  brickHeight?: number;
  /** Mortar line width in pixels (default 1). */
  mortar?: number;
  /** Random brightness variation between bricks, +- this fraction (default 0.15). */
  variation?: number;
  /** Seed of the variation (default 0). */
  seed?: number;
}

export interface MarbleOptions extends TextureOptions {
  /** Distance between veins in pixels before the noise bends them (default 24). */
  period?: number;
  /** Direction of the veins' repetition in degrees (default 30). */
  angle?: number;
  /** How far the noise bends the veins, in periods (default 1.5). */
  turbulence?: number;
  /** The fractal noise (default: scale 32, 5 octaves). */
  noise?: FbmOptions;
  /** Seed of the noise (default 0); overrides noise.seed. */
  seed?: number;
}

export interface WoodOptions extends TextureOptions {
  /** Distance between growth rings in pixels (default 6). */
  period?: number;
  /** Centre of the rings as fractions of [width, height] (default [0.3, -0.4]: off the image, as in a plank). */
  centre?: readonly [number, number];
  /** How far the noise bends the rings, in ring periods (default 1.2). */
  turbulence?: number;
  /** The fractal noise (default: scale 24, 3 octaves). */
  noise?: FbmOptions;
  /** Seed of the noise (default 0); overrides noise.seed. */
  seed?: number;
}

/** Default colours, chosen to read as the material they name. */
export const TEXTURE_COLOURS = {
  checkerboard: [[0.12, 0.12, 0.14], [0.94, 0.93, 0.88]],
  stripes: [[0.1, 0.2, 0.45], [0.96, 0.9, 0.75]],
  rings: [[0.55, 0.1, 0.15], [0.98, 0.93, 0.8]],
  bricks: [[0.86, 0.84, 0.78], [0.68, 0.27, 0.16]],
  marble: [[0.95, 0.94, 0.91], [0.32, 0.34, 0.4]],
  wood: [[0.82, 0.62, 0.38], [0.48, 0.28, 0.12]],
} as const satisfies Record<string, readonly [Colour, Colour]>;

/** The textures by name (used by data.texturedDomain). */
export type TextureName = keyof typeof TEXTURE_COLOURS;
export const TEXTURE_NAMES = Object.keys(TEXTURE_COLOURS) as TextureName[];

/** Defaults of each texture's own options (colours: TEXTURE_COLOURS; offset: [0, 0]). */
export const DEFAULT_CHECKERBOARD_OPTIONS = { cellSize: 8 };
export const DEFAULT_STRIPES_OPTIONS = { period: 8, angle: 0, duty: 0.5 };
export const DEFAULT_RINGS_OPTIONS = { period: 8, centre: [0.5, 0.5] as const, duty: 0.5 };
export const DEFAULT_BRICKS_OPTIONS = { brickWidth: 16, brickHeight: 8, mortar: 1, variation: 0.15, seed: 0 };
export const DEFAULT_MARBLE_OPTIONS = { period: 24, angle: 30, turbulence: 1.5, noise: { scale: 32, octaves: 5 } as FbmOptions, seed: 0 };
export const DEFAULT_WOOD_OPTIONS = { period: 6, centre: [0.3, -0.4] as const, turbulence: 1.2, noise: { scale: 24, octaves: 3 } as FbmOptions, seed: 0 };

export function checkerboard(height: number, width: number, options: CheckerboardOptions = {}): tf.Tensor3D {
  const o = resolveOptions('checkerboard', DEFAULT_CHECKERBOARD_OPTIONS, options, ['colours', 'offset']);
  const s = checkNumber(o.cellSize, 'checkerboard', 'options.cellSize', { min: 1e-6 });
  return paint('checkerboard', height, width, options, (x, y) => mod(Math.floor(x / s) + Math.floor(y / s), 2));
}

export function stripes(height: number, width: number, options: StripesOptions = {}): tf.Tensor3D {
  const o = resolveOptions('stripes', DEFAULT_STRIPES_OPTIONS, options, ['colours', 'offset']);
  const period = checkNumber(o.period, 'stripes', 'options.period', { min: 1e-6 });
  const duty = checkNumber(o.duty, 'stripes', 'options.duty', { min: 0, max: 1 });
  const angle = (checkNumber(o.angle, 'stripes', 'options.angle') * Math.PI) / 180;
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  return paint('stripes', height, width, options, (x, y) => (frac((x * c + y * s) / period) < duty ? 1 : 0));
}

export function rings(height: number, width: number, options: RingsOptions = {}): tf.Tensor3D {
  const o = resolveOptions('rings', DEFAULT_RINGS_OPTIONS, options, ['colours', 'offset']);
  const period = checkNumber(o.period, 'rings', 'options.period', { min: 1e-6 });
  const duty = checkNumber(o.duty, 'rings', 'options.duty', { min: 0, max: 1 });
  const [cx, cy] = centreOf(o.centre, width, height, 'rings');
  return paint('rings', height, width, options, (x, y) => (frac(Math.hypot(x - cx, y - cy) / period) < duty ? 1 : 0));
}

export function bricks(height: number, width: number, options: BricksOptions = {}): tf.Tensor3D {
  const o = resolveOptions('bricks', DEFAULT_BRICKS_OPTIONS, options, ['colours', 'offset']);
  const bw = checkNumber(o.brickWidth, 'bricks', 'options.brickWidth', { min: 2 });
  const bh = checkNumber(o.brickHeight, 'bricks', 'options.brickHeight', { min: 2 });
  const mortar = checkNumber(o.mortar, 'bricks', 'options.mortar', { min: 0, max: Math.min(bw, bh) / 2 });
  const variation = checkNumber(o.variation, 'bricks', 'options.variation', { min: 0, max: 1 });
  const seed = checkNumber(o.seed, 'bricks', 'options.seed');
  // t in [0, 1] is the brick colour's weight; each brick gets its own brightness 1 - variation .. 1.
  // The shade of a brick depends only on (seed, row, column), so offsets and sizes agree.
  const shade = new Map<string, number>();
  return paint('bricks', height, width, options, (x, y) => {
    const row = Math.floor(y / bh);
    const xs = x + (mod(row, 2) === 1 ? bw / 2 : 0);
    const column = Math.floor(xs / bw);
    if (mod(y, bh) < mortar || mod(xs, bw) < mortar) return 0;
    const key = `${row},${column}`;
    if (!shade.has(key)) shade.set(key, 1 - variation * makeRandom(`bricks:${seed}:${key}`)());
    return shade.get(key)!;
  });
}

export function marble(height: number, width: number, options: MarbleOptions = {}): tf.Tensor3D {
  const o = resolveOptions('marble', DEFAULT_MARBLE_OPTIONS, options, ['colours', 'offset']);
  const period = checkNumber(o.period, 'marble', 'options.period', { min: 1e-6 });
  const turbulence = checkNumber(o.turbulence, 'marble', 'options.turbulence', { min: 0 });
  const angle = (checkNumber(o.angle, 'marble', 'options.angle') * Math.PI) / 180;
  const noise = fbmSampler({ ...resolveOptions('marble', DEFAULT_MARBLE_OPTIONS.noise, options.noise, Object.keys(DEFAULT_FBM_OPTIONS), 'options.noise'), seed: options.seed ?? options.noise?.seed ?? 0 }, 'marble');
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  return paint('marble', height, width, options, (x, y) => {
    const phase = (2 * Math.PI * (x * c + y * s)) / period + turbulence * 2 * Math.PI * (noise(x, y) - 0.5);
    // Thin dark veins: t is near 1 only where the sine is near its peak.
    return Math.pow(0.5 + 0.5 * Math.sin(phase), 4);
  });
}

export function wood(height: number, width: number, options: WoodOptions = {}): tf.Tensor3D {
  const o = resolveOptions('wood', DEFAULT_WOOD_OPTIONS, options, ['colours', 'offset']);
  const period = checkNumber(o.period, 'wood', 'options.period', { min: 1e-6 });
  const turbulence = checkNumber(o.turbulence, 'wood', 'options.turbulence', { min: 0 });
  const [cx, cy] = centreOf(o.centre, width, height, 'wood');
  const noise = fbmSampler({ ...resolveOptions('wood', DEFAULT_WOOD_OPTIONS.noise, options.noise, Object.keys(DEFAULT_FBM_OPTIONS), 'options.noise'), seed: options.seed ?? options.noise?.seed ?? 0 }, 'wood');
  return paint('wood', height, width, options, (x, y) => frac(Math.hypot(x - cx, y - cy) / period + turbulence * (noise(x, y) - 0.5)) ** 3);
}

/** Any texture by name, e.g. texture('marble', 64, 64, { seed: 3 }). */
export function texture(name: TextureName, height: number, width: number, options: TextureOptions & Record<string, unknown> = {}): tf.Tensor3D {
  // One options object may serve every texture (a seed, colours): each texture takes the keys it knows.
  const keysOf: Record<TextureName, readonly string[]> = {
    checkerboard: Object.keys(DEFAULT_CHECKERBOARD_OPTIONS),
    stripes: Object.keys(DEFAULT_STRIPES_OPTIONS),
    rings: Object.keys(DEFAULT_RINGS_OPTIONS),
    bricks: Object.keys(DEFAULT_BRICKS_OPTIONS),
    marble: Object.keys(DEFAULT_MARBLE_OPTIONS),
    wood: Object.keys(DEFAULT_WOOD_OPTIONS),
  };
  const common = ['colours', 'offset'];
  checkOptionKeys('texture', options, [...new Set([...common, ...Object.values(keysOf).flat()])]);
  if (Object.prototype.hasOwnProperty.call(keysOf, name)) {
    const known = [...common, ...keysOf[name]];
    options = Object.fromEntries(Object.entries(options).filter(([key]) => known.includes(key))) as typeof options;
  }
  switch (name) {
    case 'checkerboard':
      return checkerboard(height, width, options);
    case 'stripes':
      return stripes(height, width, options);
    case 'rings':
      return rings(height, width, options);
    case 'bricks':
      return bricks(height, width, options);
    case 'marble':
      return marble(height, width, options);
    case 'wood':
      return wood(height, width, options);
    default:
      throw new GenlabError(`texture: name must be one of ${TEXTURE_NAMES.join(', ')}, got ${describe(name)}`);
  }
}

/** Evaluates t(x + ox, y + oy) at every pixel and mixes the two colours: [H, W, 3]. */
function paint(
  name: TextureName,
  height: number,
  width: number,
  options: TextureOptions,
  t: (x: number, y: number) => number,
): tf.Tensor3D {
  checkSize(height, width, name);
  const colours = options.colours ?? TEXTURE_COLOURS[name];
  if (!Array.isArray(colours) || colours.length !== 2) {
    throw new GenlabError(`${name}: options.colours must be two RGB colours [[r, g, b], [r, g, b]], got ${describe(colours)}`);
  }
  const [c0, c1] = [checkColour(colours[0], name, 'options.colours[0]'), checkColour(colours[1], name, 'options.colours[1]')];
  const offset = options.offset ?? [0, 0];
  if (!Array.isArray(offset) || offset.length !== 2 || !offset.every(Number.isFinite)) {
    throw new GenlabError(`${name}: options.offset must be [x, y] in pixels, got ${describe(offset)}`);
  }
  const values = new Float32Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = Math.min(1, Math.max(0, t(x + offset[0], y + offset[1])));
      const p = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) values[p + c] = (1 - v) * c0[c] + v * c1[c];
    }
  }
  return tf.tensor3d(values, [height, width, 3]);
}

function centreOf(centre: readonly [number, number], width: number, height: number, caller: string): [number, number] {
  if (!Array.isArray(centre) || centre.length !== 2 || !centre.every(Number.isFinite)) {
    throw new GenlabError(`${caller}: options.centre must be [x, y] as fractions of the width and height, got ${describe(centre)}`);
  }
  // Pixel (x, y) covers [x, x + 1): the fraction 0.5 of a 9-pixel side is the middle of pixel 4.
  return [centre[0] * width - 0.5, centre[1] * height - 0.5];
}

function frac(v: number): number {
  return v - Math.floor(v);
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
