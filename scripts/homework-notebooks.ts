/**
 * Assignments -> notebooks. `homework/source/NN-slug.md` is the master of an assignment (the
 * lessons' format: ```ts fences become code cells). A task's code cell starts with
 * `// task: NN.name`; its solution sits between `// BEGIN SOLUTION` and `// END SOLUTION` lines.
 * The student's copy, `homework/release/NN-slug.ipynb`, has each block replaced by a stub that
 * throws `homework.NotImplemented`, which the check reports as "not implemented yet".
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildNotebook, ROOT } from './notebooks';
import { writeFileAtomic } from '../src/files';

export const SOURCE_DIR = path.join(ROOT, 'homework', 'source');
export const RELEASE_DIR = path.join(ROOT, 'homework', 'release');
export const WRONG_DIR = path.join(ROOT, 'tests', 'fixtures', 'homework', 'wrong');

const TASK_LINE = /^\s*\/\/\s*task:\s*(\d\d\.[A-Za-z][A-Za-z0-9-]*)\s*$/;
const BEGIN = /^(\s*)\/\/\s*BEGIN SOLUTION\s*$/;
const END = /^\s*\/\/\s*END SOLUTION\s*$/;

/** One solution block: its task, the lines it spans (BEGIN and END included, 0-based) and its indent. */
export interface SolutionBlock {
  taskId: string;
  begin: number;
  end: number;
  indent: string;
  /** The solution's own lines, between the markers. */
  text: string;
}

/** The masters, in course order. */
export function masterFiles(dir = SOURCE_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d\d-[a-z0-9-]+\.md$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** 'homework/source/04-vae.md' -> '04-vae'. */
export function slugOf(file: string): string {
  return path.basename(file).replace(/\.(md|ipynb)$/, '');
}

export function releasePathFor(master: string, dir = RELEASE_DIR): string {
  return path.join(dir, `${slugOf(master)}.ipynb`);
}

/** The solution blocks of a master, checked for well-formed markers (errors name the line). */
export function solutionBlocks(markdown: string, file = 'master'): SolutionBlock[] {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const blocks: SolutionBlock[] = [];
  let task: string | undefined;
  let open: { begin: number; indent: string; task: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line) && !open) task = undefined; // a task line holds for its own cell only
    const t = TASK_LINE.exec(line);
    if (t) task = t[1];
    const b = BEGIN.exec(line);
    if (b) {
      if (open) throw new Error(`${file}:${i + 1}: BEGIN SOLUTION inside the block opened at line ${open.begin + 1}`);
      if (!task) throw new Error(`${file}:${i + 1}: BEGIN SOLUTION without a \`// task: NN.name\` line above it in the same cell`);
      open = { begin: i, indent: b[1], task };
    } else if (END.test(line)) {
      if (!open) throw new Error(`${file}:${i + 1}: END SOLUTION without a BEGIN SOLUTION`);
      blocks.push({ taskId: open.task, begin: open.begin, end: i, indent: open.indent, text: lines.slice(open.begin + 1, i).join('\n') });
      open = undefined;
    }
  }
  if (open) throw new Error(`${file}:${open.begin + 1}: BEGIN SOLUTION is never closed`);
  const seen = new Set<string>();
  for (const b of blocks) {
    if (seen.has(b.taskId)) throw new Error(`${file}:${b.begin + 1}: task ${b.taskId} has a second solution block`);
    seen.add(b.taskId);
  }
  return blocks;
}

/**
 * The master with the blocks replaced: by `replace(block)` when it returns text (indented to the
 * block's indent), by the "not implemented" stub otherwise. The markers go too.
 */
export function replaceBlocks(markdown: string, replace: (block: SolutionBlock) => string | undefined = () => undefined, file = 'master'): string {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const blocks = solutionBlocks(markdown, file);
  for (const block of [...blocks].reverse()) {
    const own = replace(block);
    const text = own === undefined ? stubFor(block) : dedent(own.replace(/\s+$/, ''));
    const indented = text.split('\n').map((l) => (l.trim() === '' ? '' : block.indent + l));
    lines.splice(block.begin, block.end - block.begin + 1, ...indented);
  }
  return lines.join('\n');
}

/**
 * The student's starting point for a block. Inside a function: a throw the check reports as "not
 * implemented yet". At the top level of a cell, a comment: tslab forgets the declarations of a
 * cell that throws, and the names declared above the block must stay defined (still undefined,
 * which the check reports as "not implemented yet").
 */
export function stubFor(block: SolutionBlock): string {
  return block.indent === ''
    ? `// ${block.taskId}: your code here (until then the check says "not implemented yet")`
    : `throw new homework.NotImplemented('${block.taskId}');`;
}

/** Text with its common leading indentation removed. */
export function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(Math.min(cut, l.length))).join('\n');
}

/** The master with its markers removed (solutions kept): what the instructor's copy runs. */
export function masterMarkdown(markdown: string, file = 'master'): string {
  return replaceBlocks(markdown, (b) => b.text, file);
}

/** Notebook JSON text for an assignment's Markdown, with the assignment named in its metadata. */
export function assignmentNotebook(markdown: string, slug: string): string {
  const nb = JSON.parse(buildNotebook(markdown, slug));
  nb.metadata.genlab = { assignment: slug };
  return JSON.stringify(nb, null, 1) + '\n';
}

/** The student's copy of a master, as notebook JSON text. */
export function releaseNotebook(master: string): string {
  return assignmentNotebook(replaceBlocks(fs.readFileSync(master, 'utf8'), undefined, path.relative(ROOT, master)), slugOf(master));
}

/** The master as a notebook (solutions in place). */
export function masterNotebook(master: string): string {
  return assignmentNotebook(masterMarkdown(fs.readFileSync(master, 'utf8'), path.relative(ROOT, master)), slugOf(master));
}

/** True when a notebook has been run (outputs or execution counts): someone's working copy. */
export function hasBeenRun(notebookText: string): boolean {
  try {
    const nb = JSON.parse(notebookText) as { cells: { outputs?: unknown[]; execution_count?: number | null }[] };
    return nb.cells.some((c) => (c.outputs?.length ?? 0) > 0 || (c.execution_count ?? null) !== null);
  } catch {
    return false;
  }
}

/**
 * Writes (or, with write = false, only compares) every release; returns the files that differ.
 * A release that has been run — a student's working copy — is not overwritten unless `force`.
 */
export function releaseAll(write: boolean, sourceDir = SOURCE_DIR, releaseDir = RELEASE_DIR, force = false, skipped: string[] = []): string[] {
  const changed: string[] = [];
  for (const master of masterFiles(sourceDir)) {
    const target = releasePathFor(master, releaseDir);
    const text = releaseNotebook(master);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
    if (current === text) continue;
    if (write && current !== undefined && !force && hasBeenRun(current)) {
      skipped.push(target);
      continue;
    }
    changed.push(target);
    if (write) {
      fs.mkdirSync(releaseDir, { recursive: true });
      writeFileAtomic(target, text);
    }
  }
  return changed;
}

/** The ```ts cells of an assignment's Markdown, as source strings, in order. */
export function codeCells(markdown: string): string[] {
  const nb = JSON.parse(buildNotebook(markdown, 'cells'));
  return nb.cells.filter((c: { cell_type: string }) => c.cell_type === 'code').map((c: { source: string[] }) => c.source.join(''));
}
