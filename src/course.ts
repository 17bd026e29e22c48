/**
 * The course's own bookkeeping: numbers a lesson states, recorded where they are measured.
 *
 *   course.record('02.mnist.emaRecognisable', 100 * quality.recognisability, { unit: '%', digits: 1,
 *                 label: 'EMA generator, recognisable samples' });
 *   // prints "EMA generator, recognisable samples: 93.1%" and returns the value unchanged
 *
 * A lesson's prose quotes a measured number only through its key (see CONTRIBUTING.md): the full-mode
 * runner (`npm run course:full`) collects every recorded value into the ledger, and the tests check
 * that the prose agrees with the ledger. During a recorded run the environment variable
 * GENLAB_RECORD names a file; each call appends one JSON line to it, in one write (`appendLine`,
 * ./files.ts: a line cut off by a process killed mid-write is removed before the next one, and a
 * reader reports it rather than parsing half a number). Outside a recorded run (a student working
 * in Jupyter) `record` only prints.
 *
 * Checkpoints the lessons hand to each other live in one folder of the project, resolved here so
 * that no notebook builds a path by hand:
 *
 *   await trainer.saveCheckpoint(course.checkpointPath('02-mlp-gan'));        // lesson 02
 *   await course.loadNetwork('02-mlp-gan', 'emaGenerator', generator);         // lesson 04
 *
 * The folder is GENLAB_CHECKPOINTS when set, else `checkpoints/` at the project's root (the
 * folder holding `package.json` and `notebooks/`, wherever the notebook or script runs from).
 * Quick-mode runs use its `quick/` subfolder, so they never overwrite a full run's checkpoint.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { backendInfo } from './backend';
import { GenlabError, checkNumber, checkString, fail, resolveOptions } from './errors';
import { appendLine } from './files';
import { quickMode } from './quick';
import { checkpointStep, loadNetworkWeights } from './train/checkpoint';

/** How a recorded number is shown. */
export interface RecordOptions {
  /** What the number is, for the printed line (default: the key). */
  label?: string;
  /** Unit written after the number: '%', ' s', ' ms', ' nats', … (default none). */
  unit?: string;
  /** Decimals printed (default 3). The ledger keeps the full value. */
  digits?: number;
}

/** One line of a run record file, as `record` writes it. */
export interface RecordedNumber {
  key: string;
  value: number;
  unit: string;
  digits: number;
  label: string;
  quick: boolean;
  backend: string | undefined;
  threads: number | undefined;
  /** Seconds since this process loaded genlab, when the number was recorded. */
  at: number;
}

/** Keys look like `02.mnist.emaRecognisable`: a lesson number or experiment name, then dotted parts. */
export const RECORD_KEY = /^[a-z0-9][a-z0-9-]*(\.[A-Za-z0-9][A-Za-z0-9_-]*)+$/;

/** `record`'s defaults (the label defaults to the key). */
export const DEFAULT_RECORD_OPTIONS: Readonly<Required<Omit<RecordOptions, 'label'>>> = { unit: '', digits: 3 };

const loadedAt = Date.now();

/**
 * Prints a measured number for the student and, during a recorded run (GENLAB_RECORD set), appends
 * it to the run record under `key`. Returns `value`, so it can wrap an expression.
 */
export function record(key: string, value: number, options: RecordOptions = {}): number {
  if (typeof key !== 'string' || !RECORD_KEY.test(key)) {
    fail('record', 'key', "a key like '02.mnist.emaRecognisable' (dotted, starting with a lesson or experiment name)", key);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail('record', `value (for '${key}')`, 'a finite number', value);
  }
  const { unit, digits, label = key } = resolveOptions('record', DEFAULT_RECORD_OPTIONS, options, ['label']);
  checkNumber('record', `options.digits (for '${key}')`, digits, { integer: true, min: 0, max: 12 });
  checkString('record', 'options.unit', unit);
  checkString('record', 'options.label', label);
  console.log(`${label}: ${formatRecorded(value, digits)}${unit}`);
  const file = process.env.GENLAB_RECORD;
  if (file) {
    const info = backendInfo();
    const line: RecordedNumber = {
      key,
      value,
      unit,
      digits,
      label,
      quick: quickMode(),
      backend: info?.name,
      threads: info?.threads,
      at: Math.round((Date.now() - loadedAt) / 100) / 10,
    };
    // One appended line per number: a run that dies keeps everything recorded before it.
    appendLine(file, JSON.stringify(line));
  }
  return value;
}

