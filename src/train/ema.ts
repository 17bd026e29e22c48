/**
 * Exponential moving average (EMA) of generator weights, for sampling.
 *
 * The generator's weights keep moving as G and D chase each other; an average over the last few
 * hundred steps gives smoother, usually better samples (Karras et al. 2018, progressive GAN;
 * Yazici et al. 2019, "The unusual effectiveness of averaging in GAN training"):
 *   theta_ema <- decay * theta_ema + (1 - decay) * theta          after every generator step
 * Only trainable weights are averaged; non-trainable ones (batch norm's moving mean and
 * variance) are copied, so the averaged model normalises like the live one.
 *
 * The averaged copy is a second model built by the same builder: tfjs cannot clone a model, and
 * keeping it separate means the optimizer never touches it.
 */
import * as tf from '@tensorflow/tfjs';
import { GenlabError, checkModel } from '../errors';

export interface EmaOptions {
  /** Weight of the old average per update (0.999 as in Karras et al. 2018; Yazici et al. use 0.9999). */
  decay?: number;
}

export const DEFAULT_EMA_OPTIONS: Required<EmaOptions> = { decay: 0.999 };

function checkPair(fn: string, target: tf.LayersModel, source: tf.LayersModel): void {
  checkModel(fn, 'target', target);
  checkModel(fn, 'source', source);
  if (target === source) throw new GenlabError(`${fn}: target and source must be two different models`);
  const a = target.weights;
  const b = source.weights;
  if (a.length !== b.length) {
    throw new GenlabError(`${fn}: target has ${a.length} weights, source has ${b.length}; build both with the same builder and options`);
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i].shape.join() !== b[i].shape.join()) {
      throw new GenlabError(`${fn}: weight ${i} is [${a[i].shape}] in target and [${b[i].shape}] in source (${b[i].name})`);
    }
  }
}

/** Copies every weight of `source` into `target` (same architecture): the start of an EMA. */
export function copyWeights(target: tf.LayersModel, source: tf.LayersModel): void {
  checkPair('copyWeights', target, source);
  tf.tidy(() => {
    target.weights.forEach((weight, i) => weight.write(source.weights[i].read().clone()));
  });
}

/**
 * One EMA update of `target` towards `source`: trainable weights become
 * decay * target + (1 - decay) * source; non-trainable weights are copied.
 */
export function updateEma(target: tf.LayersModel, source: tf.LayersModel, options: EmaOptions = {}): void {
  const decay = options.decay ?? DEFAULT_EMA_OPTIONS.decay;
  if (!(decay >= 0 && decay <= 1)) throw new GenlabError(`updateEma: options.decay must be in [0, 1], got ${decay}`);
  checkPair('updateEma', target, source);
  tf.tidy(() => {
    target.weights.forEach((weight, i) => {
      const current = source.weights[i].read();
      if (!source.weights[i].trainable) {
        weight.write(current.clone());
        return;
      }
      weight.write(weight.read().mul(decay).add(current.mul(1 - decay)));
    });
  });
}
