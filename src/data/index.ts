export * from './datasets';
export * from './batches';
export { makeRandom, permutation, tfSeed, type Random } from '../random';
export * from './synthetic';
export * from './ring';
export * from './facades';
export * from './translation-sets';
export * from './image-folder';
export * from './clusters';
