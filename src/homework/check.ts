/**
 * `homework.check(taskId, answer)`: the check cell of a task. It never throws: it prints
 * "✔ 04.kl …", "✘ 04.kl …" with what differs, or "… not implemented yet", and in a grading run
 * (GENLAB_HOMEWORK_REPORT names a file) appends one JSON line per check to that file.
 *
 * Seeds: while a student works the cases come from the course's practice seed; the grader passes
 * another (GENLAB_HOMEWORK_SEED). Both variables are read when genlab loads and removed from
 * process.env, so code in the notebook does not see them there.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { quickMode } from '../quick';
import { appendLine } from '../files';
import { fmt, firstDifference, isTensor, leaves, tensorsIn, Difference } from './compare';
import { isNotImplemented, type ImplementTask, type Task, type TrainTask } from './define';
import { caseRandom, type CaseRandom } from './random';

export type CheckStatus = 'passed' | 'failed' | 'not-implemented';

/** One check's outcome: what is printed and what a grading run records. */
export interface CheckResult {
  task: string;
  title: string;
  status: CheckStatus;
  points: number;
  maxPoints: number;
  message: string;
  /** 'practice' or 'grading' (the grading seed itself is never written). */
  seed: 'practice' | 'grading';
  quick: boolean;
  seconds: number;
}

const PRACTICE_SEED = 'genlab-practice';

const settings = {
  seed: process.env.GENLAB_HOMEWORK_SEED || '',
  report: process.env.GENLAB_HOMEWORK_REPORT || '',
};
delete process.env.GENLAB_HOMEWORK_SEED;
delete process.env.GENLAB_HOMEWORK_REPORT;

/** Sets the grading seed and report file (scripts and tests; a notebook gets them from the grader). */
export function configure(options: { seed?: string; report?: string }): void {
  if (options.seed !== undefined) settings.seed = options.seed;
  if (options.report !== undefined) settings.report = options.report;
}

// ---------------------------------------------------------------- registry

const builtIn = new Map<string, Task>();
const extra = new Map<string, Task>();
const loadErrors = new Map<string, string>(); // assignment number -> why its task file did not load
let loaded = false;

function loadBuiltIn(): void {
  if (loaded) return;
  loaded = true;
  const dir = path.join(__dirname, 'tasks');
  const ext = path.extname(__filename); // .js from dist, .ts when run from source
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\d\d-/.test(f) && f.endsWith(ext) && !f.endsWith('.d.ts')).sort() : [];
  for (const file of files) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(path.join(dir, file)) as { tasks?: Task[] };
      if (!Array.isArray(mod.tasks)) throw new Error('it exports no `tasks` array');
      for (const task of mod.tasks) {
        if (builtIn.has(task.id)) throw new Error(`task ${task.id} is defined twice`);
        builtIn.set(task.id, task);
      }
    } catch (error) {
      loadErrors.set(file.slice(0, 2), `${file}: ${(error as Error).message}`);
    }
  }
}

