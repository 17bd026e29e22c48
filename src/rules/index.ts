// The rules module: images made by rules, with no learning. One family per file.
export type { Colour } from './image';
export {
  addGaussianNoise, DEFAULT_ADD_NOISE_OPTIONS, DEFAULT_FBM_OPTIONS, DEFAULT_SALT_AND_PEPPER_OPTIONS,
  DEFAULT_SMOOTH_NOISE_OPTIONS, DEFAULT_WHITE_NOISE_OPTIONS, fbm, fbmSampler, field, gradientNoise,
  makeNoise2D, saltAndPepper, valueNoise, whiteNoise,
} from './noise';
export type {
  AddNoiseOptions, FbmOptions, NoiseBasis, SaltAndPepperOptions, SmoothNoiseOptions,
  WhiteNoiseOptions,
} from './noise';
export { blockAlias, DEFAULT_BLOCK_ALIAS_OPTIONS, DEFAULT_TILE_OPTIONS, mirror, shift, tile } from './blocks';
export type { BlockAliasOptions, BlockMode, MirrorOptions, ShiftOptions, TileOptions } from './blocks';
export {
  boxKernel, convolve, DEFAULT_CONVOLVE_OPTIONS, EMBOSS_KERNEL, gaussianKernel, IDENTITY_KERNEL,
  LAPLACIAN_KERNEL, SHARPEN_KERNEL, SOBEL_X_KERNEL, SOBEL_Y_KERNEL,
} from './kernels';
export type { ConvolveOptions, Kernel, Padding } from './kernels';
export {
  boxBlur, DEFAULT_BOX_BLUR_OPTIONS, DEFAULT_EDGE_OPTIONS, DEFAULT_EMBOSS_OPTIONS,
  DEFAULT_GAUSSIAN_BLUR_OPTIONS, DEFAULT_SHARPEN_OPTIONS, edges, emboss, gaussianBlur,
  gradientMagnitude, sharpen, sharpenKernel, sobel, toGrey,
} from './filters';
export type {
  BoxBlurOptions, EdgeOptions, EmbossOptions, GaussianBlurOptions, SharpenOptions,
} from './filters';
export { DEFAULT_POSTERIZE_OPTIONS, posterize, quantize } from './tone';
export type { PosterizeOptions, QuantizeOptions } from './tone';
export { bilateralFilter, cartoon, DEFAULT_BILATERAL_OPTIONS, DEFAULT_CARTOON_OPTIONS } from './cartoon';
export type { BilateralOptions, CartoonOptions } from './cartoon';
export { alphaComposite, blend, crossFade, DEFAULT_CROSS_FADE_OPTIONS } from './blend';
export type { CrossFadeOptions } from './blend';
export {
  bricks, checkerboard, DEFAULT_BRICKS_OPTIONS, DEFAULT_CHECKERBOARD_OPTIONS,
  DEFAULT_MARBLE_OPTIONS, DEFAULT_RINGS_OPTIONS, DEFAULT_STRIPES_OPTIONS, DEFAULT_WOOD_OPTIONS,
  marble, rings, stripes, texture, TEXTURE_COLOURS, TEXTURE_NAMES, wood,
} from './textures';
export type {
  BricksOptions, CheckerboardOptions, MarbleOptions, RingsOptions, StripesOptions, TextureName,
  TextureOptions, WoodOptions,
} from './textures';
