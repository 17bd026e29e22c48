/**
 * kernelGrid: convolution kernels as small heat maps with their numbers written in, side by
 * side, so a lesson can show a filter next to its effect. Blue is negative, red positive,
 * white zero; each kernel is shaded against its own largest |value|, so a blur kernel of
 * 0.04s is as readable as a Sobel kernel of 2s.
 */
import * as Plot from '@observablehq/plot';
import { renderPlot, type Figure } from './figure';
import { GenlabError, resolveOptions } from '../errors';

export interface KernelGridOptions {
  /** A name above each kernel, one per kernel. */
  labels?: ReadonlyArray<string>;
  title?: string;
  /** Side of one kernel entry in CSS pixels (default 34, room for "-0.25"). */
  cellSize?: number;
  /** Decimals written in each cell (default 2; whole numbers are written without). */
  digits?: number;
}

export const DEFAULT_KERNEL_GRID_OPTIONS = { cellSize: 34, digits: 2 };

interface Entry {
  kernel: string;
  row: number;
  column: number;
  value: number;
  /** value / max |value| of its kernel, in [-1, 1]. */
  shade: number;
  text: string;
}

/** `kernels`: a list of 2-D number grids (rows of numbers), e.g. rules.SOBEL_X_KERNEL. */
export function kernelGrid(kernels: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>, options: KernelGridOptions = {}): Figure {
  const o = resolveOptions('kernelGrid', DEFAULT_KERNEL_GRID_OPTIONS, options, ['labels', 'title']);
  if (!Array.isArray(kernels) || kernels.length === 0) {
    throw new GenlabError(`kernelGrid: kernels must be a non-empty list of number grids, got ${JSON.stringify(kernels)}`);
  }
  if (o.labels !== undefined && o.labels.length !== kernels.length) {
    throw new GenlabError(`kernelGrid: options.labels must have one entry per kernel (${kernels.length}), got ${o.labels.length}`);
  }
  const names = kernels.map((_, k) => o.labels?.[k] ?? `kernel ${k + 1}`);
  const entries: Entry[] = [];
  let size = 0;
  kernels.forEach((kernel, k) => {
    const ok = Array.isArray(kernel) && kernel.length > 0 && kernel.every((r) => Array.isArray(r) && r.length === kernel[0].length && r.every(Number.isFinite));
    if (!ok) throw new GenlabError(`kernelGrid: kernels[${k}] must be a rectangular grid of numbers, got ${JSON.stringify(kernel)}`);
    size = Math.max(size, kernel.length, kernel[0].length);
    const extent = Math.max(...kernel.flat().map(Math.abs)) || 1;
    kernel.forEach((row, i) =>
      row.forEach((value: number, j: number) => {
        const text = Number.isInteger(value) ? String(value) : value.toFixed(o.digits).replace(/^(-?)0\./, '$1.');
        entries.push({ kernel: names[k], row: i, column: j, value, shade: value / extent, text });
      }),
    );
  });
  const gap = 16;
  const top = 22;
  const panel = size * o.cellSize;
  return renderPlot({
    width: kernels.length * panel + (kernels.length - 1) * gap,
    height: panel + top,
    marginTop: top,
    marginRight: 0,
    marginBottom: 0,
    marginLeft: 0,
    title: o.title,
    fx: { domain: names, label: null, padding: gap / (panel + gap), axis: 'top' },
    x: { domain: Array.from({ length: size }, (_, j) => j), axis: null },
    y: { domain: Array.from({ length: size }, (_, i) => i), axis: null },
    color: { type: 'linear', domain: [-1, 0, 1], range: ['#2166ac', '#ffffff', '#b2182b'] },
    marks: [
      Plot.cell(entries, { fx: 'kernel', x: 'column', y: 'row', fill: 'shade', stroke: '#ccc', inset: 0.5 }),
      Plot.text(entries, { fx: 'kernel', x: 'column', y: 'row', text: 'text', fontSize: 10, fill: (d: Entry) => (Math.abs(d.shade) > 0.6 ? 'white' : 'black') }),
    ],
  });
}
