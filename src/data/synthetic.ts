/**
 * Synthetic image-to-image data sets made by rules (see ../rules), for the Pix2Pix and
 * CycleGAN lessons:
 *   edgePairs:      paired data, edge map -> image, as in the edges2shoes set of Isola et al. 2017;
 *   texturedDomain: the same shapes filled with (or set against) a procedural colour texture,
 *                   a second "domain" for unpaired translation.
 * Both take grey shapes [N, H, W, 1] in [0, 1] (MNIST or Fashion-MNIST images) and are
 * deterministic: the same inputs and seed give the same tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { edges } from '../rules/filters';
import { checkColour } from '../rules/image';
import { texture as makeTexture, TEXTURE_NAMES, type TextureName } from '../rules/textures';
import { makeRandom } from '../random';
import { GenlabError, resolveOptions } from '../errors';

export interface EdgePairsOptions {
  /** Edge threshold on the Sobel gradient magnitude (default 0.3; see rules.edges). */
  threshold?: number;
  /** Gaussian blur before the derivative in pixels (default 0.7; see rules.edges). */
  blurSigma?: number;
  /** Dark lines on white, as in edges2shoes (default true); false gives white lines on black. */
  invert?: boolean;
  /** Channels of the edge map: 1, or the images' channel count so both halves match (default 'match'). */
  channels?: 1 | 'match';
  /**
   * Per-image random change of the threshold, +- this fraction of it (default 0: every image
   * uses the same threshold). Varies the line density, which makes a translation model less
   * sensitive to one detector setting.
   */
  thresholdJitter?: number;
  /** Seed of the jitter (default 0). */
  seed?: number;
}

export const DEFAULT_EDGE_PAIRS_OPTIONS = { threshold: 0.3, blurSigma: 0.7, invert: true, channels: 'match' as const, thresholdJitter: 0, seed: 0 };

/** A paired data set: `edges[i]` is the edge map of `images[i]`. */
export interface EdgePairs {
  /** [N, H, W, 1 or C]: the edge maps, values in {0, 1}. */
  edges: tf.Tensor4D;
  /** [N, H, W, C]: a copy of the input images (the caller may dispose its own). */
  images: tf.Tensor4D;
}

/**
 * Edge map -> image pairs. `images` is [N, H, W, C] in [0, 1]; returns new tensors the
 * caller disposes.
 */
export function edgePairs(images: tf.Tensor4D, options: EdgePairsOptions = {}): EdgePairs {
  const o = resolveOptions('edgePairs', DEFAULT_EDGE_PAIRS_OPTIONS, options);
  checkShapes(images, 'edgePairs');
  if (o.channels !== 1 && o.channels !== 'match') {
    throw new GenlabError(`edgePairs: options.channels must be 1 or 'match', got ${JSON.stringify(o.channels)}`);
  }
  if (!(o.thresholdJitter >= 0 && o.thresholdJitter < 1)) {
    throw new GenlabError(`edgePairs: options.thresholdJitter must be in [0, 1), got ${o.thresholdJitter}`);
  }
  const [n, , , c] = images.shape;
  return tf.tidy(() => {
    const edgeOptions = { blurSigma: o.blurSigma, invert: o.invert };
    let maps: tf.Tensor4D;
    if (o.thresholdJitter === 0) {
      maps = edges(images, { ...edgeOptions, threshold: o.threshold });
    } else {
      const random = makeRandom(`edgePairs:${o.seed}`);
      const perImage = Array.from({ length: n }, (_, i) => {
        const threshold = o.threshold * (1 + o.thresholdJitter * (2 * random() - 1));
        return edges(images.slice([i, 0, 0, 0], [1, -1, -1, -1]), { ...edgeOptions, threshold });
      });
      maps = tf.concat(perImage, 0);
    }
    const edgeMaps = o.channels === 'match' && c > 1 ? maps.tile([1, 1, 1, c]) : maps;
    return { edges: edgeMaps as tf.Tensor4D, images: images.clone() };
  });
}

export interface TexturedDomainOptions {
  /**
   * 'fill': the shape is painted with the texture on a plain background (default);
   * 'background': the shape keeps a plain colour in front of the textured background.
   */
  mode?: 'fill' | 'background';
  /** The plain colour: of the background in 'fill' mode, of the shape in 'background' mode (default black, as MNIST's background). */
  plainColour?: readonly [number, number, number];
  /** Options passed to the texture (colours, period, ...). */
  textureOptions?: Record<string, unknown>;
  /** Seed: each image sees the texture through its own random window (default 0). */
  seed?: number;
}

export const DEFAULT_TEXTURED_DOMAIN_OPTIONS = { mode: 'fill' as const, plainColour: [0, 0, 0] as const, seed: 0 };

/**
 * The shapes of `images` ([N, H, W, 1] grey in [0, 1], used as the alpha mask) painted with a
 * procedural texture: [N, H, W, 3],
 *   fill:       out = mask * texture + (1 - mask) * plainColour
 *   background: out = mask * plainColour + (1 - mask) * texture
 * Each image gets the texture shifted by its own seeded random offset, so no two are alike.
 */
export function texturedDomain(images: tf.Tensor4D, texture: TextureName, options: TexturedDomainOptions = {}): tf.Tensor4D {
  const o = resolveOptions('texturedDomain', DEFAULT_TEXTURED_DOMAIN_OPTIONS, options, ['textureOptions']);
  checkShapes(images, 'texturedDomain');
  const [n, h, w, c] = images.shape;
  if (c !== 1) throw new GenlabError(`texturedDomain: images must be grey shapes [N, H, W, 1], got [${images.shape.join(', ')}]`);
  if (!TEXTURE_NAMES.includes(texture)) {
    throw new GenlabError(`texturedDomain: texture must be one of ${TEXTURE_NAMES.join(', ')}, got ${JSON.stringify(texture)}`);
  }
  if (o.mode !== 'fill' && o.mode !== 'background') {
    throw new GenlabError(`texturedDomain: options.mode must be 'fill' or 'background', got ${JSON.stringify(o.mode)}`);
  }
  checkColour(o.plainColour, 'texturedDomain', 'options.plainColour');
  const random = makeRandom(`texturedDomain:${o.seed}`);
  const textures: tf.Tensor3D[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const offset: [number, number] = [Math.floor(random() * 4096), Math.floor(random() * 4096)];
      textures.push(makeTexture(texture, h, w, { ...o.textureOptions, offset }));
    }
    return tf.tidy(() => {
      const painted = tf.stack(textures) as tf.Tensor4D; // [N, H, W, 3]
      const plain = tf.tensor1d([...o.plainColour]).reshape([1, 1, 1, 3]);
      const mask = images.clipByValue(0, 1); // [N, H, W, 1]
      const inside = o.mode === 'fill' ? painted : plain;
      const outside = o.mode === 'fill' ? plain : painted;
      return inside.mul(mask).add(outside.mul(tf.sub(1, mask))) as tf.Tensor4D;
    });
  } finally {
    tf.dispose(textures);
  }
}

function checkShapes(images: tf.Tensor4D, caller: string): void {
  if (!(images instanceof tf.Tensor) || images.rank !== 4) {
    const got = images instanceof tf.Tensor ? `[${images.shape.join(', ')}]` : typeof images;
    throw new GenlabError(`${caller}: images must be [N, H, W, C] in [0, 1], got ${got}`);
  }
}
