export * from './datasets';
export * from './batches';
export * from './random';
export * from './synthetic';
