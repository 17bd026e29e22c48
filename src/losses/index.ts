// The losses module: each file adds its export line here.
export * from './gan';
export * from './vae';
export * from './stabilisers';
