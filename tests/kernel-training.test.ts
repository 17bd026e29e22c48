/**
 * Training cells in a real tslab kernel, driven through jupyter_client (tests/fixtures/kernel_training.py):
 * - a live display refreshed with a figure every 0.02 s keeps the kernel alive and the cell's
 *   output to one display area;
 * - Kernel -> Interrupt (SIGINT) stops the training loop within a step, prints one line (no stack
 *   trace), leaves the kernel idle, ends the cell as interrupted, and keeps the trainer's steps.
 */
import test from 'ava';
import * as path from 'path';
import { spawnSync } from 'child_process';

const ROOT = path.resolve(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { install, jupyterEnv } = require('../scripts/kernel.js');

function pythonWithJupyterClient(): string | undefined {
  return [process.env.GENLAB_PYTHON, 'python3', '/usr/bin/python3']
    .filter((p): p is string => Boolean(p))
    .find((p) => spawnSync(p, ['-c', 'import jupyter_client'], { stdio: 'ignore' }).status === 0);
}

interface CellReport {
  status: string;
  text: string;
}
interface Report {
  setup: CellReport;
  plain: CellReport;
  live: CellReport & { displays: number; updates: number; keptOutputs: number };
  interrupt: CellReport & { secondsToReply: number; cpuSecondsAfter: number; idleSeconds: number; errors: unknown[] };
  after: CellReport;
}

test('live displays and Kernel -> Interrupt in training cells, through a real kernel', (t) => {
  const python = pythonWithJupyterClient();
  if (python === undefined) {
    t.fail('needs Python with jupyter_client (apt-get install python3-jupyter-client)');
    return;
  }
  install();
  const run = spawnSync(python, [path.join(__dirname, 'fixtures', 'kernel_training.py'), path.join(ROOT, 'notebooks')], {
    env: jupyterEnv(),
    encoding: 'utf8',
    timeout: 240_000,
  });
  const last = run.stdout.trim().split('\n').pop() ?? '';
  if (!last.startsWith('{')) {
    t.fail(`the driver exited ${run.status}: ${run.stderr.slice(-3000)}`);
    return;
  }
  const report = JSON.parse(last) as Report;
  t.log(JSON.stringify({ live: { ...report.live, text: undefined }, plain: report.plain.text.trim(), liveText: report.live.text.trim() }));
  t.log(JSON.stringify({ ...report.interrupt, text: undefined }));
  t.is(report.setup.status, 'ok', report.setup.text);

  // Live display: every refresh replaced the one area; the kernel stayed alive and fast.
  t.is(report.live.status, 'ok', report.live.text);
  t.is(report.live.displays, 1, 'one display area');
  t.is(report.live.keptOutputs, 1, 'the notebook keeps one output however many refreshes');
  const steps = (text: string) => Number(/(\d+) steps in ([\d.]+) s/.exec(text)?.[1]);
  t.true(report.live.updates >= Math.min(20, steps(report.live.text)), `refreshed ${report.live.updates} times`);

  // Interrupt: one line, no stack trace, the loop stopped, the kernel idle, the steps kept.
  const { interrupt } = report;
  t.is(interrupt.status, 'error', 'the interrupted cell ends as interrupted (Run All stops there)');
  t.deepEqual(interrupt.errors, []);
  t.regex(interrupt.text, /^interrupt test: interrupted at step ([\d,]+) of 100,000: the networks keep what they learned; run the cell again to train on from here\n/);
  t.false(/\n\s+at |Error|Interrupted asynchronously/.test(interrupt.text), `no stack trace: ${interrupt.text}`);
  t.regex(interrupt.text, /the cell went on: interrupt, then interrupt after 0 steps/, 'a second run in the interrupted cell does not train');
  t.true(interrupt.secondsToReply < 5, `the cell ended ${interrupt.secondsToReply} s after the interrupt`);
  // An idle kernel uses ~0.04 s of CPU in 5 s; a loop left running uses ~5 s.
  t.true(interrupt.cpuSecondsAfter < 0.25 * interrupt.idleSeconds, `the kernel used ${interrupt.cpuSecondsAfter} s of CPU in the ${interrupt.idleSeconds} s after the interrupt`);
  const stoppedAt = Number(/interrupted at step ([\d,]+)/.exec(interrupt.text)?.[1].replace(/,/g, ''));
  t.is(report.after.status, 'ok', report.after.text);
  t.is(report.after.text.trim(), `after: step ${stoppedAt}, history ${stoppedAt}`, 'the next cell sees the trainer where it stopped');
});
