/** The check of a GAN trainer's real data (used by train/gan.ts; not exported by the package). */
import * as tf from '@tensorflow/tfjs';
import { checkLabels, checkTensor, GenlabError } from '../errors';

/**
 * Real data of the shape the discriminator takes ([N, ...its input]), float32, and for a
 * conditional generator one label per row below the generator's class count.
 */
export function checkGanData(fn: string, generator: tf.LayersModel, discriminator: tf.LayersModel, data: unknown, labels: unknown): void {
  if (typeof data === 'function') return;
  const inputShape = discriminator.inputs[0].shape;
  checkTensor(fn, 'options.data', data, { shape: inputShape.map((d) => d ?? null), layout: `[N, ${inputShape.slice(1).join(', ')}] (the discriminator's input)`, dtype: 'float32' });
  if (generator.inputs.length === 2 && labels !== undefined) {
    const classes = generator.inputs[1].shape[1] as number;
    checkLabels(fn, 'options.labels', labels, classes);
    const n = (data as tf.Tensor).shape[0];
    if ((labels as tf.Tensor).shape[0] !== n) throw new GenlabError(`${fn}: options.labels must have one label per row of options.data (${n}), got ${(labels as tf.Tensor).shape[0]}`);
  }
}
