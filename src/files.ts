/**
 * Files written so that nothing is lost: a process killed in the middle of a write (SIGKILL, a
 * kernel restart, a full disk) leaves the previous file as it was, never half of a new one.
 *
 *   writeFileAtomic(file, data)        data goes to `file.tmp-<pid>-<random>` beside `file`, is
 *                                      flushed to disk (fsync), then renamed over `file`; the folder
 *                                      is flushed too, where the file system allows it. A rename
 *                                      within one folder is atomic on POSIX file systems: a reader
 *                                      sees the old file or the new one.
 *   writeDirectoryAtomic(dir, files)   several files that must change together (a judge, a
 *                                      checkpoint snapshot): written into a temporary folder, which
 *                                      then replaces `dir` (the old one is moved aside first and
 *                                      removed last; `recoverDirectory` puts it back if a process
 *                                      died between the two renames).
 *   appendLine(file, line)             one JSON line appended with a single write; a line left cut
 *                                      off by a killed writer is removed first.
 *
 * Readers get the other half: `readJsonFile`, `readJsonLines` and `checkLength` throw a
 * GenlabError that names the file, what is wrong with it ("truncated: 1,204 of 7,840,016 bytes",
 * "not JSON at line 3, column 7") and the command that rebuilds it — never JSON.parse's message.
 *
 * Temporaries of a writer that died are left beside the file (`file.tmp-<pid>-<random>`); no reader
 * ever opens them, and the next write of the same file removes those of processes no longer alive.
 * Only Node's own fs: the few calls this needs do not justify a dependency.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import { GenlabError } from './errors';

/** What a temporary beside `name` is called: `name.tmp-<pid>-<random hex>`. */
export const TEMPORARY_SUFFIX = /\.tmp-(\d+)-[0-9a-f]+$/;
/** A folder moved aside by `writeDirectoryAtomic`: `name.old-<pid>-<random hex>`. */
const OLD_SUFFIX = /\.old-(\d+)-[0-9a-f]+$/;

/** A fresh temporary name beside `file` (same folder, so the rename stays within one file system). */
export function temporaryPath(file: string): string {
  return `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
}

/** True when `name` (a file or folder name) is a temporary of some writer. */
export function isTemporary(name: string): boolean {
  return TEMPORARY_SUFFIX.test(name) || OLD_SUFFIX.test(name);
}

/** Writes all of `data` to the open `fd`, then flushes it to disk. */
function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let done = 0;
  while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
  fs.fsyncSync(fd);
}

/** Creates `file` (which must not exist) with `data`, flushed to disk. */
function writeNewFile(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'wx');
  try {
    writeAll(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}

/** Flushes a folder's entries (renames) to disk; some file systems cannot, and then this does nothing. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Not supported here (some network and Windows file systems): the rename is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temporaries beside `target` left by processes that are no longer running. */
export function removeStaleTemporaries(target: string): void {
  const dir = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const m = TEMPORARY_SUFFIX.exec(name) ?? OLD_SUFFIX.exec(name);
    if (!m || name.length !== base.length + m[0].length || alive(Number(m[1]))) continue;
    if (OLD_SUFFIX.test(name) && !fs.existsSync(target)) continue; // the only copy left: recoverDirectory's business
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Writes `data` to `file` atomically: to a temporary name in the same folder, flushed, renamed
 * over `file`, folder flushed. Creates the folder if needed. Returns the absolute path.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): string {
  const target = path.resolve(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = temporaryPath(target);
  try {
    writeNewFile(temporary, data);
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(path.dirname(target));
  removeStaleTemporaries(target);
  return target;
}

/**
 * Puts back a folder that `writeDirectoryAtomic` had moved aside when the process replacing it
 * died before moving the new one in (the only moment `dir` is missing). Does nothing otherwise.
 */
export function recoverDirectory(dir: string): void {
  const target = path.resolve(dir);
  if (fs.existsSync(target)) return;
  const base = path.basename(target);
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(target));
  } catch {
    return;
  }
  const aside = names.filter((n) => n.startsWith(`${base}.old-`) && OLD_SUFFIX.test(n) && n.length > base.length);
  if (aside.length === 0) return;
  // The newest one moved aside is the last complete folder.
  const newest = aside.map((n) => path.join(path.dirname(target), n)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  fs.renameSync(newest, target);
}

/**
 * Replaces the folder `dir` by one holding exactly `files` (name -> content; names may not contain
 * '/'): every file is written and flushed in a temporary folder beside `dir`, which then takes
 * its place. A reader sees the old folder or the new one, never a mix. Returns the absolute path.
 */
export function writeDirectoryAtomic(dir: string, files: Record<string, string | Uint8Array>): string {
  const target = path.resolve(dir);
  for (const name of Object.keys(files)) {
    if (name === '' || name !== path.basename(name) || name === '.' || name === '..') {
      throw new GenlabError(`writeDirectoryAtomic: file names must be plain names inside ${target}, got '${name}'`);
    }
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  recoverDirectory(target);
  const temporary = temporaryPath(target);
  fs.mkdirSync(temporary);
  try {
    for (const [name, data] of Object.entries(files)) writeNewFile(path.join(temporary, name), data);
    syncDirectory(temporary);
    if (fs.existsSync(target)) {
      const aside = `${target}.old-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
      fs.renameSync(target, aside);
      fs.renameSync(temporary, target);
      syncDirectory(path.dirname(target));
      fs.rmSync(aside, { recursive: true, force: true });
    } else {
      fs.renameSync(temporary, target);
      syncDirectory(path.dirname(target));
    }
  } catch (error) {
    fs.rmSync(temporary, { recursive: true, force: true });
    recoverDirectory(target);
    throw error;
  }
  removeStaleTemporaries(target);
  return target;
}

