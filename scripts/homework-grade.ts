/**
 * Running submitted notebooks for grading, each in its own sandboxed process:
 *
 * - a scratch copy of the submission's folder is the only writable place (Debian's bubblewrap
 *   gives the notebook a read-only view of everything else, no network and its own process
 *   namespace; without bubblewrap, the project and the submissions folder are fingerprinted
 *   before and after, and a change is reported);
 * - a wall-clock limit for the whole notebook, a memory cap on the process tree (polled RSS, plus
 *   a smaller V8 heap for the kernel) and a cap on what the cells print;
 * - the checks run with a grading seed the student never saw, and append their results to a
 *   report file the grader reads afterwards.
 * A submission that breaks any of this loses its points; the grader goes on with the next.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync, type ChildProcess } from 'child_process';
import type { CheckResult, CheckStatus } from '../src/homework/check';
import type { Task } from '../src/homework/define';
import { writeFileAtomic } from '../src/files';
import { ROOT } from './notebooks';

import { findPython, runNotebook as runWithNbclient, type NotebookRun as RunnerSummary } from './notebook-run';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { jupyterEnv } = require('./kernel.js') as { jupyterEnv: (extra?: Record<string, string>) => NodeJS.ProcessEnv };



export interface GradeOptions {
  /**
   * Time limit, seconds: for each cell (Jupyter's own timeout) and for the whole notebook, which
   * also gets KERNEL_START_SECONDS for the kernel to start.
   */
  timeoutSeconds: number;
  /** Memory cap on the notebook's process tree (resident), MB. */
  memoryMB: number;
  /** Cap on what the cells print, bytes. */
  outputBytes: number;
  /** The grading seed (default: a fresh random one, written to grades.json). */
  seed: string;
  /** GENLAB_QUICK=1 for the train tasks. */
  quick: boolean;
  /** Sandbox with bubblewrap when available ('auto'), never ('off'). */
  sandbox: 'auto' | 'off';
  /** Notebooks run at the same time (each in its own process). */
  jobs: number;
}

/** Allowance for starting Python, the kernel and the TypeScript compiler, on top of the time limit. */
export const KERNEL_START_SECONDS = 60;

export const DEFAULT_GRADE_OPTIONS: GradeOptions = {
  timeoutSeconds: 900,
  memoryMB: 4096,
  outputBytes: 2_000_000,
  seed: '',
  quick: false,
  sandbox: 'auto',
  jobs: 1,
};

export interface TaskGrade {
  points: number;
  maxPoints: number;
  status: CheckStatus | 'not checked';
  message: string;
}

export interface SubmissionGrade {
  submission: string;
  assignment: string;
  tasks: Record<string, TaskGrade>;
  total: number;
  maxTotal: number;
  /** Why the whole submission lost its points (time limit, memory, output, writes), if it did. */
  disqualified?: string;
  firstFailure: string;
  seconds: number;
  /** Code that reaches into the checker itself, for the instructor to read (it does not change points). */
  warnings?: string[];
}

/** What a submission has no reason to touch: the checker's state, its settings, its report. */
const SUSPICIOUS: [RegExp, string][] = [
  [/GENLAB_HOMEWORK/, 'mentions the grader\'s environment variables'],
  [/\/proc\/self|\/proc\/\d+\/environ/, 'reads /proc'],
  [/homework\s*\.\s*(configure|register|history|implementTask|trainTask)\b/, 'uses the checker\'s internals (configure, register, history, task definitions)'],
  [/homework\s*\.\s*check\s*=|(Object\.defineProperty|Reflect\.set)\s*\(\s*homework\b/, 'replaces homework.check'],
  [/report\.jsonl/, 'names the grading report'],
];

/** Warnings for code that reaches into the checker (cell sources of the submitted notebook). */
export function suspiciousCode(notebook: { cells?: { source?: string | string[] }[] }): string[] {
  const code = (notebook.cells ?? []).map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source ?? '')).join('\n');
  return SUSPICIOUS.filter(([pattern]) => pattern.test(code)).map(([, what]) => what);
}

// ---------------------------------------------------------------- sandbox and limits

let bwrapWorks: boolean | undefined;

