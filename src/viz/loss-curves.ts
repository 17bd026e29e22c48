/**
 * lossCurves: one line per named series against the training step.
 */
import * as Plot from '@observablehq/plot';
import { renderPlot, type Figure } from './figure';
import { GenlabError, resolveOptions } from '../errors';

/**
 * A training history: either named series indexed by position (`{ d: [...], g: [...] }`,
 * optionally with a `step` series giving the step of each entry), or a list of records
 * (`[{ step: 0, d: 0.7, g: 0.69 }, …]`).
 */
export type History = Readonly<Record<string, ReadonlyArray<number>>> | ReadonlyArray<Readonly<Record<string, number>>>;

export interface LossCurvesOptions {
  title?: string;
  /** Which series to draw (default: every series but `step`). */
  series?: string[];
  /** y-axis label (default "loss"). */
  yLabel?: string;
  /** x-axis label (default "training step"). */
  xLabel?: string;
  /** Moving-average window in steps, to make noisy curves readable (default 1: raw values). */
  smooth?: number;
  /** Logarithmic y axis (default false). */
  logY?: boolean;
  /**
   * Most points drawn per series (default 1000; a chart 640 pixels wide cannot show more): a
   * longer series is drawn at every k-th step after smoothing, and its last point, so the
   * curves of a 14,000-step run stay light enough to redraw while it trains.
   */
  maxPoints?: number;
  width?: number;
  height?: number;
}

export const DEFAULT_LOSS_CURVES_OPTIONS = { yLabel: 'loss', xLabel: 'training step', smooth: 1, logY: false, maxPoints: 1000, width: 640, height: 300 };

interface Point {
  step: number;
  value: number;
  series: string;
}

export function lossCurves(history: History, options: LossCurvesOptions = {}): Figure {
  const o = resolveOptions('lossCurves', DEFAULT_LOSS_CURVES_OPTIONS, options, ['title', 'series']);
  const columns = toColumns(history);
  const names = o.series ?? Object.keys(columns).filter((k) => k !== 'step');
  if (names.length === 0) throw new GenlabError('lossCurves: history has no series to draw (expected e.g. { d: [...], g: [...] })');
  if (!(Number.isInteger(o.maxPoints) && o.maxPoints >= 2)) throw new GenlabError(`lossCurves: options.maxPoints must be an integer >= 2, got ${o.maxPoints}`);
  const points: Point[] = [];
  for (const name of names) {
    const values = columns[name];
    if (values === undefined) throw new GenlabError(`lossCurves: options.series names '${name}', which history does not have`);
    const smoothed = movingAverage(values, o.smooth);
    const stride = Math.ceil(smoothed.length / o.maxPoints);
    smoothed.forEach((value, i) => {
      const drawn = i % stride === 0 || i === smoothed.length - 1;
      if (drawn && Number.isFinite(value)) points.push({ step: columns.step?.[i] ?? i, value, series: name });
    });
  }
  return renderPlot({
    width: o.width,
    height: o.height,
    title: o.title,
    marginLeft: 56,
    grid: true,
    x: { label: o.xLabel },
    // Plain decimals on a log axis: Plot's default log ticks use SI prefixes ("10m" for 0.01).
    y: o.logY ? { label: o.yLabel, type: 'log', tickFormat: plainNumber } : { label: o.yLabel, type: 'linear' },
    color: { legend: names.length > 1, domain: names },
    // z names the series explicitly: left implicit, Plot takes it from the stroke and, when a
    // series has only a point or two (a short run), guesses the names are quantitative and warns.
    marks: [Plot.line(points, { x: 'step', y: 'value', stroke: 'series', z: 'series' })],
  });
}

/** 0.01 -> "0.01", 20000 -> "20,000": three significant digits, no SI prefix. */
function plainNumber(value: number): string {
  return value.toLocaleString('en-US', { maximumSignificantDigits: 3 });
}

function toColumns(history: History): Record<string, ReadonlyArray<number>> {
  if (Array.isArray(history)) {
    const columns: Record<string, number[]> = {};
    history.forEach((record: Readonly<Record<string, number>>, i: number) => {
      for (const [key, value] of Object.entries(record)) (columns[key] ??= new Array(history.length).fill(NaN))[i] = value;
    });
    return columns;
  }
  if (history === null || typeof history !== 'object') {
    throw new GenlabError(`lossCurves: history must be an object of number arrays or an array of records, got ${history}`);
  }
  return history as Record<string, ReadonlyArray<number>>;
}

function movingAverage(values: ReadonlyArray<number>, window: number): number[] {
  if (window <= 1) return [...values];
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}
