/**
 * Comparing a student's output with the reference's, leaf by leaf, in words a student can act on.
 */
import * as tf from '@tensorflow/tfjs';

/** One tensor, number or other value inside an output, with where it sits ('' at the top). */
export interface Leaf {
  path: string;
  value: unknown;
}

export function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor || (typeof x === 'object' && x !== null && 'dataSync' in x && 'shape' in x && 'dtype' in x);
}

/** The shape of a rectangular nested array of numbers ([[1, 2], [3, 4]] -> [2, 2]), else undefined. */
export function numericShape(value: unknown): number[] | undefined {
  if (typeof value === 'number') return [];
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const inner = numericShape(value[0]);
  if (inner === undefined) return undefined;
  for (const v of value) {
    const s = numericShape(v);
    if (!s || s.length !== inner.length || s.some((d, i) => d !== inner[i])) return undefined;
  }
  return [value.length, ...inner];
}

/**
 * The leaves of an output: a tensor, a number or a rectangular array of numbers is one leaf;
 * other arrays and plain objects are walked.
 */
export function leaves(value: unknown, path = ''): Leaf[] {
  if (isTensor(value) || value === null || typeof value !== 'object') return [{ path, value }];
  if (Array.isArray(value) && numericShape(value)) return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${path}[${i}]`));
  return Object.keys(value as object)
    .sort()
    .flatMap((k) => leaves((value as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
}

/** The tensors among an output's leaves. */
export function tensorsIn(value: unknown): tf.Tensor[] {
  return leaves(value)
    .map((l) => l.value)
    .filter(isTensor);
}

/** 4 significant digits, no trailing zeros: 2.98, -0.0001234, 1.5e+6. */
export function fmt(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return '0';
  const a = Math.abs(x);
  const s = a >= 1e-4 && a < 1e6 ? String(Number(x.toPrecision(4))) : x.toExponential(3).replace(/\.?0+e/, 'e');
  return s.replace(/^-/, '−');
}

export function shapeText(shape: readonly number[]): string {
  return shape.length === 0 ? '[] (a scalar)' : `[${shape.join(', ')}]`;
}

/** The multi-index of flat position i in a tensor of the given shape: [2, 0, 1]. */
export function indexText(i: number, shape: readonly number[]): string {
  if (shape.length <= 1) return shape.length === 0 ? '' : `[${i}]`;
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return `[${idx.join(', ')}]`;
}

function describe(value: unknown): string {
  if (isTensor(value)) return `a tensor of shape ${shapeText(value.shape)}`;
  const numeric = Array.isArray(value) ? numericShape(value) : undefined;
  if (numeric) return numeric.length === 1 ? `an array of ${numeric[0]} numbers` : `a ${numeric.join(' × ')} array of numbers`;
  if (value === undefined) return 'nothing (undefined — did you forget `return`?)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `an object with ${Object.keys(value as object).join(', ') || 'no fields'}`;
  return typeof value === 'number' ? `the number ${fmt(value)}` : `${typeof value} ${String(value)}`;
}

/** A difference found in one leaf: the sentence, and the flattened numbers for hints. */
export interface Difference {
  message: string;
  path: string;
  got: number[];
  expected: number[];
  /** The differing leaves themselves (a tensor, a number, an array). */
  gotValue?: unknown;
  expectedValue?: unknown;
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

function close(g: number, e: number, tol: Tolerance): boolean {
  if (Number.isNaN(e)) return Number.isNaN(g);
  if (!Number.isFinite(e)) return g === e;
  return Math.abs(g - e) <= tol.atol + tol.rtol * Math.abs(e);
}

/**
 * The first difference between two outputs, or undefined when they agree within tolerance.
 * `what` names the output in the sentence ("your output", "your gradient with respect to logVar").
 */
export function firstDifference(got: unknown, expected: unknown, tol: Tolerance, what: string, dtypes = true): Difference | undefined {
  const g = leaves(got);
  const e = leaves(expected);
  const gotPaths = new Map(g.map((l) => [l.path, l.value]));
  if (g.length !== e.length || e.some((l) => !gotPaths.has(l.path))) {
    const outer = e.length === 1 && e[0].path === '' ? describe(expected) : `${e.map((l) => l.path).join(', ')}`;
    return { message: `${what} is ${describe(got)}; expected ${outer}`, path: '', got: [], expected: [] };
  }
  for (const { path, value: ev } of e) {
    const gv = gotPaths.get(path);
    const d = diffAt(path, gv, ev);
    if (d) return { ...d, gotValue: gv, expectedValue: ev };
  }
  return undefined;

  function diffAt(path: string, gv: unknown, ev: unknown): Difference | undefined {
    const name = path ? `${what.replace(/^your output$/, 'your result')}.${path}`.replace(/\.\[/, '[') : what;
    const eArray = Array.isArray(ev) ? numericShape(ev) : undefined;
    if (isTensor(ev) || typeof ev === 'number' || eArray) {
      const eData = isTensor(ev) ? Array.from(ev.dataSync() as ArrayLike<number>) : eArray ? (ev as unknown[]).flat(Infinity as 1) as number[] : [ev as number];
      const eShape: number[] = isTensor(ev) ? ev.shape : eArray ?? [];
      const gArray = Array.isArray(gv) ? numericShape(gv) : undefined;
      if (!isTensor(gv) && typeof gv !== 'number' && !gArray) {
        return { message: `${name} is ${describe(gv)}; expected ${typeof ev === 'number' ? `the number ${fmt(ev)}` : describe(ev)}`, path, got: [], expected: eData };
      }
      const gData = isTensor(gv) ? Array.from(gv.dataSync() as ArrayLike<number>) : gArray ? (gv as unknown[]).flat(Infinity as 1) as number[] : [gv as number];
      const gShape: number[] = isTensor(gv) ? gv.shape : gArray ?? [];
      if (eArray && (gShape.length !== eShape.length || gShape.some((d, i) => d !== eShape[i]))) {
        return { message: `${name} is ${describe(gv)}; expected ${describe(ev)}`, path, got: gData, expected: eData };
      }
      // A scalar tensor and a plain number compare as equals only when the reference is a number.
      if (isTensor(ev) && isTensor(gv) && (gShape.length !== eShape.length || gShape.some((d, i) => d !== eShape[i]))) {
        let extra = '';
        if (eShape.length === 0 && gShape.length > 0) extra = ': reduce it to a single number (sum or mean over the right axes)';
        else if (gData.length === eData.length) extra = ': same number of elements, so check a reshape or a transpose';
        else if (gShape.length === eShape.length + 1) extra = ': one axis too many — an axis you should have summed or averaged over';
        else if (gShape.length + 1 === eShape.length) extra = ': one axis too few — did you reduce over an axis that should stay?';
        return { message: `${name} has shape ${shapeText(gShape)}, expected ${shapeText(eShape)}${extra}`, path, got: gData, expected: eData };
      }
      if (isTensor(ev) && !isTensor(gv) && eShape.length > 0) {
        return { message: `${name} is ${describe(gv)}; expected ${describe(ev)}`, path, got: gData, expected: eData };
      }
      if (dtypes && isTensor(ev) && isTensor(gv) && gv.dtype !== ev.dtype) {
        return { message: `${name} has dtype ${gv.dtype}, expected ${ev.dtype}${ev.dtype === 'float32' ? ' (a .cast(\'float32\') is missing?)' : ''}`, path, got: gData, expected: eData };
      }
      let bad = -1;
      let count = 0;
      let largest = 0;
      for (let i = 0; i < eData.length; i++) {
        if (!close(gData[i], eData[i], tol)) {
          if (bad < 0) bad = i;
          count++;
          const d = Math.abs(gData[i] - eData[i]);
          if (Number.isFinite(d)) largest = Math.max(largest, d);
        }
      }
      if (bad < 0) return undefined;
      const where = eData.length === 1 ? name : `element ${indexText(bad, eShape)} of ${name}`;
      const many = eData.length > 1 ? ` (${count} of ${eData.length} elements differ${largest > 0 ? `, by up to ${fmt(largest)}` : ''})` : '';
      const nan = Number.isNaN(gData[bad]) && !Number.isNaN(eData[bad]) ? ': a NaN usually comes from log(0), 0/0 or exp of a large number' : '';
      return { message: `${where} is ${fmt(gData[bad])}, expected ${fmt(eData[bad])}${many}${nan}`, path, got: gData, expected: eData };
    }
    if (gv !== ev && !(Number.isNaN(gv as number) && Number.isNaN(ev as number))) {
      return { message: `${name} is ${describe(gv)}, expected ${describe(ev)}`, path, got: [], expected: [] };
    }
    return undefined;
  }
}
