/**
 * `npm run course:full [-- NN ...] [--force] [--rewrite]`: the course as a student runs it. Executes
 * each lesson's notebook in full mode (GENLAB_QUICK unset) through the real tslab kernel, records
 * every number its cells state with `course.record`, and merges them into the ledger
 * (lessons/measured.json). See README, "Full runs and the ledger", and CONTRIBUTING, "Numbers in lessons".
 *
 * Per lesson it writes results/course/NN-slug/: the executed notebook (NN-slug.ipynb), the quick
 * run's copy (quick.ipynb) and record.json (provenance, seconds per cell, the recorded numbers).
 *
 * - Resume: a lesson whose inputs (its Markdown and notebook, src/**, package-lock.json and the
 *   runner's own files) hash as at its last successful run is skipped, unless --force.
 * - Per-cell limits: a cell's first line may state its length (`// full run: about 12 min`); the
 *   limit is LIMIT_MULTIPLE x that + LIMIT_MARGIN. Otherwise, when the cell is unchanged since the
 *   last recorded run, LIMIT_MULTIPLE x its seconds then + LIMIT_MARGIN; otherwise NEVER_RUN_LIMIT.
 * - Each lesson also runs once in quick mode first (seconds): a cheap smoke test, and the
 *   `NN.run.quickMinutes` its header line quotes, next to `NN.run.fullMinutes`.
 * - A lesson that fails (cell error, time limit) is reported with its cell and message, its
 *   numbers stay out of the ledger, and the runner exits 1 after the remaining lessons.
 * - --rewrite: afterwards, rewrite every tied number in lessons/*.md and README.md from the
 *   ledger, then rebuild the notebooks.
 *
 * The runs keep their checkpoints in results/course/checkpoints/ (lesson 02 saves its GAN there and
 * lesson 04 loads it, so run 02 before 04), never in the student's checkpoints/.
 * --root DIR runs the lessons of another tree (DIR/lessons, DIR/notebooks, DIR/results/course,
 * DIR/lessons/measured.json): for trying the runner on fixtures without touching the course.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import type { RecordedNumber } from '../src/course';
import { GenlabError } from '../src/errors';
import { damagedFile, jsonProblem, writeFileAtomic } from '../src/files';
import { parseCommand, run, UsageError } from './args';
import { mergeRun, readRecordFile, rewriteAll, readLedger, ledgerPath } from './ledger';
import { findPython, indent, runNotebook, selectNotebooks, type NotebookRun } from './notebook-run';
import { buildNotebook } from './notebooks';
import { finishRun, machine, startRun } from './provenance';

const ROOT = path.resolve(__dirname, '..');
const { install, jupyterEnv } = require('./kernel') as {
  install(): void;
  jupyterEnv(extra: Record<string, string>): NodeJS.ProcessEnv;
};

/** A cell's limit is this multiple of its stated or last measured length, plus LIMIT_MARGIN seconds. */
export const LIMIT_MULTIPLE = 3;
export const LIMIT_MARGIN = 120;
/** The limit of a cell that states no length and has no recorded run (30 min). */
export const NEVER_RUN_LIMIT = 1800;

/** `// full run: about 12 min` (or `90 s`, `1.5 h`) on a cell's first line -> seconds. */
export function statedSeconds(source: string): number | undefined {
  const first = source.split('\n')[0] ?? '';
  const m = /^\s*\/\/\s*full run:\s*(?:about\s+|~\s*)?(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|min|mins|minutes?|h|hours?)\b/i.exec(first);
  if (!m) return undefined;
  const unit = m[2].toLowerCase();
  return Number(m[1]) * (unit.startsWith('h') ? 3600 : unit.startsWith('m') ? 60 : 1);
}

interface CellLimit {
  limit: number | null;
  from: 'stated' | 'last run' | 'never run' | 'not code';
}