/** Every task genlab defines (and any registered in this process), in id order. */
export function allTasks(): Task[] {
  loadBuiltIn();
  return [...builtIn.values(), ...extra.values()].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/** The tasks of assignment NN ('04'). */
export function tasksOf(assignment: string): Task[] {
  return allTasks().filter((t) => t.id.startsWith(`${assignment}.`));
}

/** Why the task file of assignment NN did not load, if it did not. */
export function loadErrorOf(assignment: string): string | undefined {
  loadBuiltIn();
  return loadErrors.get(assignment);
}

export function findTask(id: string): Task | undefined {
  loadBuiltIn();
  return builtIn.get(id) ?? extra.get(id);
}

/** Adds a task defined outside genlab (an instructor's own, or a test's); genlab's own cannot be replaced. */
export function register(task: Task): void {
  loadBuiltIn();
  if (builtIn.has(task.id)) throw new Error(`homework.register: ${task.id} is one of genlab's own tasks and cannot be replaced`);
  extra.set(task.id, task);
}

// ---------------------------------------------------------------- results

/** Every check run in this process, in order (tests and scripts read it). */
export const history: CheckResult[] = [];

function report(result: CheckResult): void {
  history.push(result);
  const mark = result.status === 'passed' ? '✔' : result.status === 'failed' ? '✘' : '…';
  const points = result.seed === 'grading' ? ` [${result.points}/${result.maxPoints} points]` : '';
  console.log(`${mark} ${result.task} ${result.title}: ${result.message}${points}`);
  if (settings.report) {
    try {
      appendLine(settings.report, JSON.stringify(result));
    } catch (error) {
      console.log(`(could not write the grading report: ${(error as Error).message})`);
    }
  }
}

// ---------------------------------------------------------------- the student's code

/** Where in the student's code an error was thrown: "in klDivergence, line 4 of its cell". */
export function whereThrown(error: unknown): string {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  for (const line of stack.split('\n').slice(1)) {
    const m = /^\s*at (?:(\S+) \()?(?:evalmachine\.<anonymous>|genlab-cell-\d+):(\d+):\d+\)?$/.exec(line);
    if (!m) continue;
    // tslab compiles a cell to CommonJS with two header lines ("use strict" and the exports marker).
    const cellLine = Number(m[2]) - CELL_HEADER_LINES;
    const fn = m[1] && !/^(Object\.|eval|<anonymous>)/.test(m[1]) ? `in ${m[1].replace(/^Object\./, '')}, ` : '';
    return cellLine > 0 ? ` (${fn}line ${cellLine} of its cell)` : fn ? ` (${fn.slice(0, -2)})` : '';
  }
  return '';
}

/** Lines a compiled cell has before the first line of its source. */
export let CELL_HEADER_LINES = 2;
export function setCellHeaderLines(n: number): void {
  CELL_HEADER_LINES = n;
}

function threw(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `your function threw: ${message.split('\n')[0]}${whereThrown(error)}`;
}

/** The parameter names of a function, from its source: (mean, logVar) -> ['mean', 'logVar']. */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  const source = Function.prototype.toString.call(fn);
  const m = /^[^(]*\(([^)]*)\)/.exec(source) ?? /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (!m) return [];
  return m[1]
    .split(',')
    .map((p) => p.replace(/[=:].*$/s, '').replace(/^\s*\.\.\./, '').trim())
    .filter(Boolean);
}

// ---------------------------------------------------------------- implement tasks

interface CaseOutcome {
  message?: string;
  notImplemented?: boolean;
}

function inputText(index: number, count: number, note?: string): string {
  return `for input ${index + 1} of ${count}${note ? ` (${note})` : ''}`;
}

function project(output: unknown, weights: tf.Tensor[]): tf.Scalar {
  const parts = leaves(output)
    .map((l) => l.value)
    .filter(isTensor)
    .map((t, i) => t.cast('float32').mul(weights[i]).sum());
  if (parts.length === 0) throw new Error('the output has no tensor to differentiate');
  return tf.addN(parts) as tf.Scalar;
}