/**
 * Appends `line` (one line of text, no line break in it) and a line break to `file`, in one write.
 * If the file ends in a line cut off by a writer that was killed mid-write, that fragment is
 * removed first (with a warning on stderr), so that every line of the file stays whole.
 */
export function appendLine(file: string, line: string): void {
  if (/[\r\n]/.test(line)) throw new GenlabError(`appendLine: line must be one line of text, got one with a line break (${JSON.stringify(line.slice(0, 60))}…)`);
  const fd = fs.openSync(file, 'a+');
  try {
    const size = fs.fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) {
        const keep = completeLinesLength(fd, size);
        fs.ftruncateSync(fd, keep);
        process.stderr.write(`genlab: ${file} ended in a line cut off after ${(size - keep).toLocaleString('en-US')} bytes (a process stopped mid-write); removed it\n`);
      }
    }
    const bytes = Buffer.from(line + '\n', 'utf8');
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
  } finally {
    fs.closeSync(fd);
  }
}

/** The length of the part of a file of `size` bytes up to and including its last line break. */
function completeLinesLength(fd: number, size: number): number {
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const n = fs.readSync(fd, chunk, 0, end - start, start);
    const at = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Reading, with messages that name the file, the damage and the command that rebuilds it

/** How a reader describes the file it reads, for its messages. */
export interface FileRole {
  /** The function or command reading it, first in the message: 'loadCheckpoint'. */
  caller: string;
  /** What rebuilds the file, as the message says it: 'rebuild it with `npm run datasets`'. */
  rebuild: string;
}

/** The error for a damaged file: `caller: file is <problem>; <rebuild>`. */
export function damagedFile(role: FileRole, file: string, problem: string): GenlabError {
  return new GenlabError(`${role.caller}: ${file} is ${problem}; ${role.rebuild}`);
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Checks that `bytes` read from `file` have the length (and, when given, the sha256) the file's
 * own record says: "truncated: 1,204 of 7,840,016 bytes", "too long: …", "corrupt: its sha256 …".
 */
export function checkLength(role: FileRole, file: string, bytes: Uint8Array, expected: { bytes: number; sha256?: string }): void {
  if (bytes.byteLength < expected.bytes) throw damagedFile(role, file, `truncated: ${count(bytes.byteLength)} of ${count(expected.bytes)} bytes`);
  if (bytes.byteLength > expected.bytes) throw damagedFile(role, file, `too long: ${count(bytes.byteLength)} bytes where ${count(expected.bytes)} were written`);
  if (expected.sha256 !== undefined) {
    const digest = crypto.createHash('sha256').update(bytes).digest('hex');
    if (digest !== expected.sha256) throw damagedFile(role, file, `corrupt: its sha256 is ${digest.slice(0, 12)}…, ${expected.sha256.slice(0, 12)}… was written`);
  }
}

/** Reads a whole file, or throws naming it and the command that rebuilds it when it is missing. */
export function readFileChecked(role: FileRole, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw damagedFile(role, file, 'missing');
    if (code === 'EISDIR') throw damagedFile(role, file, 'a folder, not a file');
    throw damagedFile(role, file, `unreadable (${code ?? (error as Error).message})`);
  }
}

/** The parsed JSON of `file`, or a GenlabError naming the file, the line and column, and the rebuild. */
export function readJsonFile<T = unknown>(role: FileRole, file: string): T {
  return parseJson<T>(role, file, readFileChecked(role, file).toString('utf8'));
}

/** `text` (the content of `file`) parsed as JSON; see `readJsonFile`. */
export function parseJson<T = unknown>(role: FileRole, file: string, text: string, lineOffset = 0): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw damagedFile(role, file, jsonProblem(text, lineOffset));
  }
}

