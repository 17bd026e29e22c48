/**
 * Homework, kernel part: `npm run homework -- grade` on real notebooks through tslab. A master
 * scores full points (quick mode), its untouched release scores zero with "not implemented yet",
 * and broken submissions — a throw, an infinite loop, a 10 GB allocation, megabytes of output, a
 * write outside the submission's folder — lose their points while the grader goes on. The
 * per-task wrong solutions are checked without a kernel in homework.test.ts.
 *
 * One assignment goes through the kernel (GENLAB_HOMEWORK_GRADE_TEST=NN picks another); CI time is
 * dominated by the kernel's start and the master's quick training.
 */
import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as genlab from '../src/index';
import { gradeDirectory, sandboxAvailable, type SubmissionGrade } from '../scripts/homework-grade';
import { assignmentNotebook, codeCells, masterFiles, masterMarkdown, masterNotebook, releaseNotebook, replaceBlocks, slugOf } from '../scripts/homework-notebooks';

const wanted = process.env.GENLAB_HOMEWORK_GRADE_TEST ?? '04';
const master = masterFiles().find((f) => slugOf(f).startsWith(`${wanted}-`)) ?? masterFiles()[0];
const tasksOf = (n: string) => genlab.homework.tasksOf(n);

function notebookOf(cells: string[], slug: string): string {
  const nb = JSON.parse(assignmentNotebook(cells.map((c) => '```ts\n' + c + '\n```').join('\n\n'), slug));
  return JSON.stringify(nb);
}

function byName(grades: SubmissionGrade[], name: string): SubmissionGrade {
  const g = grades.find((x) => x.submission === name);
  if (!g) throw new Error(`no grade for ${name}: ${grades.map((x) => x.submission).join(', ')}`);
  return g;
}

test.serial('grade: the master scores full points (quick), its untouched release zero with "not implemented yet", a throw loses its task', async (t) => {
  t.truthy(master, 'no master in homework/source/');
  const slug = slugOf(master);
  const number = slug.slice(0, 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genlab-grade-test-'));
  for (const who of ['ada', 'bob', 'cyd']) fs.mkdirSync(path.join(dir, who));
  fs.writeFileSync(path.join(dir, 'ada', `${slug}.ipynb`), masterNotebook(master));
  fs.writeFileSync(path.join(dir, 'bob', `${slug}.ipynb`), releaseNotebook(master));
  // cyd: the first implement task's function throws; only that task's cells are in the notebook.
  const first = tasksOf(number).find((task) => task.kind === 'implement')!;
  const throwing = replaceBlocks(fs.readFileSync(master, 'utf8'), (b) => (b.taskId === first.id ? "throw new Error('my bug');" : b.text));
  const cells = codeCells(masterMarkdown(throwing));
  const own = cells.filter((c, i) => i === 0 || c.includes(`// task: ${first.id}`) || c.includes(`homework.check('${first.id}'`));
  fs.writeFileSync(path.join(dir, 'cyd', `${slug}.ipynb`), notebookOf(own, slug));
  const started = Date.now();
  const { grades } = await gradeDirectory(dir, tasksOf, { quick: true, timeoutSeconds: 600, memoryMB: 6000, jobs: 2 }, (l) => t.log(l));
  t.log(`graded in ${Math.round((Date.now() - started) / 1000)} s`);
  const ada = byName(grades, `ada/${slug}.ipynb`);
  const bob = byName(grades, `bob/${slug}.ipynb`);
  t.true(ada.maxTotal > 0);
  t.is(ada.total, ada.maxTotal, ada.firstFailure);
  t.is(bob.total, 0);
  for (const [id, g] of Object.entries(bob.tasks)) t.regex(g.message, /not implemented yet/, id);
  const cyd = byName(grades, `cyd/${slug}.ipynb`);
  t.is(cyd.total, 0);
  t.regex(cyd.tasks[first.id].message, /your function threw: my bug \(in \w+, line \d+ of its cell\)/);
  const csv = fs.readFileSync(path.join(dir, 'grades.csv'), 'utf8').trim().split('\n');
  t.is(csv.length, 4);
  t.regex(csv[0], /^submission,assignment,.*,total,max,first failure,warnings$/);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'grades.json'), 'utf8'));
  t.is(json.grades.length, 3);
  fs.rmSync(dir, { recursive: true, force: true });
});

test.serial('grade: an infinite loop, 10 GB, megabytes of output and a write outside cost only that submission', async (t) => {
  const slug = slugOf(master);
  const number = slug.slice(0, 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genlab-grade-test-'));
  const victim = path.join(dir, 'victim.txt');
  fs.writeFileSync(victim, 'untouched\n');
  const broken: Record<string, string> = {
    loops: 'while (true) {}',
    allocates: 'const hog: Uint8Array[] = [];\nfor (let i = 0; i < 10; i++) hog.push(new Uint8Array(1 << 30).fill(1));',
    prints: "for (let i = 0; i < 2000; i++) console.log('x'.repeat(10000));",
    writes: `import * as fs from 'fs';\nconst masters = ${JSON.stringify(path.dirname(master))};\nconsole.log('masters visible: ' + (fs.existsSync(masters) ? fs.readdirSync(masters).length : 0));\nfs.writeFileSync(${JSON.stringify(victim)}, 'overwritten');`,
  };
  for (const [name, code] of Object.entries(broken)) fs.writeFileSync(path.join(dir, `${number}-${name}.ipynb`), notebookOf([code], slug));
  const started = Date.now();
  const { grades, sandbox } = await gradeDirectory(dir, tasksOf, { quick: true, timeoutSeconds: 20, memoryMB: 1500, outputBytes: 200_000, jobs: 2 }, (l) => t.log(l));
  t.log(`graded ${grades.length} broken submissions in ${Math.round((Date.now() - started) / 1000)} s; sandbox: ${sandbox}`);
  t.is(grades.length, 4);
  for (const g of grades) t.is(g.total, 0, g.submission);
  t.regex(byName(grades, `${number}-loops.ipynb`).firstFailure, /did not finish within the time limit of 20 s/);
  t.regex(byName(grades, `${number}-allocates.ipynb`).firstFailure, /used more than 1500 MB|kernel died/);
  t.regex(byName(grades, `${number}-prints.ipynb`).firstFailure, /printed more than 200000 bytes/);
  t.regex(byName(grades, `${number}-writes.ipynb`).firstFailure, sandboxAvailable() ? /tried to write outside its folder/ : /changed files outside its folder/);
  if (sandboxAvailable()) {
    t.is(fs.readFileSync(victim, 'utf8'), 'untouched\n');
    // The sandbox hides the masters' solutions from the notebook.
    t.true(fs.readFileSync(path.join(dir, 'graded', `${number}-writes.ipynb`), 'utf8').includes('masters visible: 0'));
  }
  t.true(fs.existsSync(path.join(dir, 'grades.json')));
  fs.rmSync(dir, { recursive: true, force: true });
});
