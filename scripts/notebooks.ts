/**
 * Lessons -> notebooks. `lessons/NN-slug.md` is the single source of a lesson; this turns it
 * into `notebooks/NN-slug.ipynb` (nbformat 4.5, tslab kernel, no outputs):
 * fenced ```ts blocks become code cells, everything between them becomes markdown cells.
 * It walks markdown-it's token stream, so a ```ts fence inside a list or a quote is still
 * recognised, and text is copied verbatim from the lesson's own lines.
 */
import * as fs from 'fs';
import * as path from 'path';
import MarkdownIt from 'markdown-it';
import { writeFileAtomic } from '../src/files';

export const ROOT = path.resolve(__dirname, '..');
export const LESSONS_DIR = path.join(ROOT, 'lessons');
export const NOTEBOOKS_DIR = path.join(ROOT, 'notebooks');

// Only ```ts fences become cells; ```typescript (or any other language) stays Markdown, so a
// lesson can show code meant for a file of the student's own without running it.
const CODE_LANGUAGES = new Set(['ts']);

interface Cell {
  id: string;
  cell_type: 'markdown' | 'code';
  metadata: Record<string, never>;
  source: string[];
  execution_count?: null;
  outputs?: [];
}

/** The lesson files, in course order. */
export function lessonFiles(): string[] {
  return fs
    .readdirSync(LESSONS_DIR)
    .filter((f) => /^\d\d-[a-z0-9-]+\.md$/.test(f))
    .sort()
    .map((f) => path.join(LESSONS_DIR, f));
}

/** The notebook path a lesson builds. */
export function notebookPathFor(lessonFile: string): string {
  return path.join(NOTEBOOKS_DIR, path.basename(lessonFile, '.md') + '.ipynb');
}

/** The notebook JSON text for a lesson's Markdown. */
export function buildNotebook(markdown: string, slug: string): string {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const tokens = new MarkdownIt().parse(markdown, {});
  const cells: Cell[] = [];
  const pushCell = (type: Cell['cell_type'], text: string) => {
    const trimmed = text.replace(/^\s*\n/, '').replace(/\s+$/, '');
    if (trimmed === '') return;
    const id = `${slug}-${String(cells.length).padStart(3, '0')}`.slice(-64);
    const source = trimmed.split('\n').map((line, i, all) => (i < all.length - 1 ? line + '\n' : line));
    cells.push(
      type === 'code'
        ? { id, cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source }
        : { id, cell_type: 'markdown', metadata: {}, source },
    );
  };
  let cursor = 0; // first line not yet placed in a cell
  for (const token of tokens) {
    if (token.type !== 'fence' || !token.map) continue;
    const language = token.info.trim().split(/\s+/)[0];
    if (!CODE_LANGUAGES.has(language)) continue;
    const [start, end] = token.map;
    pushCell('markdown', lines.slice(cursor, start).join('\n'));
    pushCell('code', token.content);
    cursor = end;
  }
  pushCell('markdown', lines.slice(cursor).join('\n'));
  const notebook = {
    cells,
    metadata: {
      kernelspec: { display_name: 'TypeScript (genlab)', language: 'typescript', name: 'tslab' },
      language_info: {
        codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
        file_extension: '.ts',
        mimetype: 'text/typescript',
        name: 'typescript',
        version: '5.0',
      },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return JSON.stringify(notebook, null, 1) + '\n';
}

/** Builds every lesson's notebook; returns the files whose content changed. */
export function buildAll(write: boolean): string[] {
  const changed: string[] = [];
  for (const lesson of lessonFiles()) {
    const target = notebookPathFor(lesson);
    const text = buildNotebook(fs.readFileSync(lesson, 'utf8'), path.basename(lesson, '.md'));
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
    if (current === text) continue;
    changed.push(target);
    if (write) {
      fs.mkdirSync(NOTEBOOKS_DIR, { recursive: true });
      writeFileAtomic(target, text);
    }
  }
  return changed;
}
