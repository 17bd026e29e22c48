// The metrics module: each file adds its export line here.
export * from './image';
