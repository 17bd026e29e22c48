/**
 * The history buffer of generated images (Shrivastava et al. 2017, §2.3; CycleGAN §4): the
 * discriminator is updated on a mix of the newest fakes and fakes from earlier steps, so it does
 * not forget what the generator used to produce and the two do not chase each other in circles.
 *
 * The rule, per image of a new batch (the reference code's ImagePool.query):
 *   - while the buffer holds fewer than `size` images: store the image, hand it to D;
 *   - else with probability 1/2: hand D a random stored image and store the new one in its place;
 *     otherwise hand D the new image and leave the buffer as it is.
 */
import * as tf from '@tensorflow/tfjs';
import { makeRandom, type Random } from '../random';
import { GenlabError, resolveOptions } from '../errors';

export interface ImageHistoryBufferOptions {
  /** Images kept (default 50, the paper's; 0 turns the buffer off: query returns its input). */
  size?: number;
  /** Seed of the swap decisions (default 0). */
  seed?: number | string;
}

export const DEFAULT_IMAGE_HISTORY_BUFFER_OPTIONS = { size: 50, seed: 0 };

export class ImageHistoryBuffer {
  readonly size: number;
  private readonly random: Random;
  /** Stored images, each [H, W, C]; owned (kept) by the buffer. */
  private images: tf.Tensor3D[] = [];

  constructor(options: ImageHistoryBufferOptions = {}) {
    const { size, seed } = resolveOptions('ImageHistoryBuffer', DEFAULT_IMAGE_HISTORY_BUFFER_OPTIONS, options);
    if (!Number.isInteger(size) || size < 0) throw new GenlabError(`ImageHistoryBuffer: options.size must be a non-negative integer, got ${size}`);
    this.size = size;
    this.random = makeRandom(seed);
  }

  /** Images stored now. */
  get count(): number {
    return this.images.length;
  }

  /**
   * Takes a batch [B, H, W, C] of new fakes and returns the batch [B, H, W, C] for the
   * discriminator (a new tensor the caller owns). Works inside or outside tf.tidy.
   */
  query(batch: tf.Tensor4D): tf.Tensor4D {
    if (batch.rank !== 4) throw new GenlabError(`ImageHistoryBuffer.query: batch must be [B, H, W, C], got [${batch.shape}]`);
    if (this.size === 0) return batch.clone();
    const newImages = tf.unstack(batch) as tf.Tensor3D[];
    const out: tf.Tensor3D[] = [];
    for (const image of newImages) {
      const kept = tf.keep(image.clone());
      if (this.images.length < this.size) {
        this.images.push(kept);
        out.push(image);
      } else if (this.random() > 0.5) {
        const index = Math.floor(this.random() * this.size);
        out.push(this.images[index].clone());
        this.images[index].dispose();
        this.images[index] = kept;
      } else {
        kept.dispose();
        out.push(image);
      }
    }
    const result = tf.stack(out) as tf.Tensor4D;
    tf.dispose([...newImages, ...out]);
    return result;
  }

  /** The stored images as one tensor [count, H, W, C] (for checkpoints); undefined when empty. */
  save(): tf.Tensor4D | undefined {
    return this.images.length === 0 ? undefined : (tf.stack(this.images) as tf.Tensor4D);
  }

  /** Replaces the stored images by copies of `images` [count, H, W, C]. */
  load(images: tf.Tensor4D): void {
    if (images.shape[0] > this.size) throw new GenlabError(`ImageHistoryBuffer.load: at most ${this.size} images, got ${images.shape[0]}`);
    this.dispose();
    this.images = (tf.unstack(images) as tf.Tensor3D[]).map((t) => tf.keep(t));
  }

  /** Frees the stored images. */
  dispose(): void {
    tf.dispose(this.images);
    this.images = [];
  }
}
