import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { MAX_WASM_THREADS, requestedThreads } from '../src/backend/threads';
import { inKernel, tslabKernel, wrapCellExecution } from '../src/backend/notebook-kernel';
import { tf, initBackend, BACKEND_CHOICES } from '../src/index';
import { relativeError, onBackend } from './helpers';

test.before(async () => {
  await initBackend({ verbose: false });
});

test.serial('initBackend names the backend it chose and why', async (t) => {
  const info = await initBackend();
  t.true(['tensorflow', 'wasm', 'cpu'].includes(info.name));
  t.is(tf.getBackend(), info.name);
  t.true(info.reason.length > 0);
  t.is(await initBackend(), info, 'a second call returns the same choice');
});

test.serial('initBackend refuses a bad option, and a later call that asks for another backend than the one running', async (t) => {
  const info = await initBackend();
  const other = info.name === 'cpu' ? 'wasm' : 'cpu';
  const mismatch = await t.throwsAsync(initBackend({ backend: other }));
  t.regex(mismatch!.message, new RegExp(`initBackend: backend '${other}' was asked for, but '${info.name}' already runs`));
  const same = info.name === 'tensorflow' ? 'node' : info.name;
  t.is(await initBackend({ backend: same as 'node' | 'wasm' | 'cpu' }), info, 'asking for the running backend is fine');
  const gpu = await t.throwsAsync(initBackend({ backend: 'gpu' as never }));
  t.regex(gpu!.message, /initBackend: backend must be one of node, wasm, cpu, got "gpu"/);
  const unknown = await t.throwsAsync(initBackend({ thread: 2 } as never));
  t.regex(unknown!.message, /initBackend: unknown option 'thread' \(expected one of backend, verbose, threads\)/);
  const verbose = await t.throwsAsync(initBackend({ verbose: 'yes' } as never));
  t.regex(verbose!.message, /initBackend: verbose must be true or false, got "yes"/);
});

test.serial('an unknown GENLAB_BACKEND is refused with the valid values', async (t) => {
  const saved = process.env.GENLAB_BACKEND;
  process.env.GENLAB_BACKEND = 'gpu';
  try {
    const error = await t.throwsAsync(initBackend());
    t.regex(error!.message, /GENLAB_BACKEND must be one of node, wasm, cpu/);
    t.regex(error!.message, /got 'gpu'/);
  } finally {
    if (saved === undefined) delete process.env.GENLAB_BACKEND;
    else process.env.GENLAB_BACKEND = saved;
  }
  t.deepEqual([...BACKEND_CHOICES], ['node', 'wasm', 'cpu']);
});

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { x: [3, 9, 7, 2], filter: [5, 5, 2, 6], strides: 2, pad: 'same' },
  { x: [3, 9, 7, 2], filter: [5, 5, 2, 6], strides: 2, pad: 'valid' },
  { x: [1, 14, 14, 8], filter: [4, 4, 8, 5], strides: 2, pad: 'same' },
  { x: [4, 11, 13, 1], filter: [1, 3, 1, 7], strides: [1, 2], pad: 'same' },
  { x: [2, 10, 10, 4], filter: [3, 3, 4, 2], strides: 3, pad: 'valid' },
];

for (const c of CASES) {
  const name = `x ${c.x.join('x')}, filter ${c.filter.join('x')}, stride ${c.strides}, ${c.pad}`;
  test.serial(`Conv2DBackpropFilter matches the cpu backend: ${name}`, async (t) => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 1);
    const probe = tf.conv2d(x as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad);
    const dy = tf.randomNormal(probe.shape, 0, 1, 'float32', 2) as tf.Tensor4D;
    const filter = tf.randomNormal(c.filter, 0, 1, 'float32', 3) as tf.Tensor4D;
    // d/dW of sum(conv2d(x, W) * dy) is exactly Conv2DBackpropFilter(x, dy).
    const filterGrad = () => tf.grad((w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad).mul(dy).sum())(filter);
    const before = tf.memory().numTensors;
    const ours = filterGrad();
    t.is(tf.memory().numTensors, before + 1, 'one output tensor, no leaked intermediates');
    const reference = await onBackend('cpu', filterGrad);
    t.deepEqual(ours.shape, c.filter);
    t.true(relativeError(ours, reference) < 1e-4, `relative error ${relativeError(ours, reference)}`);
    tf.dispose([x, probe, dy, filter, ours, reference]);
  });
}

