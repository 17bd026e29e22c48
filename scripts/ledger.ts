/**
 * The ledger (`lessons/measured.json`) and the ties that bind prose to it.
 *
 * A measured number in a lesson or the README is tied to a ledger key by an HTML comment right
 * after it, which Jupyter does not show:
 *
 *   the EMA generator draws **93.1%**<!-- ledger: 02.mnist.emaRecognisable --> recognisable digits
 *
 * The tied number is the last numeric literal before the comment on the same line (after the
 * previous tie, if any): thousands separators, a sign and decimals are part of it; `**`, `%`,
 * units and other markup are not. It must equal the ledger value rounded to the decimals
 * written. Ties inside code (fences or `inline code`) are examples, not ties.
 *
 *   npx tsx scripts/ledger.ts check      # every tie in lessons/*.md and README.md
 *   npx tsx scripts/ledger.ts rewrite    # rewrite the tied numbers from the ledger
 *
 * The ledger is written only by `mergeRun` (course:full, experiments, bench, judge:train): one
 * entry per key with its value and how it is shown, and the provenance of the run that measured
 * it, each written to a temporary file and renamed into place.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { RecordedNumber } from '../src/course';
import { damagedFile, readJsonFile, readJsonLines, writeFileAtomic, type FileRole } from '../src/files';

export const ROOT = path.resolve(__dirname, '..');

/** The committed ledger, or GENLAB_LEDGER (for trying the runner without touching it). */
export function ledgerPath(): string {
  return process.env.GENLAB_LEDGER ? path.resolve(process.env.GENLAB_LEDGER) : path.join(ROOT, 'lessons', 'measured.json');
}

/** Where and on what a run measured: enough to judge whether two numbers are comparable. */
export interface Provenance {
  /** What produced the numbers: 'course:full 02', 'experiment dcgan-steps --name base', 'bench'. */
  command: string;
  commit: string;
  /** Whether the work tree had uncommitted changes (the commit then does not tell all). */
  dirty: boolean;
  /** When the run started (ISO 8601, UTC). */
  date: string;
  backend: string | undefined;
  threads: number | undefined;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; platform: string };
  /** One-minute load average at the start and the end of the run. */
  load: { start: number; end: number };
  /** Wall time of the run. */
  seconds: number;
}

/** One number in the ledger. */
export interface LedgerValue {
  value: number;
  unit: string;
  digits: number;
  label: string;
  /** The lesson ('02') or the experiment / script ('dcgan-steps', 'bench') that records it. */
  lesson?: string;
  experiment?: string;
  /** The key of its run in `runs`. */
  run: string;
}

export interface Ledger {
  version: 1;
  /** Provenance of every run a value refers to, by run id ('02@2026-12-06T08:40:00.000Z'). */
  runs: Record<string, Provenance>;
  values: Record<string, LedgerValue>;
}

export const EMPTY_LEDGER: Ledger = { version: 1, runs: {}, values: {} };

/** How a damaged ledger is reported: it is committed, so git has the last good one. */
export function ledgerRole(file: string): FileRole {
  const name = path.relative(ROOT, file);
  const committed = !name.startsWith('..') && !path.isAbsolute(name);
  return {
    caller: 'ledger',
    rebuild: committed
      ? `restore it with \`git checkout -- ${name}\` (it is committed), or record it again with \`npm run course:full -- --force\``
      : 'record it again: re-run the command that wrote it (`npm run course:full`, `npm run experiment -- NAME`)',
  };
}

/** Reads and validates the ledger; a missing file is an empty ledger. */
export function readLedger(file = ledgerPath()): Ledger {
  if (!fs.existsSync(file)) return structuredClone(EMPTY_LEDGER);
  const role = ledgerRole(file);
  const parsed = readJsonFile<Ledger>(role, file);
  const problems = validateLedger(parsed);
  if (problems.length > 0) {
    const shown = problems.length > 5 ? [...problems.slice(0, 5), `and ${problems.length - 5} more`] : problems;
    throw damagedFile(role, file, `not a valid ledger: ${shown.join('; ')}`);
  }
  return parsed;
}

