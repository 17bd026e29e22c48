/**
 * Homework, fast part (no Jupyter kernel): the releases are up to date, the checks say what a
 * student can act on, and every assignment is truthful by construction — its master passes every
 * task (train tasks in quick mode), its implement tasks say "not implemented yet" when released
 * and fail with a message naming what differs for each wrong solution in
 * tests/fixtures/homework/wrong/. The kernel part is homework-grade.test.ts.
 */
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as genlab from '../src/index';
import { tf, homework } from '../src/index';
import { codeCells, masterFiles, releaseAll, releaseNotebook, releasePathFor, replaceBlocks, slugOf, solutionBlocks } from '../scripts/homework-notebooks';
import { selfTest } from '../scripts/homework-selftest';
import { suspiciousCode } from '../scripts/homework-grade';
import { tasks as fixtureTasks } from './fixtures/homework-engine/tasks';

const masters = masterFiles();

test.before(async () => {
  // The masters' train tasks run too, with quick-mode training and bars (as CI grades them).
  process.env.GENLAB_QUICK = '1';
  await genlab.initBackend({ verbose: false });
  for (const task of fixtureTasks) if (!homework.findTask(task.id)) homework.register(task);
});

/** What one check printed and concluded. */
async function verdict(id: string, answer: unknown): Promise<genlab.homework.CheckResult> {
  const log = console.log;
  console.log = () => undefined;
  try {
    await homework.check(id, answer);
  } finally {
    console.log = log;
  }
  return homework.history[homework.history.length - 1];
}

test.serial('every master has a committed release identical to what it builds', (t) => {
  for (const master of masters) {
    const target = releasePathFor(master);
    t.true(fs.existsSync(target), `${path.basename(target)} is missing: run npm run homework -- release`);
    if (fs.existsSync(target)) t.is(fs.readFileSync(target, 'utf8'), releaseNotebook(master), `${path.basename(target)} differs from its master: run npm run homework -- release`);
  }
  t.pass();
});

test.serial('every task of an assignment has a check cell in its master, and every check names a task', (t) => {
  for (const master of masters) {
    const number = slugOf(master).slice(0, 2);
    t.is(homework.loadErrorOf(number), undefined, `task file of ${number}`);
    const text = fs.readFileSync(master, 'utf8');
    const checked = new Set([...text.matchAll(/homework\.check\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]));
    const defined = homework.tasksOf(number).map((task) => task.id);
    for (const id of defined) t.true(checked.has(id), `${slugOf(master)}: no check cell for ${id}`);
    for (const id of checked) t.true(defined.includes(id), `${slugOf(master)}: check of unknown task ${id}`);
    const blocks = solutionBlocks(text, master).map((b) => b.taskId);
    for (const id of defined) t.true(blocks.includes(id), `${slugOf(master)}: no solution block for ${id}`);
  }
});

test.serial('release replaces solution blocks: a throw inside a function, a comment at the top level; masters keep theirs', (t) => {
  const md = [
    '```ts',
    '// task: 99.kl',
    'function kl(a: number): number {',
    '  // BEGIN SOLUTION',
    '  return a * 2;',
    '  // END SOLUTION',
    '}',
    '```',
    '',
    '```ts',
    '// task: 99.mean',
    'let answer: number | undefined;',
    '// BEGIN SOLUTION',
    'answer = 3;',
    '// END SOLUTION',
    '```',
  ].join('\n');
  const released = replaceBlocks(md);
  t.true(released.includes("  throw new homework.NotImplemented('99.kl');"));
  t.false(released.includes('return a * 2'));
  t.false(released.includes('answer = 3'));
  t.true(released.includes('let answer: number | undefined;'));
  t.deepEqual(codeCells(released).length, 2);
  t.is(replaceBlocks(md, (b) => (b.taskId === '99.kl' ? '  return a * 3;' : undefined)).includes('  return a * 3;'), true);
  t.throws(() => solutionBlocks('```ts\n// BEGIN SOLUTION\n// END SOLUTION\n```'), { message: /without a `\/\/ task: NN.name` line/ });
  t.throws(() => solutionBlocks('```ts\n// task: 99.kl\n// BEGIN SOLUTION\n```'), { message: /never closed/ });
});

test.serial("release keeps a copy that has been run (a student's work) unless forced", (t) => {
  const root = fs.mkdtempSync(path.join(require('os').tmpdir(), 'genlab-hw-release-'));
  const source = path.join(root, 'source');
  const release = path.join(root, 'release');
  fs.mkdirSync(source);
  fs.writeFileSync(path.join(source, '99-demo.md'), '```ts\n// task: 99.kl\nfunction f(): number {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}\n```\n');
  t.is(releaseAll(true, source, release).length, 1);
  const target = path.join(release, '99-demo.ipynb');
  const worked = JSON.parse(fs.readFileSync(target, 'utf8'));
  worked.cells[0].execution_count = 1;
  worked.cells[0].source = ['// task: 99.kl\n', 'function f(): number {\n', '  return 2;\n', '}'];
  fs.writeFileSync(target, JSON.stringify(worked));
  const skipped: string[] = [];
  t.deepEqual(releaseAll(true, source, release, false, skipped), []);
  t.deepEqual(skipped, [target]);
  t.true(fs.readFileSync(target, 'utf8').includes('return 2;'));
  t.is(releaseAll(true, source, release, true).length, 1);
  t.false(fs.readFileSync(target, 'utf8').includes('return 2;'));
  fs.rmSync(root, { recursive: true, force: true });
});

