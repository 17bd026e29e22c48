// The metrics module: each file adds its export line here.
export * from './image';
export * from './frechet';
export * from './judge';
export * from './quality';
export * from './generator';
export * from './elbo';
export * from './latent';
export * from './domain';
export * from './translation';
