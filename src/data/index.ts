// The one pixel-range convention (src/pixels.ts) is part of the data namespace: data.toRange, data.PixelRange.
export { toRange, DEFAULT_PIXEL_RANGE, PIXEL_RANGES, type PixelRange } from '../pixels';
export * from './datasets';
export * from './batches';
export { makeRandom, permutation, tfSeed, type Random } from '../random';
export * from './synthetic';
export * from './ring';
export * from './facades';
export * from './translation-sets';
export * from './image-folder';
export * from './clusters';