/** What is wrong with a parsed ledger (empty when nothing). */
export function validateLedger(ledger: unknown): string[] {
  const l = ledger as Partial<Ledger>;
  if (typeof l !== 'object' || l === null) return ['must be a JSON object'];
  const problems: string[] = [];
  if (l.version !== 1) problems.push(`version must be 1, got ${JSON.stringify(l.version)}`);
  if (typeof l.runs !== 'object' || l.runs === null) problems.push('runs must be an object');
  if (typeof l.values !== 'object' || l.values === null) return [...problems, 'values must be an object'];
  for (const [key, v] of Object.entries(l.values)) {
    if (typeof v?.value !== 'number' || !Number.isFinite(v.value)) problems.push(`${key}: value must be a finite number`);
    if (!Number.isInteger(v?.digits)) problems.push(`${key}: digits must be an integer`);
    if (l.runs && !(v?.run in l.runs)) problems.push(`${key}: run '${v?.run}' is not in runs`);
  }
  return problems;
}

/** Writes `ledger` to a temporary file and renames it into place (a reader never sees half of it). */
export function writeLedger(ledger: Ledger, file = ledgerPath()): void {
  const sorted: Ledger = {
    version: 1,
    runs: Object.fromEntries(Object.entries(ledger.runs).sort(([a], [b]) => a.localeCompare(b))),
    values: Object.fromEntries(Object.entries(ledger.values).sort(([a], [b]) => a.localeCompare(b))),
  };
  writeFileAtomic(file, JSON.stringify(sorted, null, 2) + '\n');
}

/**
 * The numbers a run record file (GENLAB_RECORD, one JSON line each) holds; a missing file holds
 * none. A line that is not JSON, or is not a recorded number, or a last line cut off by a process
 * killed mid-write, is reported with the file, the line and `rebuild` (how to record it again).
 */
export function readRecordFile(file: string, rebuild = 'record it again: re-run the lesson or command that wrote it'): RecordedNumber[] {
  if (!fs.existsSync(file)) return [];
  const role: FileRole = { caller: 'readRecordFile', rebuild };
  const { values } = readJsonLines<RecordedNumber>(role, file);
  values.forEach((n, i) => {
    const ok = n !== null && typeof n === 'object' && typeof n.key === 'string' && typeof n.value === 'number' && Number.isFinite(n.value) && Number.isInteger(n.digits);
    if (!ok) throw damagedFile(role, file, `damaged: its number ${i + 1} is not a recorded number (${JSON.stringify(n).slice(0, 80)})`);
  });
  return values;
}

/**
 * Merges one run's numbers into the ledger file (read, change, write atomically). `owner` says
 * whose keys they are; with `replace`, the owner's keys that this run did not record are
 * dropped (a lesson's full run is the whole truth about its keys). A run that recorded the same
 * key twice keeps the last value. Runs no value refers to any more are removed.
 */
export function mergeRun(
  numbers: RecordedNumber[],
  provenance: Provenance,
  owner: { lesson: string } | { experiment: string },
  options: { replace?: boolean; file?: string } = {},
): { runId: string; keys: string[] } {
  const file = options.file ?? ledgerPath();
  const ledger = readLedger(file);
  const name = 'lesson' in owner ? owner.lesson : owner.experiment;
  const runId = `${name}@${provenance.date}`;
  if (options.replace) {
    for (const [key, v] of Object.entries(ledger.values)) {
      if (('lesson' in owner ? v.lesson : v.experiment) === name) delete ledger.values[key];
    }
  }
  const keys: string[] = [];
  for (const n of numbers) {
    ledger.values[n.key] = { value: n.value, unit: n.unit, digits: n.digits, label: n.label, ...owner, run: runId };
    if (!keys.includes(n.key)) keys.push(n.key);
  }
  if (keys.length > 0 || options.replace) ledger.runs[runId] = provenance;
  const used = new Set(Object.values(ledger.values).map((v) => v.run));
  for (const id of Object.keys(ledger.runs)) if (!used.has(id)) delete ledger.runs[id];
  writeLedger(ledger, file);
  return { runId, keys };
}

