/**
 * A tiny GAN for 2-D points, to watch the minimax game on a toy distribution (the ring of
 * 8 Gaussians of data/ring.ts, the classic mode-collapse test of Metz et al., 2017, "Unrolled
 * Generative Adversarial Networks", §3.1) where every sample can be drawn as a dot.
 *
 * G: z [B, latentSize] ~ N(0, I) -> MLP -> point [B, 2] (linear output: points are unbounded).
 * D: point [B, 2] -> MLP -> one logit [B, 1].
 * Same objective and losses as the image GAN (models/gan.ts, losses/gan.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { LayerSeeds } from './gan';
import { GenlabError, resolveOptions } from '../errors';

export interface ToyGanOptions {
  /** Size of z (default 16: enough for 8 modes, small enough to train in seconds). */
  latentSize?: number;
  /**
   * Units of G's hidden layers (default [64, 64]: Metz et al. (2017) use 128-unit MLPs; half the
   * width trains 2-3x faster here and still covers the ring).
   */
  generatorUnits?: number[];
  /** Units of D's hidden layers (default [64, 64]). */
  discriminatorUnits?: number[];
  /** Negative slope of LeakyReLU hidden activations (default 0: plain ReLU, as in Metz et al., 2017; 0.2 trained slower on the ring here). */
  leakySlope?: number;
  /** Dimension of a data point (default 2). */
  dataSize?: number;
  /** Seed of the weight initialisation (default 0). */
  seed?: number;
}

export const DEFAULT_TOY_GAN_OPTIONS: Required<ToyGanOptions> = {
  latentSize: 16,
  generatorUnits: [64, 64],
  discriminatorUnits: [64, 64],
  leakySlope: 0,
  dataSize: 2,
  seed: 0,
};

function mlp(input: tf.SymbolicTensor, units: number[], outputUnits: number, leakySlope: number, seeds: LayerSeeds, prefix: string): tf.SymbolicTensor {
  let h = input;
  units.forEach((n, i) => {
    h = tf.layers.dense({ units: n, kernelInitializer: seeds.glorot(), name: `${prefix}_dense${i + 1}` }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.leakyReLU({ alpha: leakySlope, name: `${prefix}_lrelu${i + 1}` }).apply(h) as tf.SymbolicTensor;
  });
  return tf.layers.dense({ units: outputUnits, kernelInitializer: seeds.glorot(), name: `${prefix}_out` }).apply(h) as tf.SymbolicTensor;
}

function toyOptions(options: ToyGanOptions, caller: string): Required<ToyGanOptions> {
  const o = resolveOptions(caller, DEFAULT_TOY_GAN_OPTIONS, options);
  for (const key of ['latentSize', 'dataSize'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new GenlabError(`${caller}: options.${key} must be a positive integer, got ${o[key]}`);
  }
  return o;
}

/** G: z [B, latentSize] -> point [B, dataSize]. */
export function buildToyGenerator(options: ToyGanOptions = {}): tf.LayersModel {
  const o = toyOptions(options, 'buildToyGenerator');
  const z = tf.input({ shape: [o.latentSize], name: 'z' });
  const point = mlp(z, o.generatorUnits, o.dataSize, o.leakySlope, new LayerSeeds(o.seed), 'g'); // [B, 2]
  return tf.model({ inputs: z, outputs: point, name: 'toy_generator' });
}

/** D: point [B, dataSize] -> one logit [B, 1]. */
export function buildToyDiscriminator(options: ToyGanOptions = {}): tf.LayersModel {
  const o = toyOptions(options, 'buildToyDiscriminator');
  const point = tf.input({ shape: [o.dataSize], name: 'point' });
  const logit = mlp(point, o.discriminatorUnits, 1, o.leakySlope, new LayerSeeds(o.seed + 1), 'd'); // [B, 1]
  return tf.model({ inputs: point, outputs: logit, name: 'toy_discriminator' });
}