/** True when bubblewrap is installed and can make namespaces here (as root in a container it often can). */
export function sandboxAvailable(): boolean {
  if (bwrapWorks === undefined) {
    const r = spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--unshare-net', '--die-with-parent', 'true'], { stdio: 'ignore' });
    bwrapWorks = r.status === 0;
  }
  return bwrapWorks;
}

function bwrapPrefix(scratch: string, cwd: string): string[] {
  return [
    // Everything read-only (a write to /tmp fails too, so it is seen), the scratch folder writable.
    'bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/dev/shm',
    // The masters' solutions and the wrong-solution fixtures are hidden (empty folders).
    ...[path.join(ROOT, 'homework', 'source'), path.join(ROOT, 'tests')].filter((d) => fs.existsSync(d)).flatMap((d) => ['--tmpfs', d]),
    '--bind', scratch, scratch, '--unshare-pid', '--unshare-net', '--die-with-parent', '--new-session', '--chdir', cwd, '--',
  ];
}

/** Every process descended from pid (not pid itself), from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid)!.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) for (const c of children.get(stack.pop()!) ?? []) out.push(c), stack.push(c);
  return out;
}

function residentMB(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // ended
    }
  }
  return kb / 1024;
}

function killTree(pid: number): void {
  const all = [pid, ...descendants(pid)];
  try {
    process.kill(-pid, 'SIGKILL'); // its process group (the runner is spawned detached)
  } catch {
    // no such group
  }
  for (const p of all) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Size and modification time of every file under the given roots (skipping heavy or private folders). */
function fingerprint(roots: string[], skip: Set<string>): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (skip.has(p) || e.name === 'node_modules' || e.name === '.git') continue;
      if (e.isDirectory()) walk(p);
      else {
        try {
          const s = fs.lstatSync(p);
          out.set(p, `${s.size}:${s.mtimeMs}`);
        } catch {
          // gone
        }
      }
    }
  };
  roots.forEach(walk);
  return out;
}

function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [p, v] of after) if (before.get(p) !== v) changed.push(p);
  for (const p of before.keys()) if (!after.has(p)) changed.push(p);
  return changed.sort();
}

// ---------------------------------------------------------------- one notebook

