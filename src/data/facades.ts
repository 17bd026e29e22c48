/**
 * A rule-based stand-in for the CMP Facade Database (Tyleček & Šára 2013), the "labels ->
 * facades" set of the Pix2Pix paper: every sample is a photo-like facade and its semantic label
 * map, drawn from the same random layout, so the pair is exact.
 *
 * Layout (one seeded random draw per image): sky above a wall; a cornice along the top of the
 * wall and string courses between some floors; a grid of floors x bays; windows in the upper
 * floors (some with a sill, some floors with a balcony under the windows); on the ground floor
 * a door in one bay and shop windows or windows in the others.
 * Rendering: per-facade base colours (plaster, brick, stone), an fBm texture (lesson 01's
 * noise) on the wall, brick courses on brick walls, glass with a sky reflection gradient and
 * a frame, wood grain on doors, railings on balconies, a shadow under every cornice, a global
 * light gradient and pixel noise.
 *
 * Label classes (colours follow the spirit of CMP's palette; CMP has 12 classes, we keep 7):
 *   0 background/sky, 1 wall, 2 window, 3 door, 4 balcony, 5 cornice, 6 sill.
 */
import * as tf from '@tensorflow/tfjs';
import { fbmSampler } from '../rules/noise';
import { makeRandom, type Random } from '../random';
import { GenlabError, resolveOptions } from '../errors';

/** Class names, index = class id of the label map. */
export const FACADE_CLASSES = ['background', 'wall', 'window', 'door', 'balcony', 'cornice', 'sill'] as const;

/** RGB colour of each class in the label image, in [0, 1]. */
export const FACADE_LABEL_COLOURS: ReadonlyArray<readonly [number, number, number]> = [
  [0.0, 0.0, 0.55], // background: dark blue
  [0.0, 0.35, 1.0], // wall: blue (CMP's facade colour)
  [0.0, 0.85, 1.0], // window: cyan
  [1.0, 0.65, 0.0], // door: orange
  [0.4, 1.0, 0.4], // balcony: green
  [1.0, 0.2, 0.0], // cornice: red
  [1.0, 1.0, 0.0], // sill: yellow
];

export interface FacadeOptions {
  /** Number of facades (default 400). */
  count?: number;
  /** Height and width in pixels, >= 32 (default 64). */
  size?: number;
  /** Seed: image i is a function of (seed, i) only (default 0). */
  seed?: number;
}

export const DEFAULT_FACADE_OPTIONS = { count: 400, size: 64, seed: 0 };

/** A set of facades: the photo-like image, its label map (as colours and as class ids). */
export interface Facades {
  /** [N, S, S, 3] in [0, 1]. */
  photos: tf.Tensor4D;
  /** [N, S, S, 3] in [0, 1]: class colours of FACADE_LABEL_COLOURS (the Pix2Pix input). */
  labels: tf.Tensor4D;
  /** int32 [N, S, S]: the class id of every pixel. */
  classes: tf.Tensor3D;
}

type Rgb = [number, number, number];

const WALL_COLOURS: Rgb[] = [
  [0.86, 0.78, 0.62], // sand plaster
  [0.72, 0.36, 0.27], // brick red
  [0.78, 0.76, 0.72], // grey stone
  [0.93, 0.86, 0.55], // ochre
  [0.85, 0.62, 0.55], // salmon
  [0.62, 0.66, 0.7], // blue-grey
];