test.serial('the grader flags code that reaches into the checker, and nothing in the masters', (t) => {
  const nb = (code: string) => ({ cells: [{ source: code }] });
  t.deepEqual(suspiciousCode(nb("homework.check = async () => {};")), ['replaces homework.check']);
  t.deepEqual(suspiciousCode(nb("console.log(process.env.GENLAB_HOMEWORK_SEED)")), ["mentions the grader's environment variables"]);
  t.is(suspiciousCode(nb("fs.readFileSync('/proc/self/environ')")).length, 1);
  for (const master of masters) t.deepEqual(suspiciousCode(JSON.parse(releaseNotebook(master))), [], slugOf(master));
});

test.serial('check: a right answer passes; each kind of mistake gets a sentence that says what differs', async (t) => {
  const kl = (m: tf.Tensor, l: tf.Tensor) => tf.tidy(() => m.square().add(l.exp()).sub(1).sub(l).mul(0.5).sum(1).mean());
  t.is((await verdict('99.kl', kl)).status, 'passed');
  const sigma = await verdict('99.kl', (m: tf.Tensor, l: tf.Tensor) => tf.tidy(() => m.square().add(l.mul(0.5).exp()).sub(1).sub(l).mul(0.5).sum(1).mean()));
  t.is(sigma.status, 'failed');
  t.regex(sigma.message, /for input 1 of 2 \(random μ and log σ²\), your output is [−\d.]+, expected [−\d.]+: did you use σ instead of σ²\?/);
  const shape = await verdict('99.kl', (m: tf.Tensor, l: tf.Tensor) => tf.tidy(() => m.square().add(l.exp()).sub(1).sub(l).mul(0.5).sum(1)));
  t.regex(shape.message, /shape \[4\], expected \[\] \(a scalar\)/);
  const leak = await verdict('99.kl', (m: tf.Tensor, l: tf.Tensor) => m.square().add(l.exp()).sub(1).sub(l).mul(0.5).sum(1).mean());
  t.regex(leak.message, /leaves \d+ tensors behind per call/);
  const tape = await verdict('99.kl', (m: tf.Tensor, l: tf.Tensor) => tf.tidy(() => tf.scalar(kl(m, l).dataSync()[0])));
  t.regex(tape.message, /gradient with respect to m does not reach your output/);
  const threw = await verdict('99.kl', (): tf.Tensor => {
    throw new Error('shapes do not match');
  });
  t.regex(threw.message, /your function threw: shapes do not match/);
  t.is((await verdict('99.kl', () => { throw new homework.NotImplemented('99.kl'); })).message, 'not implemented yet');
  t.is((await verdict('99.kl', undefined)).status, 'not-implemented');
  t.regex((await verdict('99.kl', 3)).message, /expected your function/);
  t.regex((await verdict('99.nope', kl)).message, /there is no task '99.nope'/);
  t.regex((await verdict('99.mean', 0.5)).message, /your number: 0.5; the bar is ≥ 1.0 \(quick mode\) — make it larger/);
  t.is((await verdict('99.mean', 2)).status, 'passed');
});

test.serial('check leaves tf.memory().numTensors as it found it, whatever the answer does', async (t) => {
  const before = tf.memory().numTensors;
  await verdict('99.kl', (m: tf.Tensor) => m.square().square().sum());
  await verdict('99.kl', (m: tf.Tensor, l: tf.Tensor) => tf.tidy(() => m.square().add(l.exp()).sub(1).sub(l).mul(0.5).sum(1).mean()));
  t.is(tf.memory().numTensors, before);
});

test.serial('grading seeds give other cases than the practice seed, and the results go to the report file', async (t) => {
  const report = path.join(fs.mkdtempSync(path.join(require('os').tmpdir(), 'genlab-hw-')), 'report.jsonl');
  const seen: string[] = [];
  const spy = (m: tf.Tensor, l: tf.Tensor) => {
    seen.push(m.dataSync()[0].toFixed(6));
    return tf.tidy(() => m.square().add(l.exp()).sub(1).sub(l).mul(0.5).sum(1).mean());
  };
  await verdict('99.kl', spy);
  homework.configure({ seed: 'secret-1', report });
  try {
    const graded = await verdict('99.kl', spy);
    t.is(graded.seed, 'grading');
    t.is(graded.points, 2);
  } finally {
    homework.configure({ seed: '', report: '' });
  }
  t.not(seen[0], seen[seen.length - 1]);
  const lines = fs.readFileSync(report, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.is(lines.length, 1);
  t.is(lines[0].task, '99.kl');
  t.false(JSON.stringify(lines[0]).includes('secret-1'));
  fs.rmSync(path.dirname(report), { recursive: true, force: true });
});

for (const master of masters) {
  test.serial(`${slugOf(master)}: the master passes every task (quick), the release says "not implemented yet", each wrong solution fails`, async (t) => {
    const rows = await selfTest(master, genlab, { train: true });
    t.true(rows.length > 0);
    for (const r of rows) t.true(r.ok, `${r.variant} ${r.task}: wanted ${r.want}, got ${r.got}: ${r.message}`);
  });
}