/**
 * One JSON value per line (a run record). Blank lines are skipped. A last line without a line
 * break that is not JSON is a write cut off by a killed process: with `tornEnd: 'skip'` it is left
 * out (and returned as `torn`), otherwise it is reported like any other damaged line.
 */
export function readJsonLines<T = unknown>(role: FileRole, file: string, options: { tornEnd?: 'skip' | 'throw' } = {}): { values: T[]; torn?: { line: number; bytes: number } } {
  const text = readFileChecked(role, file).toString('utf8');
  const lines = text.split('\n');
  const values: T[] = [];
  let torn: { line: number; bytes: number } | undefined;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const last = i === lines.length - 1; // no line break after it
    try {
      values.push(JSON.parse(line) as T);
    } catch {
      if (last) {
        if (options.tornEnd === 'skip') {
          torn = { line: i + 1, bytes: Buffer.byteLength(line) };
          return;
        }
        throw damagedFile(role, file, `cut off at line ${i + 1} (${count(Buffer.byteLength(line))} bytes without a line break: the process writing it was stopped mid-write)`);
      }
      throw damagedFile(role, file, jsonProblem(line, i));
    }
  });
  return torn ? { values, torn } : { values };
}

/** What is wrong with `text` as JSON, with the line and column: "not JSON at line 3, column 7 (…)". */
export function jsonProblem(text: string, lineOffset = 0): string {
  if (text.trim() === '') return `empty (${count(Buffer.byteLength(text))} bytes, no JSON)`;
  const at = jsonErrorOffset(text);
  const before = text.slice(0, at);
  const line = before.split('\n').length + lineOffset;
  const column = at - before.lastIndexOf('\n');
  if (at >= text.length) return `truncated: the JSON stops at line ${line} after ${count(Buffer.byteLength(text))} bytes`;
  const near = JSON.stringify(text.slice(at, at + 12));
  return `not JSON at line ${line}, column ${column} (at ${near})`;
}

/**
 * The offset of the first character where `text` stops being JSON (text.length when it is cut
 * off, i.e. valid up to its end but incomplete). A small scanner: no values are built.
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  class Stop {
    constructor(readonly at: number) {}
  }
  const stop = (at: number): never => {
    throw new Stop(Math.min(at, text.length));
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string) => {
    for (const c of word) if (text[i++] !== c) stop(i - 1);
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) stop(i);
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === undefined) stop(i + 1);
        if (e === 'u') {
          for (let k = 2; k < 6; k++) {
            if (i + k >= text.length) stop(text.length);
            if (!/[0-9a-fA-F]/.test(text[i + k])) stop(i + k);
          }
          i += 6;
        } else if ('"\\/bfnrt'.includes(e)) i += 2;
        else stop(i + 1);
      } else if (c < ' ') stop(i);
      else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-') stop(i + (m ? 1 : 0));
    i += m![0].length;
    if (i >= text.length) return;
    if (/[.eE]/.test(text[i])) stop(i + 1 >= text.length ? text.length : i);
  };
  /** The members of an object or array after its opening bracket, up to `close`. */
  const members = (close: string, member: () => void): void => {
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      space();
      if (i >= text.length) stop(i);
      const next = text[i++];
      if (next === close) return;
      if (next !== ',') stop(i - 1);
    }
  };
  const value = (): void => {
    space();
    if (i >= text.length) stop(i);
    const c = text[i];
    if (c === '{') return members('}', () => {
      space();
      if (i >= text.length) stop(i);
      if (text[i] !== '"') stop(i);
      string();
      space();
      if (i >= text.length) stop(i);
      if (text[i++] !== ':') stop(i - 1);
      value();
    });
    if (c === '[') return members(']', value);
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    stop(i);
  };
  try {
    value();
    space();
    return i < text.length ? i : text.length; // trailing garbage, or (not reached) valid
  } catch (error) {
    if (error instanceof Stop) return error.at;
    throw error;
  }
}
