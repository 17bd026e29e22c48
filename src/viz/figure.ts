/**
 * Figures are Observable Plot charts rendered to markup in a jsdom document, so they work the
 * same in a notebook, a test and a script. A `Figure` is plain data: its HTML/SVG string.
 */
import * as Plot from '@observablehq/plot';
import { JSDOM } from 'jsdom';

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
