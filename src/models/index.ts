// The models module: each file adds its export line here.
export * from './gan';
export * from './cgan';
export * from './toy-gan';
export * from './vae';
export * from './spectral-norm';
export * from './dcgan';
