export * from './datasets';
export * from './batches';
export * from './random';
export * from './ring';
export * from './synthetic';
export * from './facades';
export * from './translation-sets';
export * from './image-folder';