/** Draws `count` facades; the same options give the same tensors. */
export function makeFacades(options: FacadeOptions = {}): Facades {
  const { count, size, seed } = resolveOptions('makeFacades', DEFAULT_FACADE_OPTIONS, options);
  if (!Number.isInteger(count) || count < 1) throw new GenlabError(`makeFacades: options.count must be a positive integer, got ${count}`);
  if (!Number.isInteger(size) || size < 32) throw new GenlabError(`makeFacades: options.size must be an integer >= 32, got ${size}`);
  const pixels = size * size;
  const photos = new Float32Array(count * pixels * 3);
  const labelColours = new Float32Array(count * pixels * 3);
  const classes = new Int32Array(count * pixels);
  for (let i = 0; i < count; i++) {
    const { photo, classMap } = drawFacade(size, makeRandom(`facade:${seed}:${i}`), seed * 100003 + i);
    photos.set(photo, i * pixels * 3);
    classes.set(classMap, i * pixels);
    for (let p = 0; p < pixels; p++) {
      const colour = FACADE_LABEL_COLOURS[classMap[p]];
      labelColours.set(colour, (i * pixels + p) * 3);
    }
  }
  return {
    photos: tf.tensor4d(photos, [count, size, size, 3]),
    labels: tf.tensor4d(labelColours, [count, size, size, 3]),
    classes: tf.tensor3d(classes, [count, size, size], 'int32'),
  };
}