/** The assignment number ('04') of a submission: its metadata, its name, or its task lines. */
export function assignmentOf(file: string, notebook: { metadata?: { genlab?: { assignment?: string } }; cells?: { source?: string | string[] }[] }): string | undefined {
  const meta = notebook.metadata?.genlab?.assignment;
  if (meta && /^\d\d/.test(meta)) return meta.slice(0, 2);
  const named = /^(\d\d)-/.exec(path.basename(file));
  if (named) return named[1];
  for (const cell of notebook.cells ?? []) {
    const text = Array.isArray(cell.source) ? cell.source.join('') : cell.source ?? '';
    const m = /\/\/\s*task:\s*(\d\d)\./.exec(text) ?? /homework\.check\(\s*['"](\d\d)\./.exec(text);
    if (m) return m[1];
  }
  return undefined;
}

/** What a notebook run produced: the checks' results, what stopped it, how long it took. */
export interface NotebookRun {
  results: CheckResult[];
  summary: RunnerSummary;
  /** Set when a limit stopped the run or the notebook wrote where it must not. */
  violation?: string;
  executed: string;
  seconds: number;
}

/**
 * Runs one notebook headless with the checks reporting to a file. `sandboxed`: in a scratch copy
 * with the limits above; otherwise in place (a student's own `check`).
 */
export async function runNotebook(
  notebookFile: string,
  executedFile: string,
  options: GradeOptions & { sandboxed: boolean; copyFolder: boolean; watch?: string[]; unwatched?: string[] },
): Promise<NotebookRun> {
  const started = Date.now();
  const python = findPython();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'genlab-homework-'));
  try {
    const report = path.join(scratch, 'report.jsonl');
    let notebook = notebookFile;
    let cwd = path.dirname(notebookFile);
    const env: Record<string, string> = { GENLAB_QUICK: options.quick ? '1' : '0', GENLAB_HOMEWORK_REPORT: report };
    if (options.seed) env.GENLAB_HOMEWORK_SEED = options.seed;
    const extra = ['--allow-errors', '--kernel', 'tslab', '--timeout', String(options.timeoutSeconds)];
    let wrap: string[] | undefined;
    let watched: Map<string, string> | undefined;
    if (options.sandboxed) {
      // The scratch folder: a copy of the submission's folder (or of the notebook alone), a link to
      // the project's node_modules so `import … from 'genlab'` resolves, a kernelspec with a smaller
      // V8 heap, and Jupyter's runtime files and HOME inside it.
      cwd = path.join(scratch, 'work');
      if (options.copyFolder) fs.cpSync(path.dirname(notebookFile), cwd, { recursive: true, filter: (src) => !/(^|\/)(\.ipynb_checkpoints|graded)$/.test(src) });
      else fs.mkdirSync(cwd, { recursive: true });
      notebook = path.join(cwd, path.basename(notebookFile));
      fs.copyFileSync(notebookFile, notebook);
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(scratch, 'node_modules'));
      const kernelDir = path.join(scratch, 'jupyter', 'kernels', 'tslab');
      fs.mkdirSync(kernelDir, { recursive: true });
      const spec = JSON.parse(fs.readFileSync(path.join(ROOT, '.jupyter', 'kernels', 'tslab', 'kernel.json'), 'utf8'));
      spec.env = { ...(spec.env ?? {}), NODE_OPTIONS: `--max-old-space-size=${Math.max(256, Math.floor(options.memoryMB / 2))}` };
      writeFileAtomic(path.join(kernelDir, 'kernel.json'), JSON.stringify(spec, null, 2));
      for (const d of ['home', 'runtime', 'tmp']) fs.mkdirSync(path.join(scratch, d));
      Object.assign(env, {
        JUPYTER_PATH: path.join(scratch, 'jupyter'),
        JUPYTER_RUNTIME_DIR: path.join(scratch, 'runtime'),
        HOME: path.join(scratch, 'home'),
        TMPDIR: path.join(scratch, 'tmp'),
        GENLAB_HOMEWORK_SCRATCH: scratch,
      });
      extra.push('--max-output-bytes', String(options.outputBytes));
      if (options.sandbox === 'auto' && sandboxAvailable()) wrap = bwrapPrefix(scratch, cwd);
      else if (options.watch?.length) watched = fingerprint(options.watch, new Set([scratch, ...(options.unwatched ?? [])]));
    }
    const runEnv = options.sandboxed ? { ...jupyterEnv(), ...env } : jupyterEnv(env);
    let violation: string | undefined;
    let child: ChildProcess | undefined;
    const timer = setInterval(() => {
      if (!child?.pid || violation) return;
      const tree = [child.pid, ...descendants(child.pid)];
      const elapsed = (Date.now() - started) / 1000;
      const mb = residentMB(tree);
      if (options.sandboxed && mb > options.memoryMB) violation = `used more than ${options.memoryMB} MB of memory (${Math.round(mb)} MB)`;
      else if (elapsed > options.timeoutSeconds + KERNEL_START_SECONDS) violation = `did not finish within the time limit of ${options.timeoutSeconds} s`;
      if (violation) killTree(child.pid);
    }, 500);
    let summary: RunnerSummary;
    try {
      summary = await runWithNbclient(python, notebook, options.sandboxed ? path.join(scratch, 'executed.ipynb') : executedFile, {
        env: runEnv,
        extra,
        wrap,
        cwd,
        detached: true,
        onSpawn: (c) => {
          child = c;
          c.on('exit', () => c.pid && killTree(c.pid)); // a kernel left behind goes with its runner
        },
      });
    } finally {
      clearInterval(timer);
    }
    if (options.sandboxed) {
      // The executed copy is written inside the scratch folder (the only writable place) and kept.
      const inside = path.join(scratch, 'executed.ipynb');
      if (fs.existsSync(inside)) fs.copyFileSync(inside, executedFile);
      else fs.rmSync(executedFile, { force: true });
    }
    if (!violation && summary.outputCapExceeded) violation = `printed more than ${options.outputBytes} bytes`;
    if (!violation && /timed out|CellTimeoutError|Timeout waiting/i.test(summary.error?.message ?? '')) violation = `did not finish within the time limit of ${options.timeoutSeconds} s`;
    if (!violation && /Kernel died|DeadKernelError|out of memory|heap limit/i.test(summary.error?.message ?? '')) violation = `its kernel died (${summary.error!.message.split('\n')[0].slice(0, 200)})`;
    if (!violation && wrap) {
      const tried = writesRefused(executedFile);
      if (tried) violation = `tried to write outside its folder (${tried})`;
    }
    if (!violation && watched) {
      const changed = changedFiles(watched, fingerprint(options.watch!, new Set([scratch, ...(options.unwatched ?? [])])));
      if (changed.length) violation = `changed files outside its folder: ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ` and ${changed.length - 3} more` : ''}`;
    }
    const results: CheckResult[] = fs.existsSync(report)
      ? fs
          .readFileSync(report, 'utf8')
          .split('\n')
          .filter(Boolean)
          .flatMap((l) => {
            try {
              return [JSON.parse(l) as CheckResult];
            } catch {
              return [];
            }
          })
      : [];
    return { results, summary, violation, executed: executedFile, seconds: (Date.now() - started) / 1000 };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** A write refused by the read-only view, as the executed notebook shows it (its message), if any. */
function writesRefused(executedFile: string): string | undefined {
  if (!fs.existsSync(executedFile)) return undefined;
  const text = fs.readFileSync(executedFile, 'utf8');
  const m = /EROFS[^"\\]*|read-only file system[^"\\]*/i.exec(text);
  return m ? m[0].slice(0, 160) : undefined;
}

/** The line of an error message that says what happened (tslab prints the source line first). */
function firstLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => /^[A-Za-z]*(Error|NotImplemented|Exception)\b|^\d+:\d+ - /.test(l)) ?? lines[0] ?? '').slice(0, 200);
}

