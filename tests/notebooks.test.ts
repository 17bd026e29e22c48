import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { buildNotebook, lessonFiles, notebookPathFor } from '../scripts/notebooks';

test('every lesson has a committed notebook identical to what it builds', (t) => {
  const lessons = lessonFiles();
  t.true(lessons.length >= 1);
  for (const lesson of lessons) {
    const target = notebookPathFor(lesson);
    t.true(fs.existsSync(target), `${path.basename(target)} is missing: run npm run notebooks`);
    const built = buildNotebook(fs.readFileSync(lesson, 'utf8'), path.basename(lesson, '.md'));
    t.is(fs.readFileSync(target, 'utf8'), built, `${path.basename(target)} differs from its lesson: run npm run notebooks`);
  }
});

test('ts fences become code cells, everything else markdown, with stable ids', (t) => {
  const md = [
    '# Title',
    '',
    'Some $x^2$ math.',
    '',
    '```ts',
    'const a = 1;',
    '```',
    '',
    '```typescript',
    'shown, not run',
    '```',
    '',
    '- a list',
    '',
    '  ```ts',
    '  const b = 2;',
    '  ```',
  ].join('\n');
  const nb = JSON.parse(buildNotebook(md, 'demo'));
  t.is(nb.nbformat, 4);
  t.is(nb.nbformat_minor, 5);
  t.is(nb.metadata.kernelspec.name, 'tslab');
  t.deepEqual(nb.cells.map((c: { cell_type: string }) => c.cell_type), ['markdown', 'code', 'markdown', 'code']);
  t.deepEqual(nb.cells[1].source, ['const a = 1;']);
  t.deepEqual(nb.cells[3].source, ['const b = 2;']);
  t.true(nb.cells[2].source.join('').includes('shown, not run'));
  t.deepEqual(nb.cells.map((c: { id: string }) => c.id), ['demo-000', 'demo-001', 'demo-002', 'demo-003']);
  t.deepEqual(nb.cells[1].outputs, []);
  t.is(buildNotebook(md, 'demo'), buildNotebook(md, 'demo'));
});

test('training cells show progress through trainer.run, not a liveDisplay or printed lines (CONTRIBUTING, training cells)', (t) => {
  for (const lesson of lessonFiles()) {
    const nb = JSON.parse(buildNotebook(fs.readFileSync(lesson, 'utf8'), path.basename(lesson, '.md')));
    nb.cells.forEach((cell: { cell_type: string; source: string[] }, i: number) => {
      if (cell.cell_type !== 'code') return;
      const code = cell.source.join('');
      const where = `${path.basename(lesson)}, code cell ${i}`;
      t.false(/viz\.liveDisplay\(/.test(code), `${where}: a training run shows its figure with run's progress: { figure }, not viz.liveDisplay()`);
      t.false(/progress:\s*false/.test(code), `${where}: a training run keeps its progress line (progress: false hides it)`);
    });
  }
});