/** A tie found in Markdown. */
export interface Tie {
  file: string;
  /** 1-based line number. */
  line: number;
  key: string;
  /** The number as written ('1,234.5', '−0.3'), or undefined when the tie follows no number. */
  written?: string;
  /** Its value, and the decimals written. */
  value?: number;
  decimals?: number;
  /** Where the number sits in the line (start, end), for rewriting. */
  span?: [number, number];
}

const TIE = /<!--\s*ledger:\s*([^\s]*)\s*-->/g;
/** A numeric literal: optional sign, thousands-separated or plain digits, optional decimals. */
const NUMBER = /[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+−]?\.\d+/g;

/** The offsets of a line that are inside `inline code`. */
function inlineCode(line: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const re = /(`+)[^`]*?\1/g;
  for (let m = re.exec(line); m; m = re.exec(line)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

/** Parses a written number: '1,234.5' -> 1234.5, '−3' -> -3. */
export function parseWritten(written: string): { value: number; decimals: number } {
  const plain = written.replace(/,/g, '').replace('−', '-');
  const dot = plain.indexOf('.');
  return { value: Number(plain), decimals: dot < 0 ? 0 : plain.length - dot - 1 };
}

/** Every tie in `text` (a Markdown file), outside code fences and inline code. */
export function findTies(text: string, file: string): Tie[] {
  const ties: Tie[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((line, i) => {
    const opening = /^\s*(```+|~~~+)/.exec(line);
    if (opening) {
      if (fence === undefined) fence = opening[1];
      else if (opening[1].startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const code = inlineCode(line);
    let from = 0;
    for (const m of line.matchAll(TIE)) {
      const at = m.index!;
      if (code.some(([a, b]) => at >= a && at < b)) continue;
      const before = line.slice(from, at);
      from = at + m[0].length;
      const numbers = [...before.matchAll(NUMBER)];
      const last = numbers[numbers.length - 1];
      const tie: Tie = { file, line: i + 1, key: m[1] };
      if (last) {
        const start = at - before.length + last.index!;
        tie.written = last[0];
        tie.span = [start, start + last[0].length];
        Object.assign(tie, parseWritten(last[0]));
      }
      ties.push(tie);
    }
  });
  return ties;
}

/** `value` as the ledger shows it with `decimals` decimals, no separators: 93.1249 -> '93.12'. */
export function rounded(value: number, decimals: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: false });
}

/** Problems with the ties against the ledger: one message per bad tie, naming file:line, key and both values. */
export function checkTies(ties: Tie[], ledger: Ledger): string[] {
  const problems: string[] = [];
  for (const t of ties) {
    const where = `${t.file}:${t.line}`;
    const entry = ledger.values[t.key];
    if (t.written === undefined) problems.push(`${where}: the tie to ${t.key} follows no number on its line`);
    else if (!entry) problems.push(`${where}: ${t.key} is tied (written ${t.written}) but is not in the ledger; run the lesson or experiment that records it, or remove the tie`);
    else if (Number(rounded(entry.value, t.decimals!)) !== t.value) {
      problems.push(`${where}: ${t.key} is written ${t.written} but the ledger has ${entry.value} (${rounded(entry.value, t.decimals!)} at the ${t.decimals} decimal(s) written)`);
    }
  }
  return problems;
}

/** `written` replaced by `value` at the same decimals, keeping its separators and sign style. */
export function formatLike(written: string, value: number): string {
  const { decimals } = parseWritten(written);
  const plain = written.replace(/^[-+−]/, '');
  // Separators as written; a number written without them is kept without when it was >= 1,000.
  const grouping = plain.includes(',') || parseWritten(plain).value < 1000;
  let text = Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: grouping });
  const negative = Number(rounded(value, decimals)) < 0;
  if (negative) text = (written.startsWith('−') ? '−' : '-') + text;
  else if (written.startsWith('+')) text = '+' + text;
  return text;
}

/** `text` with every tied number rewritten from the ledger (keys missing from it are left alone). */
export function rewriteTies(text: string, file: string, ledger: Ledger): { text: string; changed: Tie[] } {
  const lines = text.split('\n');
  const changed: Tie[] = [];
  // Right to left within a line, so that earlier spans stay valid.
  for (const t of findTies(text, file).reverse()) {
    const entry = ledger.values[t.key];
    if (!entry || !t.span || t.written === undefined) continue;
    const replacement = formatLike(t.written, entry.value);
    if (replacement === t.written) continue;
    const line = lines[t.line - 1];
    lines[t.line - 1] = line.slice(0, t.span[0]) + replacement + line.slice(t.span[1]);
    changed.push({ ...t, written: replacement });
  }
  return { text: lines.join('\n'), changed: changed.reverse() };
}

/** The Markdown files whose numbers are tied: lessons/*.md and README.md. */
export function tiedFiles(root = ROOT): string[] {
  const lessons = path.join(root, 'lessons');
  return [
    ...fs.readdirSync(lessons).filter((f) => f.endsWith('.md')).sort().map((f) => path.join(lessons, f)),
    path.join(root, 'README.md'),
  ].filter((f) => fs.existsSync(f));
}

/** Every tie of the tied files, with paths relative to `root`. */
export function allTies(root = ROOT): Tie[] {
  return tiedFiles(root).flatMap((f) => findTies(fs.readFileSync(f, 'utf8'), path.relative(root, f)));
}

/**
 * The keys a lesson's own quick run must record: the ties in its Markdown to its own number
 * ('02.…'), except the run's length (`NN.run.…`, written by the runner).
 */
export function ownTiedKeys(lessonFile: string): string[] {
  const lesson = /^(\d+)-/.exec(path.basename(lessonFile))?.[1];
  if (!lesson || !fs.existsSync(lessonFile)) return [];
  const keys = findTies(fs.readFileSync(lessonFile, 'utf8'), lessonFile)
    .map((t) => t.key)
    .filter((k) => k.startsWith(`${lesson}.`) && !k.startsWith(`${lesson}.run.`));
  return [...new Set(keys)];
}

/** The keys `lessonFile`'s prose ties to its own lesson that the run record `recordFile` lacks. */
export function unrecordedTies(lessonFile: string, recordFile: string): string[] {
  const recorded = new Set(readRecordFile(recordFile).map((n) => n.key));
  return ownTiedKeys(lessonFile).filter((key) => !recorded.has(key));
}

/** Rewrites the tied numbers of lessons/*.md and README.md from the ledger; returns the changes. */
export function rewriteAll(root = ROOT, ledger = readLedger()): Tie[] {
  const changes: Tie[] = [];
  for (const file of tiedFiles(root)) {
    const before = fs.readFileSync(file, 'utf8');
    const { text, changed } = rewriteTies(before, path.relative(root, file), ledger);
    if (changed.length === 0) continue;
    writeFileAtomic(file, text);
    changes.push(...changed);
  }
  return changes;
}

function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (rest.length > 0 || (command !== 'check' && command !== 'rewrite')) {
    console.error(`ledger: usage: npx tsx scripts/ledger.ts check|rewrite, got '${process.argv.slice(2).join(' ')}'`);
    process.exit(2);
  }
  const ledger = readLedger();
  if (command === 'check') {
    const ties = allTies();
    const problems = checkTies(ties, ledger);
    for (const p of problems) console.log(p);
    console.log(`ledger: ${ties.length} ties, ${problems.length} problem(s), ${Object.keys(ledger.values).length} keys in the ledger`);
    process.exit(problems.length > 0 ? 1 : 0);
  }
  const changes = rewriteAll(ROOT, ledger);
  for (const c of changes) console.log(`${c.file}:${c.line}: ${c.key} -> ${c.written}`);
  console.log(`ledger: ${changes.length} tied number(s) rewritten`);
}

if (require.main === module) main();

/**
 * A name given on a command line as one part of a ledger key: 'fashion-sc-4500' stays, '0.999'
 * becomes '0_999', 'results/x y' becomes 'results_x_y'.
 */
export function keyPart(name: string | number): string {
  const part = String(name).replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  if (part === '') throw new Error(`keyPart: '${name}' has no letter or digit to make a key of`);
  return part;
}