/** One facade: the layout fills `classMap`, then each pixel is painted by its class. */
function drawFacade(size: number, random: Random, noiseSeed: number): { photo: Float32Array; classMap: Int32Array } {
  const S = size;
  const classMap = new Int32Array(S * S); // 0 = background everywhere to start
  const between = (lo: number, hi: number) => lo + random() * (hi - lo);
  const integer = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const fill = (top: number, left: number, bottom: number, right: number, cls: number) => {
    for (let y = Math.max(0, Math.round(top)); y < Math.min(S, Math.round(bottom)); y++) {
      for (let x = Math.max(0, Math.round(left)); x < Math.min(S, Math.round(right)); x++) classMap[y * S + x] = cls;
    }
  };

  // Wall and sky.
  const skyRows = between(0, 0.12) * S;
  const wallLeft = random() < 0.3 ? between(0, 0.08) * S : 0;
  const wallRight = random() < 0.3 ? S - between(0, 0.08) * S : S;
  fill(skyRows, wallLeft, S, wallRight, 1);
  // Cornice along the top of the wall.
  const corniceHeight = Math.max(2, between(0.03, 0.06) * S);
  fill(skyRows, wallLeft, skyRows + corniceHeight, wallRight, 5);

  // Floors and bays.
  const floors = integer(3, 5);
  const bays = integer(3, 5);
  const top = skyRows + corniceHeight;
  const floorHeight = (S - top) / floors;
  const bayWidth = (wallRight - wallLeft) / bays;
  const windowWidth = between(0.4, 0.65) * bayWidth;
  const windowHeight = between(0.45, 0.65) * floorHeight;
  const hasSills = random() < 0.6;
  const doorBay = integer(0, bays - 1);
  const shopGround = random() < 0.4;
  for (let f = 0; f < floors; f++) {
    const floorTop = top + f * floorHeight;
    const ground = f === floors - 1;
    // A string course (a thin cornice) above some floors.
    if (f > 0 && random() < 0.35) fill(floorTop, wallLeft, floorTop + Math.max(1, 0.02 * S), wallRight, 5);
    const balcony = !ground && f > 0 && random() < 0.35;
    for (let b = 0; b < bays; b++) {
      const centre = wallLeft + (b + 0.5) * bayWidth;
      if (ground && b === doorBay) {
        const doorWidth = Math.min(bayWidth * 0.7, windowWidth * 1.2);
        fill(floorTop + 0.2 * floorHeight, centre - doorWidth / 2, floorTop + floorHeight, centre + doorWidth / 2, 3);
        continue;
      }
      if (ground && shopGround) {
        fill(floorTop + 0.2 * floorHeight, centre - bayWidth * 0.42, floorTop + 0.85 * floorHeight, centre + bayWidth * 0.42, 2);
        continue;
      }
      const windowTop = floorTop + (floorHeight - windowHeight) * 0.45;
      fill(windowTop, centre - windowWidth / 2, windowTop + windowHeight, centre + windowWidth / 2, 2);
      const windowBottom = windowTop + windowHeight;
      if (balcony) {
        fill(windowBottom - 0.3 * windowHeight, centre - windowWidth * 0.75, windowBottom + 1, centre + windowWidth * 0.75, 4);
      } else if (hasSills) {
        fill(windowBottom, centre - windowWidth * 0.6, windowBottom + Math.max(1, 0.015 * S), centre + windowWidth * 0.6, 6);
      }
    }
  }

  // Paint.
  const wallColour = WALL_COLOURS[integer(0, WALL_COLOURS.length - 1)].map((c) => c * between(0.85, 1.1)) as Rgb;
  const brick = wallColour[0] > wallColour[2] + 0.25 && random() < 0.7;
  const glass: Rgb = [between(0.1, 0.25), between(0.15, 0.3), between(0.25, 0.4)];
  const doorColour: Rgb = [between(0.3, 0.5), between(0.18, 0.3), between(0.08, 0.15)];
  const trim: Rgb = wallColour.map((c) => Math.min(1, c * 1.15 + 0.08)) as Rgb;
  const wallNoise = fbmSampler({ scale: S / 4, octaves: 4, seed: noiseSeed }, 'makeFacades');
  const grainNoise = fbmSampler({ scale: S / 16, octaves: 2, seed: noiseSeed + 50 }, 'makeFacades');
  const light = between(-0.15, 0.15); // left-right light gradient
  const pixelNoise = makeRandom(`facade-pixels:${noiseSeed}`);
  const photo = new Float32Array(S * S * 3);
  const brickRow = Math.max(2, Math.round(S / 32));
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const p = y * S + x;
      const cls = classMap[p];
      let rgb: Rgb;
      const texture = wallNoise(x, y) - 0.5; // [-0.5, 0.5]
      if (cls === 0) {
        const t = y / Math.max(1, skyRows);
        rgb = [0.55 + 0.2 * t, 0.7 + 0.15 * t, 0.95];
      } else if (cls === 1) {
        let shade = 1 + 0.25 * texture;
        if (brick) {
          const row = Math.floor(y / brickRow);
          const mortar = y % brickRow === 0 || (x + (row % 2) * brickRow * 2) % (brickRow * 4) === 0;
          if (mortar) shade *= 1.25;
        }
        // A shadow under cornices and string courses.
        if (y > 0 && classMap[p - S] === 5) shade *= 0.7;
        rgb = wallColour.map((c) => c * shade) as Rgb;
      } else if (cls === 2) {
        // Frame: a pixel of the window next to a non-window pixel; glass otherwise, lighter at the top.
        const edge = x === 0 || x === S - 1 || y === 0 || y === S - 1 ||
          classMap[p - 1] !== 2 || classMap[p + 1] !== 2 || classMap[p - S] !== 2 || classMap[p + S] !== 2;
        if (edge) rgb = trim;
        else {
          let up = 0;
          while (y - up - 1 >= 0 && classMap[p - (up + 1) * S] === 2) up++;
          const reflection = Math.max(0, 0.25 - 0.04 * up);
          rgb = glass.map((c) => c + reflection + 0.05 * texture) as Rgb;
        }
      } else if (cls === 3) {
        const grain = grainNoise(x * 0.3, y * 3) - 0.5;
        rgb = doorColour.map((c) => c * (1 + 0.5 * grain)) as Rgb;
      } else if (cls === 4) {
        const bar = x % 2 === 0 || (y > 0 && classMap[p - S] !== 4);
        rgb = bar ? [0.15, 0.15, 0.17] : wallColour.map((c) => c * 0.55) as Rgb;
      } else if (cls === 5) {
        rgb = trim.map((c) => c * (1 + 0.1 * texture)) as Rgb;
      } else {
        rgb = trim;
      }
      const lightFactor = 1 + light * (x / S - 0.5) * 2;
      for (let c = 0; c < 3; c++) {
        const value = rgb[c] * lightFactor + (pixelNoise() - 0.5) * 0.04;
        photo[p * 3 + c] = Math.min(1, Math.max(0, value));
      }
    }
  }
  return { photo, classMap };
}
