import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { readLedger } from '../scripts/ledger';
import { findPython, runNotebook } from '../scripts/notebook-run';
import { buildNotebook } from '../scripts/notebooks';

// course:full for real, through the tslab kernel, on two fixture lessons (tests/fixtures/course):
// 90-ok records one number, 91-fail records one and then fails. The copy lives under results/ so
// that its notebooks import the workspace's genlab.
const ROOT = path.join(__dirname, '..');

function courseFull(root: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'course-full.ts'), '--root', root, '--no-quick', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('course:full records, fails a failing lesson, resumes, and rewrites ties from the ledger', (t) => {
  const root = path.join(ROOT, 'results', `course-full-test-${process.pid}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.cpSync(path.join(__dirname, 'fixtures', 'course'), root, { recursive: true });
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));

  const first = courseFull(root);
  t.is(first.status, 1, first.out);
  t.regex(first.out, /\[1\/2\] 90-ok: started \(no earlier run to estimate from\)/);
  t.regex(first.out, /\[1\/2\] 90-ok: done in [\d.]+ min; 2 numbers into the ledger; total [\d.]+ min, about 0\.0 min to go \(\+ 1 lesson\(s\) never run\)/);
  t.regex(first.out, /\[2\/2\] 91-fail: FAILED in [\d.]+ min: cell 2 failed; its numbers stay out of the ledger/);
  t.regex(first.out, /fixture failure/);
  t.regex(first.out, /FAILED 91-fail: cell 2 \(throw new Error\('fixture failure'\);\) failed/);
  const ledger = readLedger(path.join(root, 'lessons', 'measured.json'));
  t.is(ledger.values['90.fixture.answer'].value, 42.125);
  t.truthy(ledger.values['90.run.fullMinutes']);
  t.false('91.fixture.before' in ledger.values);
  const record = JSON.parse(fs.readFileSync(path.join(root, 'results', 'course', '90-ok', 'record.json'), 'utf8'));
  t.is(record.status, 'ok');
  t.is(record.provenance.machine.cores > 0, true);
  t.is(record.seconds.cells[1].limitFrom, 'never run');

  // Unchanged: skipped, and --rewrite puts the ledger's value into the tie (one decimal, as written).
  const second = courseFull(root, '90', '--rewrite');
  t.is(second.status, 0, second.out);
  t.regex(second.out, /90-ok: unchanged since its run of .*, skipped; --force runs it again/);
  t.regex(second.out, /--rewrite: 1 tied number\(s\) rewritten, 1 notebook\(s\) rebuilt/);
  t.regex(fs.readFileSync(path.join(root, 'lessons', '90-ok.md'), 'utf8'), /The answer is \*\*42\.1\*\*<!-- ledger: 90\.fixture\.answer -->/);
  t.regex(fs.readFileSync(path.join(root, 'notebooks', '90-ok.ipynb'), 'utf8'), /\*\*42\.1\*\*/);
});

test('a cell over its own time limit fails with the cell named, while the others keep the default', async (t) => {
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'limits-'));
  const notebook = path.join(dir, '92-slow.ipynb');
  const markdown = ['# Slow', '', '```ts', 'const started = Date.now();', '```', '', '```ts', 'await new Promise((done) => setTimeout(done, 30000));', '```', ''].join('\n');
  fs.writeFileSync(notebook, buildNotebook(markdown, '92-slow'));
  const cells = JSON.parse(fs.readFileSync(notebook, 'utf8')).cells as unknown[];
  t.is(cells.length, 3);
  const { install, jupyterEnv } = require('../scripts/kernel');
  install();
  const started = Date.now();
  const r = await runNotebook(findPython(), notebook, path.join(dir, 'out.ipynb'), { env: jupyterEnv({ GENLAB_QUICK: '0' }), cellLimits: [null, null, 3] });
  t.truthy(r.error, JSON.stringify(r));
  t.is(r.error!.cell, 2);
  t.true(r.error!.timeout);
  t.regex(r.error!.message, /timed out/);
  t.true((r.cellSeconds![2] ?? 0) < 25, `the slow cell was stopped after ${r.cellSeconds![2]} s`);
  t.true(Date.now() - started < 120_000);
});
