#!/usr/bin/env node
/**
 * `npm run notebooks:check`: runs every notebook through the real tslab kernel with Jupyter's
 * nbclient, in quick mode (GENLAB_QUICK=1), and fails on any cell error or on a notebook
 * that shows no figure. Executed copies go to results/notebooks/ for inspection, with each
 * notebook's recorded numbers (course.record) in results/notebooks/NAME.records.jsonl.
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
const { spawn, spawnSync } = require('child_process');
const { install, jupyterEnv } = require('./kernel');

const ROOT = path.resolve(__dirname, '..');
const NOTEBOOKS = path.join(ROOT, 'notebooks');
const OUT = path.join(ROOT, 'results', 'notebooks');
const CHECKPOINTS = path.join(OUT, 'checkpoints');

/** A later lesson that uses an earlier one's checkpoint records `key` only when it could load it. */
const HAND_OFFS = [{ from: '02-', to: '04-', key: '04.vsGan.ganRecognisable', checkpoint: '02-mlp-gan' }];

function findPython() {
  const candidates = [process.env.GENLAB_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import nbclient, nbformat'], { stdio: 'ignore' });
    if (r.status === 0) return python;
  }
  console.error(
    [
      'notebooks:check needs Python with Jupyter\'s nbclient, and none was found.',
      'Install it with:  sudo apt-get install jupyter-nbconvert python3-nbclient   (Debian / Ubuntu)',
      '            or:  python3 -m pip install nbclient nbformat ipykernel',
      'or point GENLAB_PYTHON at a Python that has it.',
    ].join('\n'),
  );
  process.exit(1);
}

function recordsFile(notebook) {
  return path.join(OUT, path.basename(notebook, '.ipynb') + '.records.jsonl');
}

/** Keys a notebook recorded in its run (course.record with GENLAB_RECORD set). */
function recordedKeys(notebook) {
  const file = recordsFile(notebook);
  if (!fs.existsSync(file)) return new Set();
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  return new Set(lines.map((l) => JSON.parse(l).key));
}

function runOne(python, notebook, env) {
  const target = path.join(OUT, path.basename(notebook));
  fs.rmSync(recordsFile(notebook), { force: true });
  return new Promise((resolve) => {
    const child = spawn(python, [path.join(__dirname, 'run_notebook.py'), notebook, target], {
      env: { ...env, GENLAB_RECORD: recordsFile(notebook) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').pop();
      try {
        resolve({ notebook, ...JSON.parse(line) });
      } catch {
        resolve({ notebook, error: { cell: -1, message: `runner exited ${code}: ${stderr.slice(-3000)}` }, figures: 0 });
      }
    });
  });
}

async function main() {
  const args = process.argv.slice(2);
  const full = args.includes('--full');
  const jobsAt = args.indexOf('--jobs');
  const jobs = jobsAt >= 0 ? Number(args[jobsAt + 1]) : 1;
  const filters = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--jobs');
  const notebooks = fs
    .readdirSync(NOTEBOOKS)
    .filter((f) => f.endsWith('.ipynb'))
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .sort()
    .map((f) => path.join(NOTEBOOKS, f));
  if (notebooks.length === 0) {
    console.error(`notebooks:check: no notebook matches ${filters.join(' ') || '(any)'} in ${NOTEBOOKS}`);
    process.exit(1);
  }
  const python = findPython();
  install();
  fs.mkdirSync(OUT, { recursive: true });
  fs.rmSync(CHECKPOINTS, { recursive: true, force: true });
  const env = jupyterEnv({ GENLAB_QUICK: full ? '0' : '1', GENLAB_CHECKPOINTS: CHECKPOINTS });
  const queue = [...notebooks];
  const results = [];
  const worker = async () => {
    for (let nb = queue.shift(); nb !== undefined; nb = queue.shift()) {
      const r = await runOne(python, nb, env);
      const name = path.basename(r.notebook);
      const ok = !r.error && r.figures > 0;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}  ${r.seconds ?? '?'} s, ${r.cells ?? '?'} cells, ${r.figures} figures`);
      if (r.error) console.log(`     error in cell ${r.error.cell}:\n${indent(r.error.message)}`);
      else if (r.figures === 0) console.log('     the notebook showed no figure');
      results.push({ ...r, ok });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  for (const h of jobs === 1 ? HAND_OFFS : []) {
    const from = results.find((r) => path.basename(r.notebook).startsWith(h.from));
    const to = results.find((r) => path.basename(r.notebook).startsWith(h.to));
    if (!from?.ok || !to?.ok || recordedKeys(to.notebook).has(h.key)) continue;
    to.ok = false;
    console.log(`FAIL ${path.basename(to.notebook)} did not use ${path.basename(from.notebook)}'s checkpoint '${h.checkpoint}' (it recorded no ${h.key}; see ${path.relative(ROOT, recordsFile(to.notebook))})`);
  }
  fs.writeFileSync(path.join(OUT, 'summary.json'), JSON.stringify(results, null, 2) + '\n');
  const failed = results.filter((r) => !r.ok).length;
  console.log(`notebooks: ${results.length - failed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

function indent(text) {
  return text
    .split('\n')
    .slice(-40)
    .map((l) => `       ${l}`)
    .join('\n');
}

main();
