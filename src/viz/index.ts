export * from './figure';
export * from './image-grid';
export * from './loss-curves';
export * from './scatter';
export * from './show';
export * from './kernel-grid';