async function checkCase(task: ImplementTask, answer: (...a: unknown[]) => unknown, c: { args: unknown[]; note?: string }, index: number, count: number, random: CaseRandom): Promise<CaseOutcome> {
  const o = task.compare ?? {};
  const tol = { rtol: o.rtol ?? 1e-4, atol: o.atol ?? 1e-5 };
  const where = inputText(index, count, c.note);
  const names = parameterNames(answer as never);
  const argName = (j: number) => names[j] ?? `argument ${j + 1}`;

  const expected = await task.reference(...c.args);
  const before = tf.memory().numTensors;
  let got: unknown;
  try {
    got = answer(...c.args);
    if (got instanceof Promise) got = await got;
  } catch (error) {
    if (isNotImplemented(error)) return { notImplemented: true };
    return { message: `${where}, ${threw(error)}` };
  }
  const argTensors = new Set(c.args.filter(isTensor).map((t) => t.id));
  const fresh = new Set(tensorsIn(got).filter((t) => !argTensors.has(t.id)).map((t) => t.id)).size;
  const leaked = tf.memory().numTensors - before - fresh;

  const difference = firstDifference(got, expected, tol, 'your output', o.dtypes !== false);
  if (difference) {
    // A hint that starts with "your …" says the difference itself, in the task's own words.
    const hint = hintFor(task, c, difference);
    return { message: `${where}, ${/^your /.test(hint) ? hint : `${difference.message}${hint ? `: ${hint}` : ''}`}` };
  }
  if (o.memory !== false && leaked > 0) {
    return { message: `${where}, your function leaves ${leaked} tensor${leaked > 1 ? 's' : ''} behind per call (tf.memory().numTensors grows): wrap its body in tf.tidy(() => …) or dispose what you no longer need` };
  }

  const mode = o.gradients ?? 'tape';
  if (mode === false || typeof (got as Promise<unknown>)?.then === 'function') return {};
  const outputs = leaves(expected).map((l) => l.value).filter(isTensor);
  if (outputs.length === 0) return {};
  const weights = outputs.map((t) => random.normal(t.shape));
  const gtol = { rtol: o.gradientRtol ?? (mode === 'finite' ? Math.max(2e-2, 10 * tol.rtol) : 10 * tol.rtol), atol: o.gradientAtol ?? (mode === 'finite' ? Math.max(2e-2, 10 * tol.atol) : 10 * tol.atol) };
  for (let j = 0; j < c.args.length; j++) {
    const x = c.args[j];
    if (!isTensor(x) || x.dtype !== 'float32') continue;
    const withX = (v: tf.Tensor) => c.args.map((a, k) => (k === j ? v : a));
    let want: tf.Tensor | undefined;
    if (mode === 'tape') {
      try {
        want = tf.grad((v: tf.Tensor) => project(task.reference(...withX(v)), weights))(x);
      } catch {
        continue; // the reference does not depend on this argument through the tape
      }
    } else {
      want = finiteDifferences((v) => project(task.reference(...withX(v)), weights), x, random);
    }
    let have: tf.Tensor;
    try {
      have = tf.grad((v: tf.Tensor) => project(answer(...withX(v)), weights))(x);
    } catch (error) {
      const m = (error as Error).message ?? '';
      if (/Cannot compute gradient|gradient function not found|enclose/i.test(m)) {
        return { message: `${where}, the gradient with respect to ${argName(j)} does not reach your output: did you go through dataSync()/arraySync() or build a tensor from plain numbers? Every step from ${argName(j)} to the result must be a tf operation` };
      }
      return { message: `${where}, computing the gradient of your function with respect to ${argName(j)} threw: ${m.split('\n')[0]}` };
    }
    const d = mode === 'tape' ? firstDifference(have, want, gtol, `the gradient with respect to ${argName(j)}`) : firstDifferenceSampled(have, want!, gtol, argName(j));
    if (d) return { message: `${where}, values agree but ${d.message.replace(/^element/, 'element')} — the output is right here but changes the wrong way: check the operations on ${argName(j)} (a constant or a stopped gradient where there should be a tf operation?)` };
  }
  return {};
}

/** Central differences of f at a few random elements of x; NaN where not sampled. */
function finiteDifferences(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, random: CaseRandom): tf.Tensor {
  const base = x.dataSync() as Float32Array;
  const out = new Float32Array(base.length).fill(NaN);
  const samples = Math.min(6, base.length);
  for (let s = 0; s < samples; s++) {
    const i = random.int(0, base.length);
    const h = 1e-2 * Math.max(1, Math.abs(base[i]));
    const eval1 = (delta: number) => {
      const v = Float32Array.from(base);
      v[i] += delta;
      return tf.tidy(() => f(tf.tensor(v, x.shape)).dataSync()[0]);
    };
    out[i] = (eval1(h) - eval1(-h)) / (2 * h);
  }
  return tf.tensor(out, x.shape);
}

function firstDifferenceSampled(have: tf.Tensor, want: tf.Tensor, tol: { rtol: number; atol: number }, name: string): Difference | undefined {
  const h = have.dataSync();
  const w = want.dataSync();
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i])) continue;
    if (!(Math.abs(h[i] - w[i]) <= tol.atol + tol.rtol * Math.abs(w[i]))) {
      return { message: `element ${i} of the gradient with respect to ${name} is ${fmt(h[i])}, expected about ${fmt(w[i])} (finite differences)`, path: '', got: [], expected: [] };
    }
  }
  return undefined;
}

/** A task's hint for this difference, or '' (the first hint that applies wins). */
function hintFor(task: ImplementTask, c: { args: unknown[]; note?: string }, d: Difference): string {
  for (const hint of task.hints ?? []) {
    try {
      const h = hint({ args: c.args, got: d.got, expected: d.expected, note: c.note, path: d.path, gotValue: d.gotValue, expectedValue: d.expectedValue });
      if (h) return h;
    } catch {
      // a hint that cannot judge this case says nothing
    }
  }
  return '';
}

