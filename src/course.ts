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
 * GENLAB_RECORD names a file; each call appends one JSON line to it. Outside a recorded run (a
 * student working in Jupyter) `record` only prints.
 */
import * as fs from 'fs';
import * as os from 'os';
import { backendInfo } from './backend';
import { quickMode } from './quick';

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

const loadedAt = Date.now();

/**
 * Prints a measured number for the student and, during a recorded run (GENLAB_RECORD set), appends
 * it to the run record under `key`. Returns `value`, so it can wrap an expression.
 */
export function record(key: string, value: number, options: RecordOptions = {}): number {
  if (typeof key !== 'string' || !RECORD_KEY.test(key)) {
    throw new Error(`record: key must look like '02.mnist.emaRecognisable' (dotted, starting with a lesson or experiment name), got ${JSON.stringify(key)}`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`record: value for '${key}' must be a finite number, got ${String(value)}`);
  }
  const digits = options.digits ?? 3;
  if (!Number.isInteger(digits) || digits < 0 || digits > 12) {
    throw new Error(`record: digits for '${key}' must be an integer in [0, 12], got ${String(options.digits)}`);
  }
  const unit = options.unit ?? '';
  const label = options.label ?? key;
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
    fs.appendFileSync(file, JSON.stringify(line) + os.EOL);
  }
  return value;
}

/** `value` with `digits` decimals and thousands separators: 12345.678 -> "12,345.68". */
export function formatRecorded(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
