/**
 * A long notebook cell that prints and refreshes a live display many times must finish.
 * tslab 1.0.22 on zeromq 6 dies with EBUSY ("Socket is busy writing") on such a cell unless
 * genlab queues the kernel's sends (src/backend/notebook-kernel.ts). Runs a real tslab kernel
 * through nbclient.
 */
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';

const ROOT = path.resolve(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { install, jupyterEnv } = require('../scripts/kernel.js');

function pythonWithNbclient(): string | undefined {
  return [process.env.GENLAB_PYTHON, 'python3', '/usr/bin/python3']
    .filter((p): p is string => Boolean(p))
    .find((p) => spawnSync(p, ['-c', 'import nbclient'], { stdio: 'ignore' }).status === 0);
}

test('a cell with thousands of outputs and live-display updates runs to the end', (t) => {
  const python = pythonWithNbclient();
  if (python === undefined) {
    t.fail('needs Python with nbclient (apt-get install python3-nbclient)');
    return;
  }
  install();
  const dir = path.join(ROOT, 'results', 'kernel-output-test');
  fs.mkdirSync(dir, { recursive: true });
  const source = [
    "import { viz } from 'genlab';",
    'const area = viz.liveDisplay();',
    'let x = 0;',
    'for (let i = 0; i < 3000; i++) {',
    '  for (let j = 0; j < 20000; j++) x += Math.sqrt(j);',
    "  area.text('step ' + i);",
    "  if (i % 7 === 0) console.log('line', i);",
    '  if (i % 100 === 0) await new Promise((r) => setTimeout(r, 0));',
    '}',
    "console.log('done');",
  ].join('\n');
  const notebook = {
    cells: [{ id: 'burst', cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source }],
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript (genlab)', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const input = path.join(dir, 'burst.ipynb');
  fs.writeFileSync(input, JSON.stringify(notebook));
  const run = spawnSync(python, [path.join(ROOT, 'scripts', 'run_notebook.py'), input, path.join(dir, 'burst.out.ipynb')], {
    env: jupyterEnv(),
    encoding: 'utf8',
    timeout: 240_000,
  });
  const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');
  t.is(report.error, null, JSON.stringify(report.error));
  const outputs = JSON.parse(fs.readFileSync(path.join(dir, 'burst.out.ipynb'), 'utf8')).cells[0].outputs;
  const text = outputs.map((o: { text?: string | string[] }) => [o.text ?? ''].flat().join('')).join('');
  t.true(text.includes('line 2996'), 'every printed line arrived');
  t.true(text.includes('done'), 'the cell ran to its end');
  fs.rmSync(dir, { recursive: true, force: true });
});
