// The rules module: images made by rules, with no learning. One family per file.
export type { Colour } from './image';
export * from './noise';
export * from './blocks';
export * from './kernels';
export * from './filters';
export * from './tone';
export * from './cartoon';
export * from './blend';
export * from './textures';