/** One cell of a run record. */
interface CellRecord {
  index: number;
  id: string | undefined;
  /** sha256 of the cell's source: a changed cell does not inherit the last run's seconds. */
  source: string;
  seconds: number | null;
  limit: number | null;
  limitFrom: CellLimit['from'];
}

/** results/course/NN-slug/record.json */
export interface LessonRecord {
  lesson: string;
  slug: string;
  status: 'ok' | 'failed';
  error?: { cell: number; message: string; timeout?: boolean; limit?: number | null };
  inputsHash: string;
  provenance: ReturnType<typeof finishRun>;
  seconds: { total: number; quick: number | null; cells: CellRecord[] };
  numbers: RecordedNumber[];
}

interface NotebookCell {
  id?: string;
  cell_type: string;
  source: string | string[];
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
const sourceOf = (cell: NotebookCell) => (Array.isArray(cell.source) ? cell.source.join('') : cell.source);

/**
 * A never-run lesson's expected seconds: what its cells state on their first lines
 * (`// full run: about 12 min`) plus a minute for the kernel and the short cells; undefined when
 * no cell states anything.
 */
function statedEstimate(notebook: string): number | undefined {
  const cells = (JSON.parse(fs.readFileSync(notebook, 'utf8')) as { cells: NotebookCell[] }).cells;
  const stated = cells.filter((c) => c.cell_type === 'code').map((c) => statedSeconds(sourceOf(c)) ?? 0);
  const total = stated.reduce((sum, seconds) => sum + seconds, 0);
  return total > 0 ? total + 60 : undefined;
}

/** Per-cell limits for `cells`, from what they state or from the previous run's record. */
export function cellLimits(cells: NotebookCell[], previous: LessonRecord | undefined): CellLimit[] {
  return cells.map((cell, index) => {
    if (cell.cell_type !== 'code') return { limit: null, from: 'not code' };
    const source = sourceOf(cell);
    const stated = statedSeconds(source);
    if (stated !== undefined) return { limit: Math.round(LIMIT_MULTIPLE * stated + LIMIT_MARGIN), from: 'stated' };
    const before = previous?.seconds.cells.find((c) => c.id === cell.id && c.source === sha256(source) && c.seconds !== null);
    if (before) return { limit: Math.round(LIMIT_MULTIPLE * before.seconds! + LIMIT_MARGIN), from: 'last run' };
    return { limit: NEVER_RUN_LIMIT, from: 'never run' };
  });
}

/** Every file under `dir` (recursively), skipping build output and installed packages. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : filesUnder(full);
    return entry.name.endsWith('.tsbuildinfo') ? [] : [full];
  });
}

/** The hash of what a lesson's full run depends on: change any of these and it runs again. */
export function inputsHash(lessonFile: string, notebook: string): string {
  const files = [
    lessonFile,
    notebook,
    ...filesUnder(path.join(ROOT, 'src')).sort(),
    path.join(ROOT, 'package-lock.json'),
    ...['course-full.ts', 'notebook-run.ts', 'run_notebook.py', 'ledger.ts', 'provenance.ts'].map((f) => path.join(__dirname, f)),
  ];
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(path.relative(ROOT, file) + '\0');
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : 'missing');
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * A lesson's last record.json, or undefined when it has none. A damaged one (cut off, not JSON,
 * not a record) is reported with its path and the command that writes it again; with `--force`
 * it is only a warning, and the lesson runs as if it had no record.
 */
export function readRecord(file: string, lesson: string, force = false): LessonRecord | undefined {
  if (!fs.existsSync(file)) return undefined;
  const role = { caller: 'course:full', rebuild: `run the lesson again with \`npm run course:full -- ${lesson} --force\` (it writes a new one)` };
  const text = fs.readFileSync(file, 'utf8');
  let problem: string | undefined;
  let parsed: Partial<LessonRecord> | undefined;
  try {
    parsed = JSON.parse(text) as Partial<LessonRecord>;
  } catch {
    problem = jsonProblem(text);
  }
  if (problem === undefined) {
    const r = parsed;
    const ok = r !== null && typeof r === 'object' && (r.status === 'ok' || r.status === 'failed') && typeof r.inputsHash === 'string' && typeof r.seconds?.total === 'number' && Array.isArray(r.seconds?.cells) && Array.isArray(r.numbers) && typeof r.provenance?.date === 'string';
    if (!ok) problem = 'not a lesson record (status, inputsHash, seconds, numbers or provenance missing)';
  }
  if (problem === undefined) return parsed as LessonRecord;
  const error = damagedFile(role, file, problem);
  if (!force) throw error;
  console.log(`${error.message}; --force: running it without its last record`);
  return undefined;
}

