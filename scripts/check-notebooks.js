#!/usr/bin/env node
/**
 * `npm run notebooks:check`: runs every notebook through the real tslab kernel with Jupyter's
 * nbclient, in quick mode (GENLAB_QUICK=1), and fails on any cell error or on a notebook
 * that shows no figure. Executed copies go to results/notebooks/ for inspection.
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

/**
 * Runs one notebook with scripts/run_notebook.py; resolves to its JSON summary line. `extra` are
 * more run_notebook.py arguments; `command` wraps the Python call (a sandbox, for instance).
 */
function runOne(python, notebook, env, target = path.join(OUT, path.basename(notebook)), options = {}) {
  const args = [path.join(__dirname, 'run_notebook.py'), notebook, target, ...(options.extra ?? [])];
  const [command, ...prefix] = options.wrap ?? [];
  return new Promise((resolve) => {
    const child = command
      ? spawn(command, [...prefix, python, ...args], { env, cwd: options.cwd, detached: true })
      : spawn(python, args, { env, cwd: options.cwd, detached: Boolean(options.detached) });
    if (options.onSpawn) options.onSpawn(child);
    const cap = 1 << 16; // keep the last 64 KB of what the runner itself prints
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout = (stdout + d).slice(-cap)));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-cap)));
    child.on('close', (code, signal) => {
      const line = stdout.trim().split('\n').pop();
      try {
        resolve({ notebook, exitCode: code, signal, ...JSON.parse(line) });
      } catch {
        resolve({ notebook, exitCode: code, signal, error: { cell: -1, message: `runner exited ${code ?? signal}: ${stderr.slice(-3000)}` }, figures: 0 });
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
  const env = jupyterEnv({ GENLAB_QUICK: full ? '0' : '1' });
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
  fs.mkdirSync(OUT, { recursive: true });
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

module.exports = { findPython, runOne };

if (require.main === module) main();
