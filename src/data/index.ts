export * from './datasets';
export * from './batches';
export * from './random';
export * from './synthetic';
export * from './ring';
export * from './facades';
export * from './translation-sets';
export * from './image-folder';