const minutes = (seconds: number) => `${(seconds / 60).toFixed(seconds < 600 ? 1 : 0)} min`;

/** The backend line initBackend printed into the executed notebook, for a lesson that records nothing. */
function backendFromOutputs(executed: string): { backend?: string; threads?: number } {
  if (!fs.existsSync(executed)) return {};
  const m = /genlab: backend (\w+)(?:, (\d+) threads)?/.exec(fs.readFileSync(executed, 'utf8'));
  return m ? { backend: m[1], threads: m[2] ? Number(m[2]) : 1 } : {};
}

const runNumber = (lesson: string, name: string, value: number, label: string, quickRun: boolean): RecordedNumber => ({
  key: `${lesson}.run.${name}`,
  value,
  unit: ' min',
  digits: 1,
  label,
  quick: quickRun,
  backend: undefined,
  threads: undefined,
  at: 0,
});

async function main() {
  const args = parseCommand('course:full', process.argv.slice(2), {
    usage: 'usage: npm run course:full [-- NN ...] [--force] [--rewrite] [--no-quick] [--root DIR]',
    positionals: { help: 'lesson numbers or parts of notebook names (default: every lesson)' },
    flags: {
      force: { kind: 'boolean', help: 'run the lessons even when nothing they depend on changed' },
      rewrite: { kind: 'boolean', help: 'afterwards, rewrite the tied numbers in lessons/*.md and README.md from the ledger and rebuild the notebooks' },
      'no-quick': { kind: 'boolean', help: 'skip the quick-mode run of each lesson (NN.run.quickMinutes is then not updated)' },
      root: { kind: 'string', default: ROOT, help: 'the tree whose lessons/ and notebooks/ to run' },
    },
  });
  const root = path.resolve(args.root);
  const lessonsDir = path.join(root, 'lessons');
  const notebooksDir = path.join(root, 'notebooks');
  const outDir = path.join(root, 'results', 'course');
  // The runs' own checkpoints (lesson 02 hands its GAN to lesson 04), never a student's.
  const CHECKPOINTS = path.join(outDir, 'checkpoints');
  const ledgerFile = root === ROOT ? ledgerPath() : path.join(lessonsDir, 'measured.json');
  readLedger(ledgerFile); // a broken ledger stops the run before hours of work, not after

  const notebooks = selectNotebooks(notebooksDir, args.positionals);
  if (notebooks.length === 0) throw new UsageError(`course:full: no notebook matches ${args.positionals.join(' ') || '(any)'} in ${notebooksDir}`);

  // Which lessons run, and what each is expected to take (from its last record).
  const plan = notebooks.map((notebook) => {
    const slug = path.basename(notebook, '.ipynb');
    const lesson = /^(\d+)-/.exec(slug)?.[1] ?? slug;
    const lessonFile = path.join(lessonsDir, `${slug}.md`);
    const dir = path.join(outDir, slug);
    const previous = readRecord(path.join(dir, 'record.json'), lesson, args.force === true);
    const hash = inputsHash(lessonFile, notebook);
    const unchanged = previous?.status === 'ok' && previous.inputsHash === hash;
    const estimate = previous
      ? previous.seconds.total + (args['no-quick'] ? 0 : (previous.seconds.quick ?? 0))
      : statedEstimate(notebook);
    return { notebook, slug, lesson, lessonFile, dir, previous, hash, skip: unchanged && !args.force, estimate };
  });
  for (const p of plan.filter((p) => p.skip)) {
    console.log(`${p.slug}: unchanged since its run of ${p.previous!.provenance.date} (${minutes(p.previous!.seconds.total)}), skipped; --force runs it again`);
  }
  const todo = plan.filter((p) => !p.skip);

  const python = todo.length > 0 ? findPython('course:full') : '';
  if (todo.length > 0) install();
  const started = Date.now();
  const failures: string[] = [];
  for (const [i, p] of todo.entries()) {
    const tag = `[${i + 1}/${todo.length}] ${p.slug}`;
    console.log(`${tag}: started${p.estimate ? ` (estimated ${minutes(p.estimate)}${p.previous ? '' : ', from what its cells state'})` : ' (no earlier run to estimate from)'}`);
    fs.mkdirSync(p.dir, { recursive: true });
    const lessonStart = Date.now();

    // Quick mode first: seconds, and a failure here saves the full run's minutes.
    let quick: NotebookRun | undefined;
    if (!args['no-quick']) {
      const quickRecord = path.join(p.dir, 'quick.record.jsonl');
      fs.rmSync(quickRecord, { force: true });
      quick = await runNotebook(python, p.notebook, path.join(p.dir, 'quick.ipynb'), {
        env: jupyterEnv({ GENLAB_QUICK: '1', GENLAB_RECORD: quickRecord, GENLAB_CHECKPOINTS: CHECKPOINTS }),
      });
    }

    const cells = (JSON.parse(fs.readFileSync(p.notebook, 'utf8')) as { cells: NotebookCell[] }).cells;
    const limits = cellLimits(cells, p.previous);
    const recordFile = path.join(p.dir, 'record.jsonl');
    fs.rmSync(recordFile, { force: true });
    const executed = path.join(p.dir, `${p.slug}.ipynb`);
    const begin = startRun(`course:full ${p.lesson}`);
    const full: NotebookRun = quick?.error
      ? { notebook: p.notebook, figures: 0, error: { ...quick.error, message: `in quick mode: ${quick.error.message}` } }
      : await runNotebook(python, p.notebook, executed, {
          env: jupyterEnv({ GENLAB_QUICK: '0', GENLAB_RECORD: recordFile, GENLAB_CHECKPOINTS: CHECKPOINTS }),
          cellLimits: limits.map((l) => l.limit),
        });
    // A record cut off or garbled (a kernel killed mid-write) fails the lesson, naming the file and line.
    let numbers: RecordedNumber[] = [];
    let recordProblem: string | undefined;
    try {
      numbers = readRecordFile(recordFile, `run the lesson again with \`npm run course:full -- ${p.lesson} --force\``);
    } catch (error) {
      if (!(error instanceof GenlabError)) throw error;
      recordProblem = error.message;
    }
    const total = full.seconds ?? (Date.now() - begin.startedAt) / 1000;
    const provenance = finishRun(begin, numbers, backendFromOutputs(executed));
    const ok = !full.error && recordProblem === undefined;
    if (ok) {
      numbers.push(runNumber(p.lesson, 'fullMinutes', total / 60, `lesson ${p.lesson}, full run (minutes)`, false));
      if (quick?.seconds !== undefined) numbers.push(runNumber(p.lesson, 'quickMinutes', quick.seconds / 60, `lesson ${p.lesson}, quick run (minutes)`, true));
      else if (p.previous) numbers.push(...p.previous.numbers.filter((n) => n.key === `${p.lesson}.run.quickMinutes`));
    }
    const record: LessonRecord = {
      lesson: p.lesson,
      slug: p.slug,
      status: ok ? 'ok' : 'failed',
      ...(full.error ? { error: { ...full.error, limit: limits[full.error.cell]?.limit } } : recordProblem ? { error: { cell: -1, message: recordProblem } } : {}),
      inputsHash: p.hash,
      provenance,
      seconds: {
        total,
        quick: quick?.seconds ?? null,
        cells: cells.map((cell, index) => ({
          index,
          id: cell.id,
          source: sha256(sourceOf(cell)),
          seconds: full.cellSeconds?.[index] ?? null,
          limit: limits[index].limit,
          limitFrom: limits[index].from,
        })),
      },
      numbers,
    };
    writeFileAtomic(path.join(p.dir, 'record.json'), JSON.stringify(record, null, 2) + '\n');

    const elapsed = (Date.now() - lessonStart) / 1000;
    const sinceStart = (Date.now() - started) / 1000;
    const rest = todo.slice(i + 1);
    const known = rest.filter((r) => r.estimate !== undefined).reduce((s, r) => s + r.estimate!, 0);
    const unknown = rest.filter((r) => r.estimate === undefined).length;
    const toGo = rest.length === 0 ? 'nothing to go' : `about ${minutes(known)} to go${unknown > 0 ? ` (+ ${unknown} lesson(s) never run)` : ''}`;
    const estimated = p.estimate ? ` (estimated ${minutes(p.estimate)})` : '';
    if (ok) {
      const merged = mergeRun(numbers, provenance, { lesson: p.lesson }, { replace: true, file: ledgerFile });
      console.log(`${tag}: done in ${minutes(elapsed)}${estimated}; ${merged.keys.length} numbers into the ledger; total ${minutes(sinceStart)}, ${toGo}`);
    } else if (!full.error) {
      failures.push(`${p.slug}: ${recordProblem}`);
      console.log(`${tag}: FAILED in ${minutes(elapsed)}: its numbers could not be read; they stay out of the ledger; total ${minutes(sinceStart)}, ${toGo}`);
      console.log(indent(recordProblem!));
    } else {
      const e = full.error!;
      const limit = limits[e.cell];
      const what = e.timeout ? `went over its limit of ${limit?.limit} s (${limit?.from})` : 'failed';
      const firstLine = cells[e.cell] ? sourceOf(cells[e.cell]).split('\n')[0].slice(0, 80) : '';
      failures.push(`${p.slug}: cell ${e.cell}${firstLine ? ` (${firstLine})` : ''} ${what}`);
      console.log(`${tag}: FAILED in ${minutes(elapsed)}: cell ${e.cell} ${what}; its numbers stay out of the ledger; total ${minutes(sinceStart)}, ${toGo}`);
      console.log(indent(e.message));
    }
  }

  if (args.rewrite) {
    const changes = rewriteAll(root, readLedger(ledgerFile));
    for (const c of changes) console.log(`rewritten ${c.file}:${c.line}: ${c.key} -> ${c.written}`);
    const rebuilt = rebuildNotebooks(lessonsDir, notebooksDir);
    console.log(`--rewrite: ${changes.length} tied number(s) rewritten, ${rebuilt} notebook(s) rebuilt`);
  }
  if (todo.length > 0) {
    console.log(`course:full: ${todo.length - failures.length} lesson(s) done, ${failures.length} failed, ${plan.length - todo.length} skipped, in ${minutes((Date.now() - started) / 1000)} on ${machine().cores} cores`);
  }
  for (const f of failures) console.log(`FAILED ${f}`);
  process.exit(failures.length > 0 ? 1 : 0);
}

/** `npm run notebooks` for `lessonsDir` (the course's, or a fixture's): rebuilds what changed. */
function rebuildNotebooks(lessonsDir: string, notebooksDir: string): number {
  let count = 0;
  for (const lesson of fs.readdirSync(lessonsDir).filter((f) => /^\d+-.*\.md$/.test(f))) {
    const slug = path.basename(lesson, '.md');
    const target = path.join(notebooksDir, `${slug}.ipynb`);
    const built = buildNotebook(fs.readFileSync(path.join(lessonsDir, lesson), 'utf8'), slug);
    if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === built) continue;
    writeFileAtomic(target, built);
    count++;
  }
  return count;
}

if (require.main === module) run(main);
