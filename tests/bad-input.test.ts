/**
 * Every public function of data, rules, metrics, losses, models, viz, train and course refuses bad input
 * with a GenlabError that names the function and the argument, before any tensor work: no
 * tfjs-internal message, no silent garbage, no hang, no leaked tensor. The table is in
 * tests/fixtures/bad-input-cases.ts; it runs in a worker thread, and a case that does not
 * finish within CASE_TIMEOUT_MS fails (the worker is stopped and restarted after it).
 */
import test from 'ava';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as genlab from '../src/index';
import * as phased from '../src/train/phased';
import * as progress from '../src/train/progress';
import { BAD_INPUT_CASES, EXEMPT } from './fixtures/bad-input-cases';

const NAMESPACES = ['data', 'rules', 'metrics', 'losses', 'models', 'viz', 'train', 'course'] as const;
/** Modules whose public functions are validated elsewhere (being reworked separately). */
const ELSEWHERE = new Set([...Object.keys(phased), ...Object.keys(progress)]);
const CASE_TIMEOUT_MS = 15_000;
const STARTUP_TIMEOUT_MS = 120_000;

interface Outcome {
  threw: boolean;
  name?: string;
  message?: string;
  leaked?: number;
  hung?: boolean;
}

const outcomes = new Map<number, Outcome>();

/** Runs the table from `start` in a worker; resolves with the index to resume at, or -1 when done. */
function runFrom(start: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const file = path.join(__dirname, 'fixtures', 'bad-input-worker.ts');
    const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true, workerData: { start } });
    let current = -1;
    let timer = setTimeout(() => hang(), STARTUP_TIMEOUT_MS);
    const hang = () => {
      if (current >= 0) outcomes.set(current, { threw: false, hung: true });
      void worker.terminate();
      resolve(current >= 0 ? current + 1 : -1);
    };
    worker.on('message', (m: { type: string; index: number } & Outcome) => {
      clearTimeout(timer);
      if (m.type === 'start') {
        current = m.index;
        timer = setTimeout(hang, CASE_TIMEOUT_MS);
      } else if (m.type === 'done') {
        outcomes.set(m.index, m);
        current = -1;
        timer = setTimeout(hang, CASE_TIMEOUT_MS);
      } else if (m.type === 'end') {
        void worker.terminate();
        resolve(-1);
      }
    });
    worker.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

test.before(async () => {
  for (let next = 0; next >= 0 && next < BAD_INPUT_CASES.length; ) next = await runFrom(next);
});

const titles = new Set<string>();
BAD_INPUT_CASES.forEach((c, index) => {
  const title = `${c.fn}: ${c.bad}`;
  if (titles.has(title)) throw new Error(`bad-input table: two cases are called '${title}'`);
  titles.add(title);
  test(title, (t) => {
    const outcome = outcomes.get(index);
    t.truthy(outcome, 'the case did not run');
    t.false(outcome!.hung ?? false, `hung for more than ${CASE_TIMEOUT_MS} ms`);
    t.true(outcome!.threw, 'returned without an error');
    const name = c.fn.split('.').pop()!;
    t.is(outcome!.name, 'GenlabError', `threw ${outcome!.name}: ${outcome!.message}`);
    t.true(outcome!.message!.startsWith(`${name}`), `the message does not start with the function's name: ${outcome!.message}`);
    t.true(outcome!.message!.includes(c.argument), `the message does not name '${c.argument}': ${outcome!.message}`);
    t.is(outcome!.leaked, 0, 'the refused call left tensors behind');
  });
});

test('the table covers every public function of data, rules, metrics, losses, models, viz, train and course, or says why not', (t) => {
  const covered = new Set(BAD_INPUT_CASES.map((c) => c.fn));
  const missing: string[] = [];
  const publicNames: string[] = [];
  for (const ns of NAMESPACES) {
    for (const [name, value] of Object.entries(genlab[ns] as Record<string, unknown>)) {
      if (typeof value !== 'function' || ELSEWHERE.has(name)) continue;
      const full = `${ns}.${name}`;
      publicNames.push(full);
      if (!covered.has(full) && !(full in EXEMPT)) missing.push(full);
    }
  }
  t.deepEqual(missing, [], 'public functions with neither a bad-input case nor an exemption');
  const unknown = [...covered, ...Object.keys(EXEMPT)].filter((name) => !publicNames.includes(name));
  t.deepEqual(unknown, [], 'cases or exemptions for names that are not public functions');
  t.log(`${covered.size} functions, ${BAD_INPUT_CASES.length} cases, ${Object.keys(EXEMPT).length} exempt`);
});
