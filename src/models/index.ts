// The public names of the models namespace, by name: internal helpers stay unexported (tests/public-api.test.ts lists them all).
export {
  convNormAct, DEFAULT_CONV_BLOCK_OPTIONS, DEFAULT_INSTANCE_NORMALIZATION_ARGS,
  DEFAULT_PATCH_GAN_OPTIONS, InstanceNormalization, paperInitializer, patchGanDiscriminator,
  patchGanLayers, receptiveField, ReflectionPadding2D, residualBlock, SeededDropout, unetDown,
  unetUp,
} from './blocks';
export type {
  ActivationKind, ConvBlockOptions, InstanceNormalizationArgs, NormKind, PatchGan, PatchGanOptions,
  ReflectionPadding2DArgs, SeededDropoutArgs,
} from './blocks';
export {
  conditionalPatchGan, createPix2Pix, DEFAULT_PIX2PIX_OPTIONS, pairForDiscriminator, unetGenerator,
} from './pix2pix';
export type { Pix2Pix, Pix2PixOptions } from './pix2pix';
export { createCycleGan, DEFAULT_CYCLE_GAN_OPTIONS, resnetGenerator } from './cyclegan';
export type { CycleGan, CycleGanOptions, ResnetGeneratorOptions } from './cyclegan';
export {
  buildGanDiscriminator, buildGanGenerator, DEFAULT_GAN_OPTIONS, DEFAULT_LATENT_OPTIONS,
  generateImages, sampleLatent,
} from './gan';
export type { GanOptions, LatentOptions } from './gan';
export {
  buildCganDiscriminator, buildCganGenerator, DEFAULT_CGAN_OPTIONS, generateConditional,
  oneHotLabels,
} from './cgan';
export type { CganOptions } from './cgan';
export { buildToyDiscriminator, buildToyGenerator, DEFAULT_TOY_GAN_OPTIONS } from './toy-gan';
export type { ToyGanOptions } from './toy-gan';
export {
  DEFAULT_SPECTRAL_NORM_OPTIONS, spectralNormalise, SpectralNormConv2D, SpectralNormDense,
} from './spectral-norm';
export type { SpectralNormConv2DArgs, SpectralNormDenseArgs, SpectralNormOptions } from './spectral-norm';
export {
  buildVae, decode, decodeLogits, DEFAULT_VAE_OPTIONS, disposeVae, encode, reconstruct,
  reparameterize, sampleVae,
} from './vae';
export type { Vae, VaeOptions } from './vae';
export {
  architectureTable, buildConditionalDcganDiscriminator, buildConditionalDcganGenerator,
  buildDcganDiscriminator, buildDcganGenerator, buildInfoDcganDiscriminator,
  buildInfoDcganGenerator, DEFAULT_DCGAN_OPTIONS,
} from './dcgan';
export type { DcganOptions, LayerRow } from './dcgan';
