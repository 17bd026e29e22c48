/** The check that a value is a VAE from buildVae (shared by models/vae.ts and train/vae.ts; not exported by the package). */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors';
import type { Vae } from './vae';

/** Throws unless `vae` is what buildVae returns (and is not disposed). */
export function checkVae(fn: string, vae: unknown): Vae {
  const v = vae as Vae;
  if (vae === null || typeof vae !== 'object' || !(v.encoder instanceof tf.LayersModel) || !(v.decoder instanceof tf.LayersModel) || typeof v.options !== 'object') {
    fail(fn, 'vae', 'a VAE from models.buildVae ({ encoder, decoder, options })', vae);
  }
  return v;
}
