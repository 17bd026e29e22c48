// The train module: each file adds its export line here.
export * from './image-buffer';
export * from './translation';
export * from './phased';
export * from './batches';
export * from './checkpoint';
export * from './progress';
export * from './interrupt';
export * from './gan';
export * from './schedules';
export * from './vae';
export * from './ema';
