/** The checks of a VAE and of what it is trained and evaluated on (shared by models/vae.ts, train/vae.ts and metrics/elbo.ts; not exported by the package). */
import * as tf from '@tensorflow/tfjs';
import { checkLabels, checkPixelRange, fail, GenlabError } from '../errors';
import type { Vae } from './vae';

/** Throws unless `vae` is what buildVae returns (and is not disposed). */
export function checkVae(fn: string, vae: unknown): Vae {
  const v = vae as Vae;
  if (vae === null || typeof vae !== 'object' || !(v.encoder instanceof tf.LayersModel) || !(v.decoder instanceof tf.LayersModel) || typeof v.options !== 'object') {
    fail(fn, 'vae', 'a VAE from models.buildVae ({ encoder, decoder, options })', vae);
  }
  return v;
}

/** Throws unless `labels` holds one class index below `classes` for each of the `n` images. */
export function checkEveryLabel(fn: string, labels: tf.Tensor, n: number, classes: number): void {
  checkLabels(fn, 'options.labels', labels, classes);
  if (labels.shape[0] !== n) throw new GenlabError(`${fn}: options.labels must have one label per image (${n}), got ${labels.shape[0]}`);
}

/** Throws unless `images` are float32 [N >= 1, H, W, C] images of the VAE's shape with pixels in [0, 1]. */
export function checkVaeTrainingImages(images: tf.Tensor, vae: Vae, caller: string, argument = 'images'): void {
  const [h, w, c] = vae.options.imageShape;
  const s = images instanceof tf.Tensor ? images.shape : [];
  if (s.length !== 4 || s[1] !== h || s[2] !== w || s[3] !== c || s[0] === 0 || images.dtype !== 'float32') {
    throw new GenlabError(`${caller}: ${argument} must be float32 [N >= 1, ${h}, ${w}, ${c}] with pixels in [0, 1], got ${images instanceof tf.Tensor ? `a ${images.dtype} tensor [${s.join(', ')}]` : typeof images}`);
  }
  checkPixelRange(caller, argument, images, [0, 1]);
}
