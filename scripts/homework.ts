/**
 * `npm run homework -- <command>`:
 *
 *   release [--check] [--force]
 *                            homework/source/NN-slug.md -> homework/release/NN-slug.ipynb (solutions
 *                            replaced by stubs); --check only reports releases that are out of date;
 *                            a release with outputs (a student's working copy) is kept unless --force
 *   check NN [--master] [--quick] [--notebook FILE]
 *                            runs your copy of assignment NN (homework/release/NN-*.ipynb, or FILE;
 *                            --master: the instructor's master) in the real kernel and prints each
 *                            task's verdict, then "N passed, N failed"; exits 1 when a task fails
 *   grade DIR [--quick] [--timeout S] [--memory MB] [--output-bytes N] [--seed S] [--jobs N] [--no-sandbox]
 *                            grades every notebook in DIR and DIR/<student>/; writes DIR/grades.csv,
 *                            DIR/grades.json and the executed notebooks in DIR/graded/
 *   selftest [NN ...] [--train]
 *                            fast self-test of the masters in Node (no kernel): implement tasks pass
 *                            as written, say "not implemented yet" released, fail for each wrong
 *                            solution; --train also runs the masters' train tasks (GENLAB_QUICK=1
 *                            for their quick bars)
 */
import * as fs from 'fs';
import * as path from 'path';
import * as genlab from '../src/index';
import { writeFileAtomic } from '../src/files';
import { gradeDirectory, gradeRun, runNotebook, DEFAULT_GRADE_OPTIONS } from './homework-grade';
import { masterFiles, masterNotebook, releaseAll, RELEASE_DIR, slugOf } from './homework-notebooks';
import { selfTest } from './homework-selftest';
import { ROOT } from './notebooks';

const args = process.argv.slice(2);
const command = args[0];
const flag = (name: string) => args.includes(name);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const positional = args.slice(1).filter((a, i, all) => !a.startsWith('--') && !(i > 0 && /^--(timeout|memory|output-bytes|seed|notebook|jobs)$/.test(all[i - 1])));

function fail(message: string): never {
  console.error(`homework: ${message}`);
  process.exit(2);
}

async function release(): Promise<void> {
  const check = flag('--check');
  const skipped: string[] = [];
  const changed = releaseAll(!check, undefined, undefined, flag('--force'), skipped);
  for (const file of changed) console.log(`${check ? 'out of date' : 'wrote'}: ${path.relative(ROOT, file)}`);
  for (const file of skipped) console.log(`kept: ${path.relative(ROOT, file)} has been run (someone's working copy?); --force overwrites it`);
  if (changed.length === 0) console.log(`homework: all ${masterFiles().length} releases up to date`);
  if (check && changed.length > 0) {
    console.error('homework releases differ from their masters: run `npm run homework -- release` and commit the result');
    process.exit(1);
  }
}

async function check(): Promise<void> {
  const number = positional[0];
  if (!number || !/^\d\d$/.test(number)) fail('usage: npm run homework -- check NN [--master] [--quick] [--notebook FILE]');
  const master = masterFiles().find((f) => slugOf(f).startsWith(`${number}-`));
  let notebook = option('--notebook');
  const out = path.join(ROOT, 'results', 'homework');
  fs.mkdirSync(out, { recursive: true });
  if (!notebook && flag('--master')) {
    if (!master) fail(`no master homework/source/${number}-*.md`);
    notebook = path.join(out, `${slugOf(master)}.master.ipynb`);
    writeFileAtomic(notebook, masterNotebook(master));
  }
  if (!notebook) {
    const name = fs.existsSync(RELEASE_DIR) ? fs.readdirSync(RELEASE_DIR).find((f) => f.startsWith(`${number}-`) && f.endsWith('.ipynb')) : undefined;
    if (!name) fail(`no homework/release/${number}-*.ipynb (run npm run homework -- release)`);
    notebook = path.join(RELEASE_DIR, name);
  }
  const tasks = genlab.homework.tasksOf(number);
  if (tasks.length === 0) fail(`assignment ${number} has no tasks${genlab.homework.loadErrorOf(number) ? `: ${genlab.homework.loadErrorOf(number)}` : ''}`);
  console.log(`homework: running ${path.relative(process.cwd(), notebook)} in the kernel${flag('--quick') ? ' (quick mode)' : ''} …`);
  const executed = path.join(out, path.basename(notebook).replace(/\.ipynb$/, '.executed.ipynb'));
  const run = await runNotebook(notebook, executed, { ...DEFAULT_GRADE_OPTIONS, quick: flag('--quick'), timeoutSeconds: 3600, sandboxed: false, copyFolder: false });
  const grade = gradeRun(run, tasks);
  let passed = 0;
  for (const [id, g] of Object.entries(grade.tasks)) {
    const ok = g.points === g.maxPoints;
    if (ok) passed++;
    console.log(`${ok ? '✔' : g.status === 'not-implemented' ? '…' : '✘'} ${id} (${g.points}/${g.maxPoints}): ${g.message}`);
  }
  console.log(`executed notebook: ${path.relative(process.cwd(), executed)} (${Math.round(run.seconds)} s)`);
  console.log(`${passed} passed, ${tasks.length - passed} failed`);
  process.exit(passed === tasks.length ? 0 : 1);
}

async function grade(): Promise<void> {
  const dir = positional[0];
  if (!dir || !fs.existsSync(dir)) fail('usage: npm run homework -- grade DIR [--quick] [--timeout S] [--memory MB] [--output-bytes N] [--seed S] [--no-sandbox]');
  const num = (name: string, fallback: number) => (option(name) !== undefined ? Number(option(name)) : fallback);
  const { grades } = await gradeDirectory(dir, (n) => genlab.homework.tasksOf(n), {
    quick: flag('--quick'),
    timeoutSeconds: num('--timeout', DEFAULT_GRADE_OPTIONS.timeoutSeconds),
    memoryMB: num('--memory', DEFAULT_GRADE_OPTIONS.memoryMB),
    outputBytes: num('--output-bytes', DEFAULT_GRADE_OPTIONS.outputBytes),
    seed: option('--seed') ?? '',
    sandbox: flag('--no-sandbox') ? 'off' : 'auto',
    jobs: num('--jobs', 1),
  });
  console.log(`homework: graded ${grades.length} submissions -> ${path.join(dir, 'grades.csv')}, ${path.join(dir, 'grades.json')}`);
}

async function selftest(): Promise<void> {
  await genlab.initBackend();
  const masters = masterFiles().filter((f) => positional.length === 0 || positional.some((n) => slugOf(f).startsWith(`${n}-`)));
  let bad = 0;
  for (const master of masters) {
    const rows = await selfTest(master, genlab, { train: flag('--train') });
    for (const r of rows) {
      if (!r.ok) bad++;
      console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.assignment} ${r.variant.padEnd(26)} ${r.task.padEnd(22)} ${r.got.padEnd(15)} ${r.message}`);
    }
  }
  console.log(`${bad === 0 ? 'selftest: all as expected' : `selftest: ${bad} unexpected`}`);
  process.exit(bad === 0 ? 0 : 1);
}

const commands: Record<string, () => Promise<void>> = { release, check, grade, selftest };
if (!commands[command]) fail(`unknown command '${command ?? ''}': use release, check NN, grade DIR or selftest`);
commands[command]().catch((error) => fail((error as Error)?.stack ?? String(error)));
