/**
 * The progress line of a training run: steps done, rate, the latest recorded values and an ETA.
 * In a notebook it refreshes in place (viz.liveDisplay); in a terminal it rewrites one line
 * with a carriage return; in a log (no TTY) it prints a line every 10 seconds.
 */
import { quickMode } from '../quick';
import { liveDisplay, inNotebook, type LiveDisplay } from '../viz/show';

/** Seconds of running before the line appears: short runs stay quiet. */
const SHOW_AFTER_SECONDS = 2;

/**
 * In a notebook in quick mode the line (and its figure) appears from the first step: quick runs
 * last a second or two, and the headless check of the notebooks must see every run's display.
 */
function showAfterSeconds(): number {
  return inNotebook() && quickMode() ? 0 : SHOW_AFTER_SECONDS;
}

export interface ProgressUpdate {
  /** Steps done in this run. */
  done: number;
  /** Steps this run will do, when a step budget is set. */
  total?: number;
  /** Seconds since the run started. */
  elapsed: number;
  /** Time budget in seconds, when one is set. */
  budget?: number;
  /** The trainer's overall step count. */
  step: number;
  /** The latest recorded values. */
  record: Record<string, number>;
}

export interface ProgressLineOptions {
  /** Seconds between refreshes (default 5 in a notebook, 0.25 in a terminal, 10 in a log). */
  every?: number;
  /** HTML of a figure shown under the line in a notebook, asked for at each refresh only. */
  figure?: () => string;
}

export class ProgressLine {
  private display?: LiveDisplay;
  private lastShown = -Infinity;
  private lastText = '';
  private readonly tty = !inNotebook() && Boolean(process.stdout.isTTY);
  private readonly interval: number;
  private readonly showAfter = showAfterSeconds();
  private figureHtml = '';

  constructor(
    private readonly label: string,
    private readonly options: ProgressLineOptions = {},
  ) {
    this.interval = options.every ?? (inNotebook() ? 5 : this.tty ? 0.25 : 10);
  }

  /** Shows the line when it is due; returns true when it did. */
  update(u: ProgressUpdate): boolean {
    if (u.elapsed < Math.min(this.showAfter, this.interval)) return false;
    if (u.elapsed - this.lastShown < this.interval) return false;
    this.lastShown = u.elapsed;
    if (this.options.figure && inNotebook()) this.figureHtml = this.options.figure();
    this.show(formatProgress(this.label, u));
    return true;
  }

  finish(u: { done: number; elapsed: number; step: number; stoppedBy: string }): void {
    if (this.lastText === '') return; // never shown: a short run stays quiet
    if (this.options.figure && inNotebook()) this.figureHtml = this.options.figure();
    const rate = u.done / Math.max(u.elapsed, 1e-9);
    this.show(`${this.label}: ${u.done} steps in ${formatSeconds(u.elapsed)} (${rate.toFixed(1)} steps/s), now at step ${u.step}; stopped by ${u.stoppedBy}`);
    if (this.tty) process.stdout.write('\n');
  }

  private show(text: string): void {
    this.lastText = text;
    if (inNotebook()) {
      this.display ??= liveDisplay();
      if (this.figureHtml === '') this.display.text(text);
      else this.display.html(`<pre style="margin: 0 0 4px 0">${escapeHtml(text)}</pre>${this.figureHtml}`);
    } else if (this.tty) {
      process.stdout.write(`\r${text.padEnd(100)}`);
    } else {
      console.log(text);
    }
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** "training: step 1200 | 250/1000 steps | 8.1 steps/s | dLoss 1.21 gLoss 0.83 | ETA 1m 33s". */
export function formatProgress(label: string, u: ProgressUpdate): string {
  const rate = u.done / Math.max(u.elapsed, 1e-9);
  let remaining = Infinity;
  if (u.total !== undefined) remaining = (u.total - u.done) / rate;
  if (u.budget !== undefined) remaining = Math.min(remaining, u.budget - u.elapsed);
  const values = Object.entries(u.record)
    .filter(([key]) => key !== 'step' && key !== 'seconds')
    .map(([key, value]) => `${key} ${value.toFixed(3)}`)
    .join(' ');
  const count = u.total !== undefined ? `${u.done}/${u.total} steps` : `${u.done} steps`;
  const eta = Number.isFinite(remaining) ? `ETA ${formatSeconds(Math.max(0, remaining))}` : '';
  return [`${label}: step ${u.step}`, count, `${rate.toFixed(1)} steps/s`, values, eta].filter((s) => s !== '').join(' | ');
}

/** 95 -> "1m 35s", 7.2 -> "7s". */
export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}
