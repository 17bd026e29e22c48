/**
 * comparisonGrid: one row per sample, one column per named image set: the input / output /
 * target triptychs of image-to-image translation (or longer rows: A -> G(A) -> F(G(A))).
 * Grey sets are shown next to colour sets by repeating their channel.
 */
import * as tf from '@tensorflow/tfjs';
import { imageGrid } from './image-grid';
import type { Figure } from './figure';
import { GenlabError, checkOptionValues, resolveOptions } from '../errors';
import { checkRangeName, DEFAULT_PIXEL_RANGE, type PixelRange } from '../pixels';

export interface ComparisonColumn {
  /** Column heading, written under each image of the column. */
  name: string;
  /** [N, H, W, 1 or 3]; all columns share N (at least `rows`), H and W. */
  images: tf.Tensor4D;
}

export interface ComparisonGridOptions {
  /** Samples shown, one per row (default 4). */
  rows?: number;
  /** Pixel range of every column: 'unit' [0, 1] (default) or 'symmetric' [-1, 1] for tanh outputs. */
  range?: PixelRange;
  title?: string;
  /** Size of one cell in CSS pixels (see imageGrid). */
  cellSize?: number;
}

export const DEFAULT_COMPARISON_GRID_OPTIONS = { rows: 4, range: DEFAULT_PIXEL_RANGE };

/** Rows of [column 1 | column 2 | …] for the first `rows` samples. */
export function comparisonGrid(columns: ComparisonColumn[], options: ComparisonGridOptions = {}): Figure {
  const o = resolveOptions('comparisonGrid', DEFAULT_COMPARISON_GRID_OPTIONS, options, ['title', 'cellSize']);
  checkOptionValues('comparisonGrid', o, { rows: 'positiveInteger' });
  checkRangeName('comparisonGrid', 'options.range', o.range);
  if (!Array.isArray(columns) || columns.length === 0) throw new GenlabError('comparisonGrid: columns must be a non-empty array of { name, images }');
  const [, h, w] = columns[0].images.shape;
  for (const c of columns) {
    const s = c.images.shape;
    if (c.images.rank !== 4 || s[1] !== h || s[2] !== w || (s[3] !== 1 && s[3] !== 3) || s[0] < o.rows) {
      throw new GenlabError(`comparisonGrid: column '${c.name}' must be [N >= ${o.rows}, ${h}, ${w}, 1 or 3], got [${s}]`);
    }
  }
  const colour = columns.some((c) => c.images.shape[3] === 3);
  const grid = tf.tidy(() => {
    const parts = columns.map((c) => {
      const first = c.images.slice(0, o.rows);
      return colour && c.images.shape[3] === 1 ? first.tile([1, 1, 1, 3]) : first;
    });
    return tf.stack(parts, 1).reshape([o.rows * columns.length, h, w, colour ? 3 : 1]); // row-major: sample, then column
  });
  const labels: string[] = [];
  for (let r = 0; r < o.rows; r++) for (const c of columns) labels.push(c.name);
  const figure = imageGrid(grid, { columns: columns.length, labels, range: o.range, title: o.title, cellSize: o.cellSize });
  grid.dispose();
  return figure;
}
