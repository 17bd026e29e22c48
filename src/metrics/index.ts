// The metrics module: each file adds its export line here.
export * from './image';
export * from './frechet';
export * from './judge';
export * from './quality';
export * from './latent';
