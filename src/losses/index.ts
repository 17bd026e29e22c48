// The losses module: each file adds its export line here.
export {};
export * from './vae';
