// The train module: each file adds its export line here.
export * from './image-buffer';
