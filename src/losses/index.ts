// The losses module: each file adds its export line here.
export * from './translation';
export * from './gan';
export * from './stabilisers';
export * from './vae';
export * from './adversarial';
