/**
 * Gradients that tfjs 4.22 ships without, registered once when genlab's backend module is loaded
 * (on every backend), and only where tfjs lacks them.
 *
 * Greater: the gradient penalty of WGAN-GP (losses/stabilisers.ts) differentiates D's backward
 * pass, and LeakyReLU's backward pass uses greater(x, 0). A comparison is piecewise constant, so
 * its gradient is zero almost everywhere.
 */
import * as tf from '@tensorflow/tfjs';

export function registerMissingGradients(): void {
  if (tf.getGradient('Greater') === undefined) {
    tf.registerGradient({
      kernelName: 'Greater',
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [a, b] = saved;
        return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
      },
    });
  }
}
