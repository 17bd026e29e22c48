/**
 * genlab's one error type, its options merge and the checks every public function runs on its
 * arguments before any tensor work starts. A message names the function, the argument, what was
 * expected and what came:
 *
 *   imageGrid: images must be [N, H, W, C] (or one [H, W, C] image) with C = 1 or 3, got [28, 28]
 *   imageGrid: unknown option 'colums' (did you mean 'columns'? expected one of columns, labels, …)
 */
import * as tf from '@tensorflow/tfjs';

/** Every error genlab throws on purpose. `instanceof GenlabError` tells it from a bug. */
export class GenlabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GenlabError';
  }
}

/** A value as a message shows it: numbers and strings as written, tensors by dtype and shape. */
export function describeValue(value: unknown): string {
  if (value instanceof tf.Tensor) return `a ${value.dtype} tensor [${value.shape.join(', ')}]`;
  if (value instanceof Shape) return `[${value.shape.join(', ')}]`;
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === undefined || value === null) return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return value.length <= 8 ? `[${value.map(describeValue).join(', ')}]` : `an array of ${value.length} entries`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${(value as unknown as ArrayLike<number>).length} entries`;
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** Throws `fn: argument must be expected, got actual`. */
export function fail(fn: string, argument: string, expected: string, actual: unknown): never {
  throw new GenlabError(`${fn}: ${argument} must be ${expected}, got ${describeValue(actual)}`);
}

/** A shape as messages write it: [2, 28, 28, 1]. */
class Shape {
  constructor(readonly shape: readonly number[]) {}
}
const shapeOf = (x: tf.Tensor) => new Shape(x.shape);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Edit distance, for suggesting the option a misspelt key meant. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * Refuses an `options` argument that is not a plain object, and keys that are neither in
 * `defaults` nor in `otherKeys` (options without a default). Suggests the closest known key.
 */
export function checkOptionKeys(fn: string, options: unknown, known: readonly string[], argument = 'options'): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) fail(fn, argument, 'an object of options', options);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    let best = '';
    let bestDistance = Infinity;
    for (const k of known) {
      const d = editDistance(key, k);
      if (d < bestDistance) [best, bestDistance] = [k, d];
    }
    const hint = best && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? `did you mean '${best}'? ` : '';
    const list = known.length <= 12 ? known.join(', ') : `${known.slice(0, 12).join(', ')}, …`;
    throw new GenlabError(`${fn}: unknown option '${key}' (${hint}expected one of ${list})`);
  }
}

/**
 * `defaults` overridden by `options`, where an option that is `undefined` keeps its default (a
 * spread `{ ...defaults, ...options }` would let it replace the default). Unknown keys and an
 * `options` that is not a plain object are refused; `otherKeys` names the options that have no
 * default. The defaults object itself is never changed.
 */
export function resolveOptions<D extends object, O extends object = Partial<D>>(
  fn: string,
  defaults: D,
  options: O | undefined,
  otherKeys: readonly string[] = [],
  argument = 'options',
): Resolved<D, O> {
  checkOptionKeys(fn, options, [...Object.keys(defaults), ...otherKeys], argument);
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(options ?? {})) if (value !== undefined) merged[key] = value;
  return merged as Resolved<D, O>;
}

/** The type of `{ ...defaults, ...options }` where an undefined option keeps its default. */
export type Resolved<D, O> = {
  [K in keyof D | keyof O]: K extends keyof D ? (K extends keyof O ? D[K] | Exclude<O[K], undefined> : D[K]) : K extends keyof O ? O[K] : never;
};

// ---------------------------------------------------------------------------------------------
// Numbers

export interface NumberSpec {
  /** Smallest allowed value (inclusive unless `above` is set). */
  min?: number;
  /** The value must be strictly greater than this. */
  above?: number;
  /** Largest allowed value (inclusive unless `below` is set). */
  max?: number;
  /** The value must be strictly less than this. */
  below?: number;
  integer?: boolean;
  /** Allow Infinity (default false). */
  infinite?: boolean;
}

function numberWords(spec: NumberSpec): string {
  const kind = spec.integer ? 'an integer' : 'a finite number';
  const parts: string[] = [];
  if (spec.above === 0 && spec.max === undefined && spec.below === undefined) return spec.integer ? 'a positive integer' : 'a positive finite number';
  if (spec.min === 0 && spec.max === undefined && spec.below === undefined && spec.above === undefined) return spec.integer ? 'a non-negative integer' : 'a non-negative finite number';
  if (spec.min !== undefined && (spec.max !== undefined || spec.below !== undefined)) {
    return `${kind} in [${spec.min}, ${spec.max ?? spec.below}${spec.max !== undefined ? ']' : ')'}`;
  }
  if (spec.above !== undefined && (spec.max !== undefined || spec.below !== undefined)) {
    return `${kind} in (${spec.above}, ${spec.max ?? spec.below}${spec.max !== undefined ? ']' : ')'}`;
  }
  if (spec.min !== undefined) parts.push(`>= ${spec.min}`);
  if (spec.above !== undefined) parts.push(`> ${spec.above}`);
  if (spec.max !== undefined) parts.push(`<= ${spec.max}`);
  if (spec.below !== undefined) parts.push(`< ${spec.below}`);
  return parts.length ? `${kind} ${parts.join(' and ')}` : kind;
}

/** A number meeting `spec` (finite unless `infinite`, integer if asked, within the bounds). */
export function checkNumber(fn: string, argument: string, value: unknown, spec: NumberSpec = {}): number {
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (Number.isFinite(value) || (spec.infinite === true && value === Infinity)) &&
    (!spec.integer || Number.isInteger(value) || value === Infinity) &&
    (spec.min === undefined || value >= spec.min) &&
    (spec.above === undefined || value > spec.above) &&
    (spec.max === undefined || value <= spec.max) &&
    (spec.below === undefined || value < spec.below);
  if (!ok) fail(fn, argument, numberWords(spec) + (spec.infinite ? ' (or Infinity)' : ''), value);
  return value as number;
}

export const checkFinite = (fn: string, argument: string, value: unknown): number => checkNumber(fn, argument, value);
export const checkPositive = (fn: string, argument: string, value: unknown): number => checkNumber(fn, argument, value, { above: 0 });
export const checkNonNegative = (fn: string, argument: string, value: unknown): number => checkNumber(fn, argument, value, { min: 0 });
export const checkPositiveInteger = (fn: string, argument: string, value: unknown): number => checkNumber(fn, argument, value, { integer: true, above: 0 });
export const checkNonNegativeInteger = (fn: string, argument: string, value: unknown): number => checkNumber(fn, argument, value, { integer: true, min: 0 });
export const checkProbability = (fn: string, argument: string, value: unknown): number => checkNumber(fn, argument, value, { min: 0, max: 1 });

/** A seed: a finite number or a string. */
export function checkSeed(fn: string, argument: string, value: unknown): number | string {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
  return fail(fn, argument, 'a finite number or a string', value);
}

export function checkBoolean(fn: string, argument: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(fn, argument, 'true or false', value);
  return value as boolean;
}

/** One of a fixed set of values (strings, usually). */
export function checkOneOf<T>(fn: string, argument: string, value: unknown, choices: readonly T[]): T {
  const words = choices.map((c) => describeValue(c));
  if (!choices.includes(value as T)) fail(fn, argument, words.length === 2 ? words.join(' or ') : `one of ${words.join(', ')}`, value);
  return value as T;
}

export function checkFunction(fn: string, argument: string, value: unknown): void {
  if (typeof value !== 'function') fail(fn, argument, 'a function', value);
}

export function checkString(fn: string, argument: string, value: unknown): string {
  if (typeof value !== 'string') fail(fn, argument, 'a string', value);
  return value as string;
}

/** A [low, high] pair of finite numbers with low < high. */
export function checkInterval(fn: string, argument: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(value[0] < value[1])) {
    fail(fn, argument, 'a pair [low, high] of finite numbers with low < high', value);
  }
  return value as [number, number];
}

// ---------------------------------------------------------------------------------------------
// Tensors

export interface TensorSpec {
  /** Allowed ranks. */
  rank?: number | readonly number[];
  /** How the shape reads in a message: '[N, H, W, C]'. */
  layout?: string;
  /** Allowed sizes of the last axis. */
  channels?: readonly number[];
  /** Allowed dtypes. */
  dtype?: tf.DataType | readonly tf.DataType[];
  /** Exact sizes, axis by axis; null for any size. */
  shape?: readonly (number | null)[];
  /** Allow a first axis of size 0 (default false: an empty batch is refused). */
  empty?: boolean;
}

function tensorWords(spec: TensorSpec): string {
  const ranks = spec.rank === undefined ? [] : typeof spec.rank === 'number' ? [spec.rank] : spec.rank;
  let words = spec.layout ?? (spec.shape ? `[${spec.shape.map((s) => s ?? '?').join(', ')}]` : ranks.length ? `a tensor of rank ${ranks.join(' or ')}` : 'a tf.Tensor');
  if (spec.channels) words += ` with C = ${spec.channels.join(' or ')}`;
  return words;
}

/**
 * A tf.Tensor of the given rank, shape, channel count and dtype, with at least one entry on
 * its first axis (unless `empty`). Looks only at the shape: no tensor work.
 */
export function checkTensor(fn: string, argument: string, value: unknown, spec: TensorSpec = {}): tf.Tensor {
  if (!(value instanceof tf.Tensor)) fail(fn, argument, `a tf.Tensor ${tensorWords(spec)}`, value);
  const x = value as tf.Tensor;
  if (x.isDisposed) throw new GenlabError(`${fn}: ${argument} has been disposed`);
  const ranks = spec.rank === undefined ? (spec.shape ? [spec.shape.length] : undefined) : typeof spec.rank === 'number' ? [spec.rank] : spec.rank;
  const badShape =
    (ranks !== undefined && !ranks.includes(x.rank)) ||
    (spec.shape !== undefined && spec.shape.some((s, i) => s !== null && x.shape[i] !== s)) ||
    (spec.channels !== undefined && !spec.channels.includes(x.shape[x.rank - 1]));
  if (badShape) fail(fn, argument, tensorWords(spec), shapeOf(x));
  if (!spec.empty && x.rank > 0 && x.shape.some((s) => s === 0)) {
    throw new GenlabError(`${fn}: ${argument} must not be empty, got shape [${x.shape.join(', ')}]`);
  }
  if (spec.dtype !== undefined) {
    const dtypes = typeof spec.dtype === 'string' ? [spec.dtype] : spec.dtype;
    if (!dtypes.includes(x.dtype)) fail(fn, argument, `a ${dtypes.join(' or ')} tensor`, x);
  }
  return x;
}

/** [N, H, W, C] images (C = 1 or 3 unless `channels` says otherwise), float32. */
export function checkImages(fn: string, argument: string, value: unknown, channels: readonly number[] = [1, 3]): tf.Tensor4D {
  return checkTensor(fn, argument, value, { rank: 4, layout: '[N, H, W, C]', channels, dtype: 'float32' }) as tf.Tensor4D;
}

/** The smallest and largest value of `x` (one small reduction). */
export function valueRange(x: tf.Tensor): [number, number] {
  const both = tf.tidy(() => tf.stack([x.min(), x.max()]));
  const [low, high] = both.dataSync();
  both.dispose();
  return [low, high];
}

/**
 * The values of `x` are finite and within [low, high], give or take `slack` (values a little
 * outside, such as an unclipped noisy image, are the caller's business; [0, 255] pixels where
 * [0, 1] are expected are not). One min/max reduction.
 */
export function checkValueRange(fn: string, argument: string, x: tf.Tensor, [low, high]: readonly [number, number], slack = 0): void {
  if (x.size === 0) return;
  const [min, max] = valueRange(x);
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw new GenlabError(`${fn}: ${argument} must have finite values, got values from ${min} to ${max}`);
  }
  if (min < low - slack || max > high + slack) {
    const hint = low >= -1 && high <= 1 && max > 2 ? ` (pixels in [0, 255]? divide by 255 first)` : '';
    throw new GenlabError(`${fn}: ${argument} must have values in [${low}, ${high}], got values from ${round(min)} to ${round(max)}${hint}`);
  }
}

/** Images whose values are within `range`, give or take the range's own width. */
export function checkPixelRange(fn: string, argument: string, x: tf.Tensor, range: readonly [number, number]): void {
  checkValueRange(fn, argument, x, range, range[1] - range[0]);
}

/** Every value of `x` is finite (one reduction). */
export function checkFiniteValues(fn: string, argument: string, x: tf.Tensor): void {
  checkValueRange(fn, argument, x, [-Infinity, Infinity]);
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/**
 * Class labels: an int32 tensor [N] or an array of integers, each in 0 .. classes - 1
 * (a label >= classes would give an all-zero one-hot row). Returns the labels as numbers.
 */
export function checkLabels(fn: string, argument: string, labels: unknown, classes: number): void {
  let values: ArrayLike<number>;
  if (labels instanceof tf.Tensor) {
    checkTensor(fn, argument, labels, { rank: 1, layout: '[N]', dtype: ['int32', 'float32'] });
    values = labels.dataSync() as ArrayLike<number>;
  } else if (Array.isArray(labels) || (ArrayBuffer.isView(labels) && !(labels instanceof DataView))) {
    values = labels as ArrayLike<number>;
    if (values.length === 0) throw new GenlabError(`${fn}: ${argument} must not be empty, got []`);
  } else {
    return fail(fn, argument, `class labels (an int32 tensor [N] or an array of integers in 0 .. ${classes - 1})`, labels);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0 && v < classes)) {
      throw new GenlabError(`${fn}: ${argument} must be integers in 0 .. ${classes - 1} (${classes} classes), got ${describeValue(v)} at index ${i}`);
    }
  }
}

/** Float32 logits or scores of any shape, not empty (int32 or bool values would give wrong losses). */
export function checkLogits(fn: string, argument: string, value: unknown): tf.Tensor {
  return checkTensor(fn, argument, value, { layout: 'a float32 tensor of logits', dtype: 'float32' });
}

/** Two float32 tensors of one shape. */
export function checkSameShape(fn: string, [nameA, nameB]: readonly [string, string], a: unknown, b: unknown): void {
  checkTensor(fn, nameA, a, { dtype: 'float32' });
  checkTensor(fn, nameB, b, { dtype: 'float32' });
  const [x, y] = [a as tf.Tensor, b as tf.Tensor];
  if (!tf.util.arraysEqual(x.shape, y.shape)) {
    throw new GenlabError(`${fn}: ${nameA} and ${nameB} must have the same shape, got [${x.shape.join(', ')}] and [${y.shape.join(', ')}]`);
  }
}

// ---------------------------------------------------------------------------------------------
// Models and training knobs

/** A tf.LayersModel (built, not disposed). */
export function checkModel(fn: string, argument: string, value: unknown): tf.LayersModel {
  if (!(value instanceof tf.LayersModel)) fail(fn, argument, 'a tf.LayersModel', value);
  return value as tf.LayersModel;
}

/**
 * Adam's knobs, where given: learning rates finite and > 0, beta1 and beta2 in [0, 1), a
 * schedule a function of the step.
 */
export function checkAdamOptions(
  fn: string,
  o: { learningRate?: unknown; discriminatorLearningRate?: unknown; generatorLearningRate?: unknown; beta1?: unknown; beta2?: unknown; learningRateSchedule?: unknown },
): void {
  for (const key of ['learningRate', 'discriminatorLearningRate', 'generatorLearningRate'] as const) {
    if (o[key] !== undefined) checkNumber(fn, `options.${key}`, o[key], { above: 0 });
  }
  for (const key of ['beta1', 'beta2'] as const) {
    if (o[key] !== undefined) checkNumber(fn, `options.${key}`, o[key], { min: 0, below: 1 });
  }
  if (o.learningRateSchedule !== undefined && typeof o.learningRateSchedule !== 'function') {
    throw new GenlabError(`${fn}: options.learningRateSchedule must be a function of the step, e.g. train.linearDecay({ learningRate: 4e-4, steps }), got ${typeof o.learningRateSchedule}`);
  }
}

/** What an option value must be, for `checkOptionValues`. */
export type OptionKind =
  | 'positiveInteger'
  | 'nonNegativeInteger'
  | 'positive'
  | 'nonNegative'
  | 'probability'
  | 'belowOne' // in [0, 1): Adam's betas, dropout rates, label smoothing
  | 'finite'
  | 'seed'
  | 'boolean'
  | 'function'
  | 'model'
  | readonly unknown[]; // one of these values

/**
 * Checks the options named in `kinds` (skipping those that are undefined, which keep their
 * defaults): `checkOptionValues('createCycleGan', o, { imageSize: 'positiveInteger', norm: ['instance', 'batch', 'none'] })`.
 */
export function checkOptionValues(fn: string, options: object, kinds: Record<string, OptionKind>, prefix = 'options.'): void {
  const o = options as Record<string, unknown>;
  for (const [key, kind] of Object.entries(kinds)) {
    const value = o[key];
    if (value === undefined) continue;
    const argument = `${prefix}${key}`;
    if (Array.isArray(kind)) checkOneOf(fn, argument, value, kind);
    else if (kind === 'positiveInteger') checkPositiveInteger(fn, argument, value);
    else if (kind === 'nonNegativeInteger') checkNonNegativeInteger(fn, argument, value);
    else if (kind === 'positive') checkPositive(fn, argument, value);
    else if (kind === 'nonNegative') checkNonNegative(fn, argument, value);
    else if (kind === 'probability') checkProbability(fn, argument, value);
    else if (kind === 'belowOne') checkNumber(fn, argument, value, { min: 0, below: 1 });
    else if (kind === 'finite') checkFinite(fn, argument, value);
    else if (kind === 'seed') checkSeed(fn, argument, value);
    else if (kind === 'boolean') checkBoolean(fn, argument, value);
    else if (kind === 'function') checkFunction(fn, argument, value);
    else if (kind === 'model') checkModel(fn, argument, value);
  }
}
