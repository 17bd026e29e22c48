/**
 * Figures are Observable Plot charts rendered to markup in a jsdom document, so they work the
 * same in a notebook, a test and a script. A `Figure` is plain data: its HTML/SVG string.
 */
import * as Plot from '@observablehq/plot';
import { JSDOM } from 'jsdom';
import { GenlabError } from '../errors';

/** A rendered figure. */
export interface Figure {
  /** The figure's markup: an <svg> element, or a <figure> wrapping one when it has a title or legend. */
  readonly html: string;
  /** Width in CSS pixels. */
  readonly width: number;
  /** Height in CSS pixels (of the plot area, without title or legend). */
  readonly height: number;
}

let dom: JSDOM | undefined;

/** The shared jsdom document that Plot draws into. */
export function plotDocument(): Document {
  dom ??= new JSDOM('<!DOCTYPE html><html><body></body></html>');
  return dom.window.document;
}

/** Renders Plot options to a Figure (Plot's own `plot`, with the jsdom document). */
export function renderPlot(options: Plot.PlotOptions & { width: number; height: number }): Figure {
  const element = Plot.plot({ ...options, document: plotDocument() });
  const html = (element as unknown as Element).outerHTML;
  return { html, width: options.width, height: options.height };
}

/** Escapes text for use inside HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Figures one under the other, as one figure: e.g. samples and loss curves redrawn together in a
 * training run's progress display (`progress: { figure: (t) => viz.stack([samples, curves]) }`).
 */
export function stack(figures: Figure[]): Figure {
  if (!Array.isArray(figures) || figures.length === 0 || figures.some((f) => f === null || typeof f !== 'object' || typeof f.html !== 'string')) {
    throw new GenlabError(`stack: figures must be a non-empty array of Figures from genlab's viz, got ${Array.isArray(figures) ? `an array of ${figures.length}` : typeof figures}`);
  }
  return {
    html: `<div>${figures.map((f) => f.html).join('\n')}</div>`,
    width: Math.max(...figures.map((f) => f.width)),
    height: figures.reduce((sum, f) => sum + f.height, 0),
  };
}
