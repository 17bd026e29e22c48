/**
 * Calling the wasm backend's own kernels from inside a kernel.
 *
 * A kernel receives and returns `TensorInfo`s, which the engine does not track: every
 * intermediate a kernel makes must be released with `release()` (the backend's
 * `disposeData`, which respects reference counts: Reshape and Identity return the input's
 * data with its count raised, so releasing them never frees data someone else holds).
 * This is how @tensorflow/tfjs-backend-wasm's own kernels compose (e.g. its BatchMatMul
 * calls Reshape); we look kernels up in the registry instead of importing them.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use. */
export interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.TypedArray): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
  dataIdMap: { has(dataId: object): boolean };
}

/** The arguments every kernel function receives. */
export interface KernelArgs<A = Record<string, unknown>> {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: A;
}

/** A kernel function as registered (the stock ones may be replaced: see kernels.ts). */
export type KernelImpl = (args: KernelArgs<any>) => tf.TensorInfo | tf.TensorInfo[];

const saved = new Map<string, KernelImpl>();

/** Keeps the stock kernel `name` callable after genlab's replacement is registered. */
export function saveStockKernel(name: string, impl: KernelImpl): void {
  saved.set(name, impl);
}

/** Runs kernel `name` of the wasm backend (the stock one if genlab replaced it). */
export function run(
  backend: tf.KernelBackend,
  name: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown> = {},
): tf.TensorInfo {
  let impl = saved.get(name);
  if (impl === undefined) {
    const config = tf.getKernel(name, 'wasm');
    if (config === undefined) throw new Error(`genlab wasm kernels: the wasm backend has no '${name}' kernel`);
    impl = config.kernelFunc as unknown as KernelImpl;
  }
  return impl({ inputs, backend, attrs }) as tf.TensorInfo;
}

/** Releases intermediates made by `run` (reference-counted: shared data stays alive). */
export function release(backend: tf.KernelBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) (backend as WasmBackend).disposeData(info.dataId);
}

export const reshape = (backend: tf.KernelBackend, x: tf.TensorInfo, shape: number[]) =>
  run(backend, 'Reshape', { x }, { shape });

export const transpose = (backend: tf.KernelBackend, x: tf.TensorInfo, perm: number[]) =>
  run(backend, 'Transpose', { x }, { perm });

/** Slice through the registered kernel (genlab's, which reads the input in place), not the stock one. */
export function slice(backend: tf.KernelBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const kernel = tf.getKernel('Slice', 'wasm')!.kernelFunc as unknown as KernelImpl;
  return kernel({ inputs: { x }, backend, attrs: { begin, size } }) as tf.TensorInfo;
}

/** Stride-1-or-more NHWC conv2d with explicit padding [top, bottom, left, right]. */
export function conv2d(
  backend: tf.KernelBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  options: { strides?: [number, number]; dilations?: [number, number]; pad: [number, number, number, number] },
): tf.TensorInfo {
  const [top, bottom, left, right] = options.pad;
  return run(backend, 'Conv2D', { x, filter }, {
    strides: options.strides ?? [1, 1],
    dilations: options.dilations ?? [1, 1],
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
  });
}

/** The geometry of an NHWC conv2d (dilation 1) of an input of `inputShape` with a filter of `filterShape`. */
export function convInfo(
  inputShape: number[],
  filterShape: number[],
  attrs: { strides: number | number[]; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding; dimRoundingMode?: 'floor' | 'round' | 'ceil' },
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    pair(attrs.strides),
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** A new float32 tensor in the wasm heap holding `values`. */
export function fromValues(backend: tf.KernelBackend, values: Float32Array, shape: number[]): tf.TensorInfo {
  return (backend as WasmBackend).makeOutput(shape, 'float32', undefined, values);
}

/** The float32 data of `info`, read in place from the wasm heap (valid until the next allocation). */
export function heapView(backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array {
  return (backend as WasmBackend).typedArrayFromHeap(info);
}

/**
 * Runs of at least this many float32 values are moved within the heap with copyWithin (a
 * memmove), shorter ones value by value (measured in Node 20: copyWithin is 2x faster for 16
 * values, 13x slower for 1).
 */
export const COPY_WITHIN_FROM = 16;

/** The [height, width] pair of a conv attribute given as a number or a pair. */
export function pair(value: number | [number, number] | number[]): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}