/** `value` with `digits` decimals and thousands separators: 12345.678 -> "12,345.68". */
export function formatRecorded(value: number, digits: number): string {
  checkNumber('formatRecorded', 'value', value);
  checkNumber('formatRecorded', 'digits', digits, { integer: true, min: 0, max: 12 });
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Checkpoint names: one plain folder name, e.g. '02-mlp-gan' (the lesson number first). */
export const CHECKPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The project's root: the nearest folder holding both `package.json` and `notebooks/`, looked for
 * above genlab's own files (the course's workspace package), then above the working directory (a
 * notebook runs in `notebooks/`, a script at the root, homework in `homework/`); else the
 * working directory.
 */
export function projectRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'notebooks'))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  return process.cwd();
}

/** The folder of the course's checkpoints: GENLAB_CHECKPOINTS or `<root>/checkpoints`, then `quick/` in quick mode. */
export function checkpointsFolder(): string {
  const base = process.env.GENLAB_CHECKPOINTS ? path.resolve(process.env.GENLAB_CHECKPOINTS) : path.join(projectRoot(), 'checkpoints');
  return quickMode() ? path.join(base, 'quick') : base;
}

/** Where the checkpoint called `name` lives: `course.checkpointPath('05-dcgan')`. */
export function checkpointPath(name: string): string {
  checkCheckpointName('checkpointPath', name);
  return path.join(checkpointsFolder(), name);
}

function checkCheckpointName(fn: string, name: unknown): void {
  if (typeof name !== 'string' || !CHECKPOINT_NAME.test(name) || name.includes('..')) {
    fail(fn, 'name', "one folder name like '02-mlp-gan' (letters, digits, '.', '-', '_'; no '/' or '..')", name);
  }
}

/** True when the checkpoint called `name` has been saved (in this mode: quick and full are apart). */
export function hasCheckpoint(name: string): boolean {
  checkCheckpointName('hasCheckpoint', name);
  return checkpointStep(checkpointPath(name)) !== undefined;
}

/**
 * Loads one network of the checkpoint called `name` into `model` (built like the saved network),
 * without the trainer that saved it: `await course.loadNetwork('02-mlp-gan', 'emaGenerator', g)`.
 * A missing checkpoint names the lesson that saves it; a missing network lists the saved ones.
 * Returns the step the checkpoint was saved at.
 */
export async function loadNetwork(name: string, network: string, model: tf.LayersModel): Promise<{ step: number; path: string }> {
  checkCheckpointName('loadNetwork', name);
  if (typeof network !== 'string' || network === '') fail('loadNetwork', 'network', "the name of a saved network, e.g. 'emaGenerator'", network);
  if (!(model instanceof tf.LayersModel)) fail('loadNetwork', 'model', `a tf.LayersModel built like '${network}'`, model);
  const dir = checkpointPath(name);
  if (checkpointStep(dir) === undefined) {
    const mode = quickMode() ? 'in quick mode (quick runs keep their own checkpoints)' : 'in full mode';
    throw new GenlabError(`loadNetwork: no checkpoint '${name}' in ${checkpointsFolder()}: run ${lessonOf(name)} ${mode} first; it saves it`);
  }
  const { step } = await loadNetworkWeights(dir, network, model);
  return { step, path: dir };
}

/** 'lesson 02 (notebooks/02-gan.ipynb)' for a checkpoint named '02-…', else the lesson that saves `name`. */
function lessonOf(name: string): string {
  const number = /^(\d\d)-/.exec(name)?.[1];
  if (number === undefined) return `the lesson that saves '${name}'`;
  const folder = path.join(projectRoot(), 'notebooks');
  const notebook = fs.existsSync(folder) ? fs.readdirSync(folder).find((f) => f.startsWith(`${number}-`) && f.endsWith('.ipynb')) : undefined;
  return notebook ? `lesson ${number} (notebooks/${notebook})` : `lesson ${number}`;
}
