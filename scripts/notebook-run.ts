/**
 * Running notebooks headless, shared by `npm run notebooks:check` (scripts/check-notebooks.js,
 * quick mode) and `npm run course:full` (scripts/course-full.ts, full mode): finding a Python
 * with Jupyter's nbclient, choosing notebooks by name, and executing one through the real tslab
 * kernel with scripts/run_notebook.py.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { writeFileAtomic } from '../src/files';

export const ROOT = path.resolve(__dirname, '..');

/** A Python that has nbclient and nbformat; exits with install instructions when there is none. */
export function findPython(command = 'notebooks:check'): string {
  const candidates = [process.env.GENLAB_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import nbclient, nbformat'], { stdio: 'ignore' });
    if (r.status === 0) return python;
  }
  console.error(
    [
      `${command} needs Python with Jupyter's nbclient, and none was found.`,
      'Install it with:  sudo apt-get install jupyter-nbconvert python3-nbclient   (Debian / Ubuntu)',
      '            or:  python3 -m pip install nbclient nbformat ipykernel',
      'or point GENLAB_PYTHON at a Python that has it.',
    ].join('\n'),
  );
  process.exit(1);
}

/**
 * The notebooks of `dir` whose file name contains one of `filters` (all when there are none),
 * sorted. A filter that is a lesson number ('00', '5') matches the notebook starting with it.
 */
export function selectNotebooks(dir: string, filters: string[]): string[] {
  const matches = (file: string, filter: string) =>
    /^\d+$/.test(filter) ? file.startsWith(`${filter.padStart(2, '0')}-`) : file.includes(filter);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb'))
    .filter((f) => filters.length === 0 || filters.some((s) => matches(f, s)))
    .sort()
    .map((f) => path.join(dir, f));
}

/** What scripts/run_notebook.py reports about one run. */
export interface NotebookRun {
  notebook: string;
  seconds?: number;
  cells?: number;
  figures: number;
  error: null | { cell: number; message: string; timeout?: boolean };
  /** Seconds per cell of the notebook (null for a cell that did not run). */
  cellSeconds?: (number | null)[];
  /** Every cell whose execution failed (with --allow-errors), and what it printed to stderr. */
  cellErrors?: { cell: number; message: string }[];
  /** The cells printed more than --max-output-bytes. */
  outputCapExceeded?: boolean;
  /** How the runner process ended. */
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
}

export interface RunOptions {
  /** Environment of the kernel (GENLAB_QUICK, GENLAB_RECORD, Jupyter's paths). */
  env: NodeJS.ProcessEnv;
  /** One time limit per cell in seconds (null: the default of run_notebook.py, 600 s). */
  cellLimits?: (number | null)[];
  /** More run_notebook.py arguments (--timeout, --allow-errors, --max-output-bytes …). */
  extra?: string[];
  /** A command that wraps the Python call (a sandbox): ['bwrap', …]. */
  wrap?: string[];
  /** Working directory of the runner. */
  cwd?: string;
  /** Run in its own process group (so that a time limit can kill the whole tree). */
  detached?: boolean;
  /** Called with the runner's process once it started. */
  onSpawn?: (child: ChildProcess) => void;
}

/** Executes `notebook` with nbclient, writes the executed copy to `target`, and reports. */
export function runNotebook(python: string, notebook: string, target: string, options: RunOptions): Promise<NotebookRun> {
  const args = [path.join(__dirname, 'run_notebook.py'), notebook, target, ...(options.extra ?? [])];
  let limitsFile: string | undefined;
  if (options.cellLimits) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    limitsFile = `${target}.limits.json`;
    writeFileAtomic(limitsFile, JSON.stringify(options.cellLimits));
    args.push('--timeouts', limitsFile);
  }
  const [command, ...prefix] = options.wrap ?? [];
  return new Promise((resolve) => {
    const child = command
      ? spawn(command, [...prefix, python, ...args], { env: options.env, cwd: options.cwd, detached: true })
      : spawn(python, args, { env: options.env, cwd: options.cwd, detached: Boolean(options.detached) });
    options.onSpawn?.(child);
    const cap = 1 << 16; // the last 64 KB of what the runner itself prints: its summary is the last line
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout = (stdout + d).slice(-cap)));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-cap)));
    child.on('close', (code, signal) => {
      if (limitsFile) fs.rmSync(limitsFile, { force: true });
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ notebook, exitCode: code, signal, ...JSON.parse(line) });
      } catch {
        resolve({ notebook, exitCode: code, signal, error: { cell: -1, message: `runner exited ${code ?? signal}: ${stderr.slice(-3000)}` }, figures: 0 });
      }
    });
  });
}

/** The last `lines` lines of `text`, indented for a report under a notebook's name. */
export function indent(text: string, lines = 40): string {
  return text
    .split('\n')
    .slice(-lines)
    .map((l) => `       ${l}`)
    .join('\n');
}