async function checkImplement(task: ImplementTask, answer: unknown, random: CaseRandom): Promise<{ status: CheckStatus; message: string }> {
  if (answer === undefined || answer === null) return { status: 'not-implemented', message: 'not implemented yet' };
  if (task.custom) {
    try {
      const m = await task.custom(answer, random);
      return m ? { status: 'failed', message: m } : { status: 'passed', message: 'passed' };
    } catch (error) {
      if (isNotImplemented(error)) return { status: 'not-implemented', message: 'not implemented yet' };
      return { status: 'failed', message: threw(error) };
    }
  }
  if (typeof answer !== 'function') return { status: 'failed', message: `expected your function, got ${typeof answer}: pass the function itself, without calling it` };
  if (answer === task.reference) return { status: 'failed', message: "that is genlab's own function: pass yours" };
  tf.engine().startScope();
  try {
    const cases = task.cases(random);
    for (let i = 0; i < cases.length; i++) {
      const outcome = await checkCase(task, answer as (...a: unknown[]) => unknown, cases[i], i, cases.length, random);
      if (outcome.notImplemented) return { status: 'not-implemented', message: 'not implemented yet' };
      if (outcome.message) return { status: 'failed', message: outcome.message };
    }
    const o = task.compare ?? {};
    const what = ['values', 'shapes', o.dtypes !== false ? 'dtypes' : '', o.gradients !== false ? 'gradients' : '', o.memory !== false ? 'no tensors left behind' : ''].filter(Boolean);
    return { status: 'passed', message: `passed on ${cases.length} inputs (${what.join(', ')})` };
  } finally {
    tf.engine().endScope();
  }
}

// ---------------------------------------------------------------- train tasks

async function checkTrain(task: TrainTask, answer: unknown, seed: number): Promise<{ status: CheckStatus; message: string }> {
  if (answer === undefined || answer === null) return { status: 'not-implemented', message: 'not implemented yet (nothing trained to measure)' };
  const quick = quickMode();
  const bar = quick ? task.bar.quick : task.bar.full;
  const atLeast = (task.direction ?? 'atLeast') === 'atLeast';
  let measured: { value: number; note?: string };
  try {
    const m = await task.evaluate(answer, { seed, quick });
    measured = typeof m === 'number' ? { value: m } : m;
  } catch (error) {
    if (isNotImplemented(error)) return { status: 'not-implemented', message: 'not implemented yet' };
    return { status: 'failed', message: `measuring your answer threw: ${(error as Error)?.message?.split('\n')[0] ?? String(error)}` };
  }
  const unit = task.unit ?? '';
  const digits = task.digits ?? 1;
  const v = measured.value;
  const passed = Number.isFinite(v) && (atLeast ? v >= bar : v <= bar);
  const shown = (x: number) => (Number.isFinite(x) ? x.toFixed(digits).replace(/^-/, '−') : String(x));
  const text = `${task.measure}: ${shown(v)}${unit}; the bar is ${atLeast ? '≥' : '≤'} ${shown(bar)}${unit}${quick ? ' (quick mode)' : ''}${measured.note ? `; ${measured.note}` : ''}`;
  return { status: passed ? 'passed' : 'failed', message: passed ? text : `${text}${task.advice ? ` — ${task.advice}` : ''}` };
}

// ---------------------------------------------------------------- check

function seedNumber(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return (h >>> 0) % 2 ** 31 || 1;
}

/**
 * Checks the student's answer to a task and prints the verdict. Never throws; returns nothing,
 * so a check cell shows only the printed lines. (`homework.history` keeps the results.)
 */
export async function check(taskId: string, answer: unknown): Promise<void> {
  const started = Date.now();
  const task = findTask(taskId);
  const grading = settings.seed !== '';
  const base = { task: taskId, seed: grading ? ('grading' as const) : ('practice' as const), quick: quickMode() };
  if (!task) {
    const why = loadErrorOf(taskId.slice(0, 2));
    report({ ...base, title: '', status: 'failed', points: 0, maxPoints: 0, message: why ? `the checks of assignment ${taskId.slice(0, 2)} did not load: ${why}` : `there is no task '${taskId}' — check the id in this cell`, seconds: 0 });
    return;
  }
  const seed = `${grading ? settings.seed : PRACTICE_SEED}:${task.id}`;
  let outcome: { status: CheckStatus; message: string };
  try {
    outcome = task.kind === 'implement' ? await checkImplement(task, answer, caseRandom(seed)) : await checkTrain(task, answer, seedNumber(seed));
  } catch (error) {
    // Only the checking machinery can get here (the student's code is caught where it is called).
    outcome = { status: 'failed', message: `the check itself failed (please report it): ${(error as Error)?.message ?? String(error)}` };
  }
  report({
    ...base,
    title: task.title,
    status: outcome.status,
    points: outcome.status === 'passed' ? task.points : 0,
    maxPoints: task.points,
    message: outcome.message,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  });
}
