/**
 * scatter: 2-D points (a latent space, a toy data set), coloured by label.
 */
import * as Plot from '@observablehq/plot';
import * as tf from '@tensorflow/tfjs';
import { renderPlot, type Figure } from './figure';
import { GenlabError, resolveOptions } from '../errors';

export interface ScatterOptions {
  /** One label per point; points are coloured by label and a legend is drawn. */
  labels?: ReadonlyArray<string | number>;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Dot radius in pixels (default 2). */
  r?: number;
  width?: number;
  height?: number;
  /** Fixed axis domains, e.g. to compare frames of a training run on the same axes. */
  xDomain?: [number, number];
  yDomain?: [number, number];
}

export const DEFAULT_SCATTER_OPTIONS = { xLabel: 'x', yLabel: 'y', r: 2, width: 480, height: 420 };

interface Point {
  x: number;
  y: number;
  label: string;
}

/** `points` is a [N, 2] tensor or an array of [x, y] pairs. */
export function scatter(points: tf.Tensor | ReadonlyArray<readonly [number, number]>, options: ScatterOptions = {}): Figure {
  const o = resolveOptions('scatter', DEFAULT_SCATTER_OPTIONS, options, ['labels', 'title', 'xDomain', 'yDomain']);
  const pairs = toPairs(points);
  if (o.labels !== undefined && o.labels.length !== pairs.length) {
    throw new GenlabError(`scatter: options.labels must have one entry per point (${pairs.length}), got ${o.labels.length}`);
  }
  const data: Point[] = pairs.map(([x, y], i) => ({ x, y, label: o.labels === undefined ? '' : String(o.labels[i]) }));
  const colored = o.labels !== undefined;
  const domain = colored ? [...new Set(data.map((d) => d.label))].sort(naturalOrder) : undefined;
  return renderPlot({
    width: o.width,
    height: o.height,
    title: o.title,
    grid: true,
    x: { label: o.xLabel, domain: o.xDomain },
    y: { label: o.yLabel, domain: o.yDomain },
    color: colored ? { legend: true, type: 'categorical', domain } : undefined,
    marks: [Plot.dot(data, { x: 'x', y: 'y', r: o.r, fill: colored ? 'label' : 'steelblue', fillOpacity: 0.7 })],
  });
}

function toPairs(points: tf.Tensor | ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  if (points instanceof tf.Tensor) {
    if (points.rank !== 2 || points.shape[1] !== 2) {
      throw new GenlabError(`scatter: points must be [N, 2], got [${points.shape.join(', ')}]`);
    }
    return points.arraySync() as Array<[number, number]>;
  }
  if (!Array.isArray(points)) throw new GenlabError(`scatter: points must be a [N, 2] tensor or an array of [x, y] pairs`);
  return points.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2) throw new GenlabError(`scatter: points[${i}] must be [x, y], got ${JSON.stringify(p)}`);
    return [p[0], p[1]];
  });
}

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}
