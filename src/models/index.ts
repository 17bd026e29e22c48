// The models module: each file adds its export line here.
export * from './spectral-norm';
export * from './dcgan';