/** Per-task grades from a run: the last check of each task counts; a task never checked scores 0. */
export function gradeRun(run: NotebookRun, tasks: Task[]): Pick<SubmissionGrade, 'tasks' | 'total' | 'maxTotal' | 'firstFailure' | 'disqualified'> {
  const last = new Map(run.results.map((r) => [r.task, r]));
  const errors = run.summary.cellErrors ?? [];
  const grades: Record<string, TaskGrade> = {};
  for (const task of tasks) {
    const r = last.get(task.id);
    if (run.violation) {
      grades[task.id] = { points: 0, maxPoints: task.points, status: r?.status ?? 'not checked', message: `the submission ${run.violation}` };
      continue;
    }
    if (r) {
      grades[task.id] = { points: r.status === 'passed' ? Math.min(r.points, task.points) : 0, maxPoints: task.points, status: r.status, message: r.message };
      continue;
    }
    const stub = errors.find((e) => e.message.includes(`${task.id}: not implemented yet`));
    const first = errors[0];
    grades[task.id] = stub
      ? { points: 0, maxPoints: task.points, status: 'not-implemented', message: 'not implemented yet' }
      : {
          points: 0,
          maxPoints: task.points,
          status: 'not checked',
              message: `its check never ran${first ? ` (cell ${first.cell} failed: ${firstLine(first.message)})` : run.summary.error ? ` (${firstLine(run.summary.error.message)})` : ''}`,
        };
  }
  const values = Object.entries(grades);
  const failure = values.find(([, g]) => g.points < g.maxPoints);
  return {
    tasks: grades,
    total: values.reduce((s, [, g]) => s + g.points, 0),
    maxTotal: values.reduce((s, [, g]) => s + g.maxPoints, 0),
    firstFailure: run.violation ? `the submission ${run.violation}` : failure ? `${failure[0]}: ${failure[1].message}` : '',
    ...(run.violation ? { disqualified: run.violation } : {}),
  };
}

// ---------------------------------------------------------------- a folder of submissions

/** The submitted notebooks in dir: dir/*.ipynb and dir/<student>/*.ipynb (not graded/ or hidden folders). */
export function submissionsIn(dir: string): string[] {
  const found: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'graded') continue;
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name.endsWith('.ipynb')) found.push(p);
    else if (e.isDirectory()) {
      for (const f of fs.readdirSync(p)) if (f.endsWith('.ipynb')) found.push(path.join(p, f));
    }
  }
  return found.sort();
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Grades every submission in dir; writes dir/grades.json and dir/grades.csv (atomically) and the
 * executed notebooks to dir/graded/. `tasksOf(NN)` gives an assignment's tasks.
 */
