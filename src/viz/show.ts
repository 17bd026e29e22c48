/**
 * show / saveFigure / liveDisplay: getting a figure onto the screen or into a file.
 */
import * as path from 'path';
import type { Figure } from './figure';
import { GenlabError, checkString, fail } from '../errors';
import { writeFileAtomic } from '../files';

interface TslabDisplay {
  html(s: string): void;
  text(s: string): void;
}
interface Tslab {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}

let tslab: Tslab | null | undefined;

/** tslab's display API when running inside a tslab kernel, else null. */
function notebook(): Tslab | null {
  if (tslab !== undefined) return tslab;
  tslab = null;
  // Only a tslab kernel process has tslab loaded; never load it (and its TypeScript) elsewhere.
  const loaded = Object.keys(require.cache).some((k) => /[\\/]tslab[\\/]dist[\\/]/.test(k));
  if (loaded) {
    try {
      tslab = require('tslab') as Tslab;
    } catch {
      tslab = null;
    }
    if (tslab) serializeKernelSends();
  }
  return tslab;
}

/**
 * tslab 1.0.22 sends every output (stdout, displays) on a zeromq 6 Publisher without waiting
 * for the previous send to finish. zeromq 6 allows one send in progress per socket and rejects
 * the next with EBUSY ("Socket is busy writing"); tslab reports that rejection by writing to
 * stderr, which is itself a send, and the cell dies. A long training cell that prints and
 * refreshes its display hits this within seconds on a busy machine. Queuing each socket's sends
 * behind the previous one keeps every message, in order. Patched once, in the kernel process only.
 */
function serializeKernelSends(): void {
  let zmq: { Publisher?: { prototype: { send: (message: unknown) => Promise<void>; __genlabQueued?: boolean } } };
  try {
    zmq = require(require.resolve('zeromq', { paths: [path.dirname(require.resolve('tslab'))] }));
  } catch {
    return; // not the zeromq tslab uses: nothing to patch
  }
  const proto = zmq.Publisher?.prototype;
  if (!proto || proto.__genlabQueued) return;
  const send = proto.send;
  const queues = new WeakMap<object, Promise<void>>();
  const queued = function (this: object, message: unknown): Promise<void> {
    const previous = queues.get(this) ?? Promise.resolve();
    const next = previous.then(() => send.call(this, message));
    queues.set(this, next.catch(() => undefined));
    return next;
  };
  try {
    // `send` is a read-only method of the native base class: define an own property instead.
    Object.defineProperty(proto, 'send', { value: queued, writable: true, configurable: true });
    Object.defineProperty(proto, '__genlabQueued', { value: true });
  } catch {
    // Leave tslab as it is rather than break the notebook.
  }
}

/**
 * Shows a figure inline when running in a tslab notebook (and returns nothing, so the
 * notebook does not also print the markup). Elsewhere returns the figure's markup, so scripts
 * and tests can use or save it.
 */
export function show(figure: Figure): string | undefined {
  checkFigure(figure, 'show');
  const nb = notebook();
  if (nb) {
    nb.display.html(figure.html);
    return undefined;
  }
  return figure.html;
}

/** True inside a tslab notebook kernel. */
export function inNotebook(): boolean {
  return notebook() !== null;
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
  const nb = notebook();
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
