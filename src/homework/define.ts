/**
 * How a homework task is defined. An assignment's tasks live in `src/homework/tasks/NN-slug.ts`,
 * which exports `tasks`, an array made with `implementTask` and `trainTask`; every file in that
 * folder is loaded, so adding an assignment touches no other file.
 *
 * - An *implement* task compares the student's function with genlab's reference on seeded random
 *   cases: values, shapes, dtypes, gradients and the tensors left behind.
 * - A *train* task measures what the student's training produced with genlab's own metrics and
 *   compares the number with a bar.
 */
import * as tf from '@tensorflow/tfjs';
import type { CaseRandom } from './random';

/** One input of an implement task: the arguments passed to both functions. */
export interface Case {
  args: unknown[];
  /** Says which input this is, in the student's words: "random μ, log σ² around −3". */
  note?: string;
}

/** What a hint sees for the first case that differs. */
export interface HintContext {
  args: unknown[];
  /** The student's and the reference's outputs, flattened (for a scalar, one number). */
  got: number[];
  expected: number[];
  note?: string;
  /** Which output leaf differs ('' for a single tensor or number, else 'total', '[1]', …). */
  path: string;
  /** The differing leaves as returned (a tensor, a number, an array of numbers). */
  gotValue?: unknown;
  expectedValue?: unknown;
}

/** A sentence for the student, or undefined when the hint does not apply. */
export type Hint = (context: HintContext) => string | undefined;

export interface CompareOptions {
  /** Relative and absolute tolerance for values: |got − expected| ≤ atol + rtol·|expected|. */
  rtol?: number;
  atol?: number;
  /**
   * Gradients with respect to the floating-point tensor arguments, of a random projection of
   * the output: 'tape' compares tf.grad of the student's and the reference's function; 'finite'
   * compares the student's tf.grad with central differences of the reference (for a reference
   * tfjs cannot differentiate); false skips it. Default 'tape'.
   */
  gradients?: 'tape' | 'finite' | false;
  /** Tolerance for gradients (default 10× the value tolerance; 'finite' at least 2e-2). */
  gradientRtol?: number;
  gradientAtol?: number;
  /** Check that one call leaves tf.memory().numTensors unchanged (default true). */
  memory?: boolean;
  /** Check dtypes (default true). */
  dtypes?: boolean;
}

export interface ImplementTask {
  kind: 'implement';
  id: string;
  title: string;
  points: number;
  /** genlab's own function, called with the same arguments as the student's. */
  reference: (...args: any[]) => unknown;
  /** The inputs, drawn from the seeded source (another seed when grading). */
  cases: (random: CaseRandom) => Case[];
  compare?: CompareOptions;
  hints?: Hint[];
  /**
   * For answers that are not a function of tensors (a class, a stateful buffer, a model): runs
   * the whole comparison and returns a failure message, or undefined when the answer passes.
   * Replaces reference/cases when given.
   */
  custom?: (answer: any, random: CaseRandom) => Promise<string | undefined> | string | undefined;
}

/** What a train task's evaluate returns: the measured number, plus a sentence if it has one. */
export interface Measured {
  value: number;
  note?: string;
}

export interface TrainTask {
  kind: 'train';
  id: string;
  title: string;
  points: number;
  /** What is measured, for the printed line: "test ELBO". */
  measure: string;
  unit?: string;
  /** Decimals printed (default 1). */
  digits?: number;
  /** The bar, chosen from measured runs of the master: full settings and quick mode. */
  bar: { full: number; quick: number };
  /** 'atLeast' (default): value ≥ bar passes; 'atMost': value ≤ bar passes. */
  direction?: 'atLeast' | 'atMost';
  /** Measures the student's answer (what their check cell passes); `seed` is the check's seed. */
  evaluate: (answer: any, context: { seed: number; quick: boolean }) => Promise<Measured | number> | Measured | number;
  /** Optional: a sentence for a value below the bar ("train longer, or use a larger latent code"). */
  advice?: string;
}

export type Task = ImplementTask | TrainTask;

export const TASK_ID = /^\d\d\.[A-Za-z][A-Za-z0-9-]*$/;

function validate<T extends Task>(task: T): T {
  if (!TASK_ID.test(task.id)) throw new Error(`homework task id must look like '04.kl' (assignment number, dot, name), got ${JSON.stringify(task.id)}`);
  if (!(task.points > 0)) throw new Error(`homework task ${task.id}: points must be > 0`);
  return task;
}

/** An implement task: the student writes a function genlab also has. */
export function implementTask(task: Omit<ImplementTask, 'kind' | 'reference' | 'cases'> & Partial<Pick<ImplementTask, 'reference' | 'cases'>>): ImplementTask {
  if (!task.custom && (!task.reference || !task.cases)) throw new Error(`homework task ${task.id}: give reference and cases, or custom`);
  return validate({ ...task, kind: 'implement' } as ImplementTask);
}

/** A train task: the student's training reaches a measured bar. */
export function trainTask(task: Omit<TrainTask, 'kind'>): TrainTask {
  if (!Number.isFinite(task.bar?.full) || !Number.isFinite(task.bar?.quick)) throw new Error(`homework task ${task.id}: bar needs full and quick numbers`);
  return validate({ ...task, kind: 'train' });
}

/** What a released stub throws: the check reports "not implemented yet" instead of a failure. */
export class NotImplemented extends Error {
  readonly taskId: string;
  constructor(taskId = '') {
    super(`${taskId ? taskId + ': ' : ''}not implemented yet — replace this line with your code`);
    this.name = 'NotImplemented';
    this.taskId = taskId;
    // Jupyter shows a stub's error as one line, not as a stack trace into genlab.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** True for a NotImplemented from any copy of genlab (the kernel may load two). */
export function isNotImplemented(error: unknown): boolean {
  return error instanceof NotImplemented || (error instanceof Error && error.name === 'NotImplemented');
}

export type { tf };