export async function gradeDirectory(
  dir: string,
  tasksOf: (assignment: string) => Task[],
  partial: Partial<GradeOptions> = {},
  log: (line: string) => void = console.log,
): Promise<{ grades: SubmissionGrade[]; options: GradeOptions; sandbox: string }> {
  const options: GradeOptions = { ...DEFAULT_GRADE_OPTIONS, ...partial };
  if (!options.seed) options.seed = crypto.randomBytes(8).toString('hex');
  dir = path.resolve(dir);
  const graded = path.join(dir, 'graded');
  fs.mkdirSync(graded, { recursive: true });
  const sandbox = options.sandbox === 'auto' && sandboxAvailable() ? 'bubblewrap (read-only view, no network, own process namespace)' : 'none: writes outside are detected by fingerprinting the project and the submissions';
  log(`grading ${path.relative(process.cwd(), dir) || '.'}: sandbox ${sandbox}; limits ${options.timeoutSeconds} s, ${options.memoryMB} MB, ${options.outputBytes} bytes of output${options.quick ? '; quick mode' : ''}`);
  const gradeOne = async (file: string): Promise<SubmissionGrade> => {
    const name = path.relative(dir, file);
    let notebook: Parameters<typeof assignmentOf>[1];
    try {
      notebook = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      log(`  ${name}: not a notebook`);
      return { submission: name, assignment: '', tasks: {}, total: 0, maxTotal: 0, firstFailure: `not a notebook: ${(error as Error).message}`, seconds: 0 };
    }
    const assignment = assignmentOf(file, notebook);
    const tasks = assignment ? tasksOf(assignment) : [];
    if (!assignment || tasks.length === 0) {
      log(`  ${name}: cannot tell which assignment this is`);
      return { submission: name, assignment: assignment ?? '', tasks: {}, total: 0, maxTotal: 0, firstFailure: `cannot tell which assignment this is${assignment ? ` (assignment ${assignment} has no tasks)` : ''}`, seconds: 0 };
    }
    const flat = path.dirname(file) === dir;
    const run = await runNotebook(file, path.join(graded, name.replace(/[\\/]/g, '__')), {
      ...options,
      sandboxed: true,
      copyFolder: !flat,
      watch: [ROOT, dir],
      unwatched: [graded, path.join(ROOT, 'results'), path.join(dir, 'grades.csv.tmp'), path.join(dir, 'grades.json.tmp')],
    });
    const warnings = suspiciousCode(notebook);
    const grade: SubmissionGrade = { submission: name, assignment, ...gradeRun(run, tasks), seconds: Math.round(run.seconds * 10) / 10, ...(warnings.length ? { warnings } : {}) };
    log(`  ${name}: ${grade.total}/${grade.maxTotal}${grade.firstFailure ? ` — ${grade.firstFailure.slice(0, 160)}` : ''} (${grade.seconds} s)${warnings.length ? ` [read it: ${warnings.join('; ')}]` : ''}`);
    return grade;
  };
  const files = submissionsIn(dir);
  const byFile = new Map<string, SubmissionGrade>();
  const queue = [...files];
  const worker = async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) byFile.set(f, await gradeOne(f));
  };
  // Without the sandbox, fingerprints tell writes apart only when one notebook runs at a time.
  const jobs = sandbox.startsWith('bubblewrap') ? options.jobs : 1;
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, files.length)) }, worker));
  const grades = files.map((f) => byFile.get(f)!);
  const ids = [...new Set(grades.flatMap((g) => Object.keys(g.tasks)))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const csv = [
    ['submission', 'assignment', ...ids, 'total', 'max', 'first failure', 'warnings'].map(csvField).join(','),
    ...grades.map((g) => [g.submission, g.assignment, ...ids.map((id) => g.tasks[id]?.points ?? ''), g.total, g.maxTotal, g.firstFailure, (g.warnings ?? []).join('; ')].map(csvField).join(',')),
  ].join('\n');
  writeFileAtomic(path.join(dir, 'grades.csv'), csv + '\n');
  const { seed, ...shown } = options;
  writeFileAtomic(path.join(dir, 'grades.json'), JSON.stringify({ gradedAt: new Date().toISOString(), seed, options: shown, sandbox, grades }, null, 2) + '\n');
  return { grades, options, sandbox };
}
