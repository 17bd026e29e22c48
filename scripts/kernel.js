#!/usr/bin/env node
/**
 * The project's Jupyter kernel, kept inside the project:
 *   node scripts/kernel.js install   writes .jupyter/kernels/tslab/kernel.json (project-local)
 *   node scripts/kernel.js start     opens JupyterLab (or Jupyter Notebook) on notebooks/
 * Jupyter finds the kernelspec through JUPYTER_PATH=<project>/.jupyter, which takes precedence
 * over the user's and the system's kernels; nothing is written outside the project.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync, spawn } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const JUPYTER_DIR = path.join(ROOT, '.jupyter');
const KERNEL_NAME = 'tslab';

function install() {
  const tslab = require.resolve('tslab/bin/tslab', { paths: [ROOT] });
  const dir = path.join(JUPYTER_DIR, 'kernels', KERNEL_NAME);
  fs.mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [process.execPath, tslab, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (genlab)',
    language: 'typescript',
    env: { NODE_OPTIONS: '--max-old-space-size=8192' },
  };
  const file = path.join(dir, 'kernel.json');
  // The built genlab package's atomic write (`npm install` builds it before installing the kernel).
  require('../src/dist/files').writeFileAtomic(file, JSON.stringify(spec, null, 2) + '\n');
  return file;
}

/** Environment for Jupyter processes: the project-local data path first. */
function jupyterEnv(extra = {}) {
  const paths = [JUPYTER_DIR, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  return { ...process.env, JUPYTER_PATH: paths, ...extra };
}

function works(command, args) {
  const result = spawnSync(command, args, { stdio: 'ignore', env: jupyterEnv() });
  return result.status === 0;
}

function start() {
  install();
  const notebooks = path.join(ROOT, 'notebooks');
  let command;
  if (works('jupyter', ['lab', '--version'])) command = ['jupyter', ['lab', `--notebook-dir=${notebooks}`]];
  else if (works('jupyter', ['notebook', '--version'])) command = ['jupyter', ['notebook', `--notebook-dir=${notebooks}`]];
  if (!command) {
    console.error(
      [
        'npm start: neither JupyterLab nor Jupyter Notebook is installed.',
        'Install one of them, then run `npm start` again:',
        '  python3 -m pip install jupyterlab          (any OS, in a virtualenv if you like)',
        '  sudo apt-get install jupyter-notebook      (Debian / Ubuntu)',
        'The notebooks are in notebooks/; the TypeScript kernel is set up in .jupyter/ by `npm install`.',
      ].join('\n'),
    );
    process.exit(1);
  }
  // Jupyter refuses to run as root without --allow-root (containers and course VMs often are root).
  if (process.getuid && process.getuid() === 0) command[1].push('--allow-root');
  console.log(`genlab: starting ${command[0]} ${command[1][0]} on ${notebooks} (kernel: TypeScript (genlab))`);
  const child = spawn(command[0], [...command[1], ...process.argv.slice(3)], { stdio: 'inherit', env: jupyterEnv() });
  child.on('exit', (code) => process.exit(code ?? 0));
}

module.exports = { install, jupyterEnv, JUPYTER_DIR, KERNEL_NAME };

if (require.main === module) {
  const command = process.argv[2];
  if (command === 'install') console.log(`genlab: Jupyter kernel spec written to ${path.relative(ROOT, install())}`);
  else if (command === 'start') start();
  else {
    console.error(`usage: node scripts/kernel.js install|start, got '${command ?? ''}'`);
    process.exit(2);
  }
}
