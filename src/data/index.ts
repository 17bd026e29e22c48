export * from './datasets';
export * from './batches';
export * from './random';
export * from './ring';
export * from './synthetic';
