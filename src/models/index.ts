// The models module: each file adds its export line here.
export * from './blocks';
export * from './pix2pix';
export * from './cyclegan';
export * from './gan';
export * from './cgan';
export * from './toy-gan';
export * from './spectral-norm';
export * from './vae';
export * from './dcgan';
