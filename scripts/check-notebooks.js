#!/usr/bin/env node
/**
 * `npm run notebooks:check`: runs every notebook through the real tslab kernel with Jupyter's
 * nbclient, in quick mode (GENLAB_QUICK=1), and fails on any cell error, on a notebook that
 * shows no figure, or on a lesson whose quick run no longer records a key its prose ties to
 * (`<!-- ledger: 02.mnist.emaRecognisable -->`, see CONTRIBUTING.md, "Numbers in lessons").
 * Executed copies and each run's recorded numbers (NN-slug.record.jsonl) go to results/notebooks/.
 *
 * Hand-offs: the run keeps its checkpoints in a fresh results/notebooks/checkpoints/ (never the
 * student's), and when a run includes both ends of a hand-off (lesson 02 saves its GAN, lesson 04
 * loads it) the later notebook must have recorded the key that proves it used the earlier result.
 *
 *   node scripts/check-notebooks.js [NAME_FILTER ...] [--full] [--jobs N]
 */
'use strict';
const fs = require('fs');
const path = require('path');
require('tsx/cjs/api').register();
const { install, jupyterEnv } = require('./kernel');
const { findPython, indent, runNotebook, selectNotebooks, ROOT } = require('./notebook-run.ts');
const { parseCommand, run } = require('./args.ts');
const { readRecordFile, unrecordedTies } = require('./ledger.ts');
const { writeFileAtomic } = require('../src/files.ts');

const NOTEBOOKS = path.join(ROOT, 'notebooks');
const OUT = path.join(ROOT, 'results', 'notebooks');
const CHECKPOINTS = path.join(OUT, 'checkpoints');

/** A later lesson that uses an earlier one's checkpoint records `key` only when it could load it. */
const HAND_OFFS = [{ from: '02-', to: '04-', key: '04.vsGan.ganRecognisable', checkpoint: '02-mlp-gan' }];

/** The keys tied in a lesson's prose that its run did not record (empty when all were). */
function missingKeys(notebook, recordFile) {
  return unrecordedTies(path.join(ROOT, 'lessons', path.basename(notebook, '.ipynb') + '.md'), recordFile);
}

function recordFileOf(notebook) {
  return path.join(OUT, path.basename(notebook).replace(/\.ipynb$/, '.record.jsonl'));
}

/** Keys a notebook recorded in its run (course.record with GENLAB_RECORD set). */
function recordedKeys(notebook) {
  const number = /^(\d+)-/.exec(path.basename(notebook))?.[1] ?? path.basename(notebook, '.ipynb');
  const numbers = readRecordFile(recordFileOf(notebook), `run the notebook again with \`node scripts/check-notebooks.js ${number}\``);
  return new Set(numbers.map((n) => n.key));
}

async function main() {
  const args = parseCommand('notebooks:check', process.argv.slice(2), {
    usage: 'usage: node scripts/check-notebooks.js [NAME_FILTER ...] [--full] [--jobs N]',
    positionals: { help: 'lesson numbers or parts of notebook names (default: every notebook)' },
    flags: {
      full: { kind: 'boolean', help: 'full mode instead of quick (course:full is the recorded way to run it)' },
      jobs: { kind: 'positiveInteger', default: 1, help: 'notebooks run at once' },
    },
  });
  const notebooks = selectNotebooks(NOTEBOOKS, args.positionals);
  if (notebooks.length === 0) {
    console.error(`notebooks:check: no notebook matches ${args.positionals.join(' ') || '(any)'} in ${NOTEBOOKS}`);
    process.exit(1);
  }
  const python = findPython();
  install();
  fs.mkdirSync(OUT, { recursive: true });
  fs.rmSync(CHECKPOINTS, { recursive: true, force: true });
  const queue = [...notebooks];
  const results = [];
  const worker = async () => {
    for (let nb = queue.shift(); nb !== undefined; nb = queue.shift()) {
      const name = path.basename(nb);
      const recordFile = recordFileOf(nb);
      fs.rmSync(recordFile, { force: true });
      const env = jupyterEnv({ GENLAB_QUICK: args.full ? '0' : '1', GENLAB_RECORD: recordFile, GENLAB_CHECKPOINTS: CHECKPOINTS });
      const r = await runNotebook(python, nb, path.join(OUT, name), { env });
      const missing = r.error ? [] : missingKeys(nb, recordFile);
      const ok = !r.error && r.figures > 0 && missing.length === 0;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}  ${r.seconds ?? '?'} s, ${r.cells ?? '?'} cells, ${r.figures} figures`);
      if (r.error) console.log(`     error in cell ${r.error.cell}:\n${indent(r.error.message)}`);
      else if (r.figures === 0) console.log('     the notebook showed no figure');
      if (missing.length > 0) {
        console.log(`     its prose ties ${missing.join(', ')}, which this run did not record (course.record with that key in a cell)`);
      }
      results.push({ ...r, missingKeys: missing, ok });
    }
  };
  await Promise.all(Array.from({ length: args.jobs }, worker));
  // With one job the notebooks run in name order, so the earlier end of each hand-off ran first.
  for (const h of args.jobs === 1 ? HAND_OFFS : []) {
    const from = results.find((r) => path.basename(r.notebook).startsWith(h.from));
    const to = results.find((r) => path.basename(r.notebook).startsWith(h.to));
    if (!from?.ok || !to?.ok || recordedKeys(to.notebook).has(h.key)) continue;
    to.ok = false;
    console.log(`FAIL ${path.basename(to.notebook)} did not use ${path.basename(from.notebook)}'s checkpoint '${h.checkpoint}' (it recorded no ${h.key}; see ${path.relative(ROOT, recordFileOf(to.notebook))})`);
  }
  writeFileAtomic(path.join(OUT, 'summary.json'), JSON.stringify(results, null, 2) + '\n');
  const failed = results.filter((r) => !r.ok).length;
  console.log(`notebooks: ${results.length - failed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

run(main);
