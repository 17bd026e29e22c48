/**
 * CycleGAN: unpaired image-to-image translation (Zhu et al. 2017, "Unpaired Image-to-Image
 * Translation using Cycle-Consistent Adversarial Networks").
 *
 *   L(G, F, D_X, D_Y) = L_GAN(G, D_Y, X, Y) + L_GAN(F, D_X, Y, X) + lambda * L_cyc(G, F)   (Eq. 3)
 *   L_cyc(G, F) = E_x[ |F(G(x)) - x|_1 ] + E_y[ |G(F(y)) - y|_1 ]                          (Eq. 2)
 *   L_identity(G, F) = E_y[ |G(y) - y|_1 ] + E_x[ |F(x) - x|_1 ]    (§5.2, weight 0.5 * lambda)
 *
 * Four networks are trained *jointly*, every step: the two generators G: X -> Y and F: Y -> X
 * in one update (adversarial + cycle + identity), then the two discriminators in another.
 * (It is not "train A -> B, then train B -> A on the generated images".) The adversarial
 * loss is least squares (§4, "we replace the negative log likelihood objective by a
 * least-squares loss"): G minimises (D_Y(G(x)) - 1)^2, D_Y minimises (D_Y(y) - 1)^2 + D_Y(G(x))^2.
 * D is updated on a history of 50 generated images rather than only the newest ones (§4,
 * Shrivastava et al. 2017). Learning rate 2e-4, constant for the first half of training, then
 * linearly decayed to zero. These training settings (lambda, the identity weight, the buffer,
 * Adam) are the trainer's options (train/translation.ts); this file builds the networks.
 *
 * Code vs paper (this file, losses/translation.ts, train/translation.ts):
 *   domains A, B           X, Y
 *   generatorAB            G: X -> Y          (G_A in the reference code)
 *   generatorBA            F: Y -> X          (G_B in the reference code)
 *   discriminatorB         D_Y, judges B      (D_A in the reference code: it judges G_A's output)
 *   discriminatorA         D_X, judges A      (D_B in the reference code)
 *   lambdaCycle            lambda = 10
 *   identityWeight         0.5 (the reference's lambda_identity; the term is weighted 0.5 * lambda)
 *   ImageHistoryBuffer     the "image pool" of the reference code (train/image-buffer.ts)
 *
 * Generator (the paper's appendix, "c7s1-64, d128, d256, R256 x 9, u128, u64, c7s1-3"):
 *   reflect-pad 3, conv 7x7 ngf, IN, ReLU; two stride-2 conv 3x3 (2 ngf, 4 ngf); n residual
 *   blocks; two stride-2 transposed conv 3x3 (2 ngf, ngf); reflect-pad 3, conv 7x7, tanh.
 * Scaled for 28 x 28 digits (stated departures): ngf = 16 (paper 64), 3 residual blocks (paper 6
 * at 128 x 128, 9 at 256 x 256), ndf = 32 (paper 64) and a 16 x 16 PatchGAN (1 stride-2 conv;
 * the paper's 70 x 70 is 27% of 256, 16 is 57% of 28).
 */
import * as tf from '@tensorflow/tfjs';
import { layerSeed } from '../random';
import { convNormAct, residualBlock, patchGanDiscriminator, type NormKind } from './blocks';
import { checkOptionValues, GenlabError, resolveOptions } from '../errors';

export interface CycleGanOptions {
  /** Height and width of both domains' images, divisible by 4 (default 28). */
  imageSize?: number;
  /** Channels of domain A images (default 3). */
  channelsA?: number;
  /** Channels of domain B images (default 3; the identity loss needs channelsA = channelsB). */
  channelsB?: number;
  /** Filters of the generators' first conv (default 16; the paper's ngf is 64). */
  generatorFilters?: number;
  /** Residual blocks in each generator (default 3; the paper's 6 at 128 x 128, 9 at 256 x 256). */
  residualBlocks?: number;
  /** Filters of the discriminators' first conv (default 32; the paper's ndf is 64). */
  discriminatorFilters?: number;
  /** Stride-2 convs of each PatchGAN (default 1: 16 x 16 patches; the paper's 3: 70 x 70). */
  discriminatorLayers?: number;
  /** Normalisation (default 'instance', the paper's). */
  norm?: NormKind;
  /** Seed of the weight initialisers (default 0). */
  seed?: number;
}

export const DEFAULT_CYCLE_GAN_OPTIONS: Required<CycleGanOptions> = {
  imageSize: 28,
  channelsA: 3,
  channelsB: 3,
  generatorFilters: 16,
  residualBlocks: 3,
  discriminatorFilters: 32,
  discriminatorLayers: 1,
  norm: 'instance',
  seed: 0,
};

/** The four networks of a CycleGAN. */
export interface CycleGan {
  /** G: A -> B, [B, S, S, channelsA] -> [B, S, S, channelsB] in [-1, 1]. */
  generatorAB: tf.LayersModel;
  /** F: B -> A. */
  generatorBA: tf.LayersModel;
  /** D_A: scores patches of A images (real a vs F(b)), [B, S, S, channelsA] -> [B, S/2^n, S/2^n, 1]. */
  discriminatorA: tf.LayersModel;
  /** D_B: scores patches of B images (real b vs G(a)). */
  discriminatorB: tf.LayersModel;
  /** Side of the patch each discriminator output judges. */
  receptiveField: number;
  options: Required<CycleGanOptions>;
}