test.serial('a conv net trains on the chosen backend: the filter gradient matches finite differences', (t) => {
  const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
  const filter = tf.randomNormal([3, 3, 2, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
  const f = (w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 2, 'same').square().sum() as tf.Scalar;
  const grad = tf.grad(f)(filter) as tf.Tensor4D;
  const values = filter.arraySync();
  const eps = 1e-2;
  for (const [i, j, c] of [[0, 0, 0], [1, 2, 1], [2, 1, 0]] as const) {
    const plus = structuredClone(values);
    const minus = structuredClone(values);
    plus[i][j][c][0] += eps;
    minus[i][j][c][0] -= eps;
    const fd = tf.tidy(() => (f(tf.tensor4d(plus)).dataSync()[0] - f(tf.tensor4d(minus)).dataSync()[0]) / (2 * eps));
    const analytic = grad.arraySync()[i][j][c][0];
    t.true(Math.abs(fd - analytic) <= 1e-2 * Math.max(1, Math.abs(analytic)), `d/dw[${i},${j},${c}]: ${analytic} vs ${fd}`);
  }
  tf.dispose([x, filter, grad]);
});

test.serial('loading genlab registers the gradients tfjs 4.22 lacks: Greater, zero almost everywhere (backend/gradients.ts)', (t) => {
  t.truthy(tf.getGradient('Greater'));
  const x = tf.tensor1d([-1, 0.5, 2]);
  const dx = tf.grad((v: tf.Tensor) => tf.greater(v, 0).cast('float32').add(v).sum())(x);
  t.deepEqual(Array.from(dx.dataSync()), [1, 1, 1], 'd/dv [v > 0] = 0, so only d/dv v = 1 remains');
  tf.dispose([x, dx]);
});

test('outside a notebook kernel the kernel module finds no tslab and patches nothing', (t) => {
  t.is(tslabKernel(), null);
  t.false(inKernel());
  t.false(wrapCellExecution({ cellStarts: () => {}, cellFailed: () => false }));
});

test.serial('GENLAB_WASM_THREADS accepts 1-8 or auto and refuses anything else', (t) => {
  t.is(requestedThreads('1'), 1);
  t.is(requestedThreads(3), 3);
  const auto = requestedThreads('auto');
  t.true(auto >= 1 && auto <= MAX_WASM_THREADS, `auto gave ${auto}`);
  // Without an argument the variable is read; unset, it means 'auto'. (Set and restored here, so
  // the test does not depend on the shell it runs in.)
  const saved = process.env.GENLAB_WASM_THREADS;
  try {
    delete process.env.GENLAB_WASM_THREADS;
    t.is(requestedThreads(undefined), auto);
    process.env.GENLAB_WASM_THREADS = '2';
    t.is(requestedThreads(undefined), 2);
  } finally {
    if (saved === undefined) delete process.env.GENLAB_WASM_THREADS;
    else process.env.GENLAB_WASM_THREADS = saved;
  }
  for (const bad of ['0', '9', '1.5', 'two']) {
    const error = t.throws(() => requestedThreads(bad));
    t.regex(error!.message, /GENLAB_WASM_THREADS must be an integer from 1 to 8 or 'auto'/);
    t.true(error!.message.includes(`got '${bad}'`));
  }
});

test('a script that trains with multi-threaded wasm exits by itself, with a correct gradient', (t) => {
  // The script asks for 2 threads: it gets them when the self-test passes, else one thread and
  // a one-line reason. Either way it must finish and exit without process.exit().
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genlab-exit-'));
  const script = path.join(dir, 'train.ts');
  const index = path.resolve(__dirname, '..', 'src', 'index');
  fs.writeFileSync(
    script,
    `import { tf, initBackend } from ${JSON.stringify(index)};
(async () => {
  const info = await initBackend({ backend: 'wasm', threads: 2 });
  const x = tf.randomNormal([4, 9, 9, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 8, 16], 0, 1, 'float32', 2) as tf.Tensor4D;
  const grad = tf.grad((v: tf.Tensor4D) => tf.conv2d(x, v, 2, 'same').square().sum())(w);
  console.log('RESULT ' + JSON.stringify({ threads: info.threads, gradSum: grad.sum().dataSync()[0] }));
})();
`,
  );
  const child = spawnSync(process.execPath, ['--import=tsx', script], {
    cwd: path.resolve(__dirname, '..'),
    encoding: 'utf8',
    timeout: 180_000,
    killSignal: 'SIGKILL',
    env: { ...process.env, GENLAB_WASM_THREADS: '' },
  });
  fs.rmSync(dir, { recursive: true, force: true });
  t.is(child.signal, null, 'the script exited by itself (it was not killed at the time limit)');
  t.is(child.status, 0, child.stderr);
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  t.truthy(line, child.stdout);
  const result = JSON.parse(line!.slice('RESULT '.length)) as { threads: number; gradSum: number };
  t.true(result.threads === 2 || /genlab: wasm runs on 1 thread: /.test(child.stdout), child.stdout);
  t.true(Number.isFinite(result.gradSum));
});
