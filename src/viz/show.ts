/**
 * show / saveFigure / liveDisplay: getting a figure onto the screen or into a file. In a notebook
 * the figures go through tslab's display API (backend/notebook-kernel.ts, which also queues the
 * kernel's sends so that a display refreshed often in a long cell never kills it).
 */
import * as path from 'path';
import { tslabKernel } from '../backend/notebook-kernel';
import type { Figure } from './figure';
import { GenlabError, checkString, fail } from '../errors';
import { writeFileAtomic } from '../files';

/**
 * Shows a figure inline when running in a tslab notebook (and returns nothing, so the
 * notebook does not also print the markup). Elsewhere returns the figure's markup, so scripts
 * and tests can use or save it.
 */
export function show(figure: Figure): string | undefined {
  checkFigure(figure, 'show');
  const nb = tslabKernel();
  if (nb) {
    nb.display.html(figure.html);
    return undefined;
  }
  return figure.html;
}

/** True inside a tslab notebook kernel. */
export function inNotebook(): boolean {
  return tslabKernel() !== null;
}

/**
 * A display area updated in place: each `update` replaces what it showed before (in a
 * notebook), so a training run shows one refreshing progress line or figure instead of a
 * wall of outputs. Outside a notebook, `update` of text prints a line; figures are skipped.
 */
export interface LiveDisplay {
  text(line: string): void;
  figure(figure: Figure): void;
  html(html: string): void;
}

export function liveDisplay(): LiveDisplay {
  const nb = tslabKernel();
  if (nb) {
    const area = nb.newDisplay();
    return {
      text: (line) => area.text(line),
      figure: (figure) => area.html(figure.html),
      html: (html) => area.html(html),
    };
  }
  return { text: (line) => console.log(line), figure: () => {}, html: () => {} };
}

/**
 * Writes a figure to `file`: `.svg` (the bare chart when it has no title/legend) or `.html`
 * (a standalone page). The write is atomic (`writeFileAtomic`): a temporary file, flushed, renamed
 * into place, so a figure file is always a whole figure. Returns the absolute path.
 */
export function saveFigure(figure: Figure, file: string): string {
  checkFigure(figure, 'saveFigure');
  checkString('saveFigure', 'file', file);
  const ext = path.extname(file).toLowerCase();
  let content: string;
  if (ext === '.html') {
    content = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${path.basename(file)}</title></head>\n<body>\n${figure.html}\n</body></html>\n`;
  } else if (ext === '.svg') {
    const svg = figure.html.startsWith('<svg') ? figure.html : undefined;
    if (svg === undefined) {
      throw new GenlabError(`saveFigure: file must end in .html for this figure: it has a title or legend, so it is HTML, not a bare SVG (got '${file}')`);
    }
    content = svg.includes('xmlns=') ? svg : svg.replace('<svg', '<svg xmlns="http://www.w3.org/2000/svg"');
  } else {
    throw new GenlabError(`saveFigure: file must end in .svg or .html, got '${file}'`);
  }
  return writeFileAtomic(file, content);
}

function checkFigure(figure: Figure, caller: string): void {
  if (figure === null || typeof figure !== 'object' || typeof figure.html !== 'string') {
    fail(caller, 'figure', "a Figure from genlab's viz (e.g. viz.imageGrid(...))", figure);
  }
}