export interface ResnetGeneratorOptions {
  imageSize: number;
  inputChannels: number;
  outputChannels: number;
  filters: number;
  residualBlocks: number;
  norm: NormKind;
  seed: number;
  name: string;
}

/**
 * The ResNet generator, for imageSize S and ngf f:
 *   [B,S,S,Cin] -c7s1-> [B,S,S,f] -d-> [B,S/2,S/2,2f] -d-> [B,S/4,S/4,4f] -R x n-> [B,S/4,S/4,4f]
 *   -u-> [B,S/2,S/2,2f] -u-> [B,S,S,f] -c7s1, tanh-> [B,S,S,Cout]
 */
export function resnetGenerator(o: ResnetGeneratorOptions): tf.LayersModel {
  resolveOptions('resnetGenerator', {}, o, ['imageSize', 'inputChannels', 'outputChannels', 'filters', 'residualBlocks', 'norm', 'seed', 'name']);
  if (o === undefined) throw new GenlabError('resnetGenerator: options must be given ({ imageSize, inputChannels, outputChannels, filters, residualBlocks, norm, seed, name })');
  checkOptionValues('resnetGenerator', o, {
    imageSize: 'positiveInteger', inputChannels: 'positiveInteger', outputChannels: 'positiveInteger', filters: 'positiveInteger',
    residualBlocks: 'nonNegativeInteger', norm: ['instance', 'batch', 'none'], seed: 'finite',
  }, '');
  if (o.imageSize % 4 !== 0) throw new GenlabError(`resnetGenerator: imageSize must be divisible by 4, got ${o.imageSize}`);
  const input = tf.input({ shape: [o.imageSize, o.imageSize, o.inputChannels] });
  const f = o.filters;
  let x = convNormAct(input, { filters: f, kernelSize: 7, strides: 1, padding: 'reflect', norm: o.norm, seed: layerSeed(o.seed, 0) }); // [B,S,S,f]
  x = convNormAct(x, { filters: 2 * f, kernelSize: 3, strides: 2, norm: o.norm, seed: layerSeed(o.seed, 1) }); // [B,S/2,S/2,2f]
  x = convNormAct(x, { filters: 4 * f, kernelSize: 3, strides: 2, norm: o.norm, seed: layerSeed(o.seed, 2) }); // [B,S/4,S/4,4f]
  for (let i = 0; i < o.residualBlocks; i++) x = residualBlock(x, { norm: o.norm, seed: layerSeed(o.seed, 10 + i) }); // [B,S/4,S/4,4f]
  x = convNormAct(x, { filters: 2 * f, kernelSize: 3, strides: 2, transposed: true, norm: o.norm, seed: layerSeed(o.seed, 3) }); // [B,S/2,S/2,2f]
  x = convNormAct(x, { filters: f, kernelSize: 3, strides: 2, transposed: true, norm: o.norm, seed: layerSeed(o.seed, 4) }); // [B,S,S,f]
  const output = convNormAct(x, {
    filters: o.outputChannels, kernelSize: 7, strides: 1, padding: 'reflect', norm: 'none', activation: 'tanh', seed: layerSeed(o.seed, 5),
  }); // [B,S,S,Cout]
  return tf.model({ inputs: input, outputs: output, name: o.name });
}

/** Builds the four networks (defaults: DEFAULT_CYCLE_GAN_OPTIONS). */
export function createCycleGan(options: CycleGanOptions = {}): CycleGan {
  const o = resolveOptions('createCycleGan', DEFAULT_CYCLE_GAN_OPTIONS, options);
  checkOptionValues('createCycleGan', o, {
    imageSize: 'positiveInteger', channelsA: 'positiveInteger', channelsB: 'positiveInteger', generatorFilters: 'positiveInteger',
    residualBlocks: 'nonNegativeInteger', discriminatorFilters: 'positiveInteger', discriminatorLayers: 'positiveInteger',
    norm: ['instance', 'batch', 'none'], seed: 'finite',
  });
  if (o.imageSize % 4 !== 0) throw new GenlabError(`createCycleGan: options.imageSize must be divisible by 4, got ${o.imageSize}`);
  const generator = (inputChannels: number, outputChannels: number, seed: number, name: string) =>
    resnetGenerator({
      imageSize: o.imageSize, inputChannels, outputChannels, filters: o.generatorFilters,
      residualBlocks: o.residualBlocks, norm: o.norm, seed, name,
    });
  const discriminator = (channels: number, seed: number, name: string) =>
    patchGanDiscriminator({
      imageSize: o.imageSize, channels, baseFilters: o.discriminatorFilters, nLayers: o.discriminatorLayers, norm: o.norm, seed, name,
    });
  const dA = discriminator(o.channelsA, o.seed + 3000, 'discriminatorA');
  const dB = discriminator(o.channelsB, o.seed + 4000, 'discriminatorB');
  return {
    generatorAB: generator(o.channelsA, o.channelsB, o.seed + 1000, 'generatorAB'),
    generatorBA: generator(o.channelsB, o.channelsA, o.seed + 2000, 'generatorBA'),
    discriminatorA: dA.model,
    discriminatorB: dB.model,
    receptiveField: dA.receptiveField,
    options: o,
  };
}
