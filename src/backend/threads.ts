/**
 * Multi-threaded wasm under Node.
 *
 * @tensorflow/tfjs-backend-wasm ships a threaded build (XNNPACK on a pool of Web Workers
 * sharing one wasm memory) but never uses it in Node (tfjs issue 3830), for three reasons
 * that are all specific to how 4.22.0 loads it:
 *   1. its feature flag WASM_HAS_MULTITHREAD_SUPPORT answers false whenever IS_NODE;
 *   2. it hands Emscripten the worker script and the main script as Blob URLs, which Node's
 *      worker_threads cannot load;
 *   3. its C++ caps the thread count at (logical cores / 2), i.e. 1 on a 2-core machine,
 *      and the busy pool workers keep Node's event loop alive, so a script never exits.
 * We set the flag, give Emscripten a Worker that loads the same code from the installed
 * package (the worker source string, evaluated; the main script, by path), report
 * 2 x threads logical cores while the module starts, and unref the running workers.
 *
 * All of that leans on internals of one exact version, so it runs only when the installed
 * version is PINNED_WASM_VERSION, and only after a self-test in a child process (which
 * cannot hang this one: it is killed after SELF_TEST_TIMEOUT_MS) has started the threaded
 * backend, checked a convolution and its gradients against the cpu backend, and exited by
 * itself. The verdict is cached per Node/tfjs version in the OS temp folder. On any
 * failure genlab prints one line and runs on one thread.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../files';

/** The only @tensorflow/tfjs-backend-wasm version whose internals this file relies on. */
export const PINNED_WASM_VERSION = '4.22.0';
/** Longest the start-up self-test may take before it counts as a failure. */
export const SELF_TEST_TIMEOUT_MS = 60_000;
/** Most threads we ask for (tfjs-backend-wasm pre-creates 8 workers; more gains little here). */
export const MAX_WASM_THREADS = 4;

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

interface WasmModule {
  PThread?: { runningWorkers: Array<{ unref(): void }> };
}

/** The thread count to ask for: GENLAB_WASM_THREADS, or the cores (2..MAX_WASM_THREADS). */
export function requestedThreads(value: number | string | undefined = process.env.GENLAB_WASM_THREADS): number {
  if (value === undefined || value === '' || value === 'auto') {
    return Math.max(1, Math.min(os.availableParallelism(), MAX_WASM_THREADS));
  }
  const count = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 8) {
    throw new Error(`GENLAB_WASM_THREADS must be an integer from 1 to 8 or 'auto', got '${value}'`);
  }
  return count;
}

/** Why threads cannot be tried at all here, or undefined when they can. */
function threadsUnsupported(): string | undefined {
  const version = (require(`${WASM_PACKAGE}/package.json`) as { version: string }).version;
  if (version !== PINNED_WASM_VERSION) {
    return `${WASM_PACKAGE} is ${version}, threads are only enabled for ${PINNED_WASM_VERSION}`;
  }
  if (typeof SharedArrayBuffer === 'undefined') return 'this Node has no SharedArrayBuffer';
  return undefined;
}

/**
 * Starts the wasm backend with `threads` threads in this process. Throws if it does not come
 * up with exactly that many; the caller falls back to one thread. Assumes the wasm package
 * is loaded and the backend not yet started.
 */
export async function startThreadedWasm(threads: number): Promise<void> {
  const wasmPackage = require(WASM_PACKAGE) as { setThreadsCount(n: number): void; getThreadsCount(): number };
  const folder = path.join(path.dirname(require.resolve(`${WASM_PACKAGE}/package.json`)), 'wasm-out');
  const { wasmWorkerContents } = require(path.join(folder, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const mainScript = path.join(folder, 'tfjs-backend-wasm-threaded-simd.js');
  // The worker source is a JS string literal's content: its "\n" escapes must stay escapes.
  const workerSource = wasmWorkerContents.replace(/\n/g, '\\n');
  const { Worker: NodeWorker } = require('worker_threads') as typeof import('worker_threads');

  class PthreadWorker extends NodeWorker {
    constructor(_blobUrl: string, options?: import('worker_threads').WorkerOptions) {
      super(workerSource, { ...options, eval: true });
    }
    override postMessage(message: unknown, transferList?: readonly import('worker_threads').TransferListItem[]): void {
      const load = message as { cmd?: string; urlOrBlob?: unknown };
      if (load?.cmd === 'load' && typeof load.urlOrBlob !== 'string') message = { ...load, urlOrBlob: mainScript };
      super.postMessage(message, transferList);
    }
  }

  const globals = globalThis as Record<string, unknown>;
  const savedWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  // The module object Emscripten's require('os') returns (not an import's namespace copy).
  const nodeOs = require('os') as { cpus: () => os.CpuInfo[] };
  const savedCpus = nodeOs.cpus;
  // Emscripten assigns its own Worker while starting: keep ours in place until it is done.
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => undefined });
  const realCpus = savedCpus();
  nodeOs.cpus = () => Array.from({ length: 2 * threads }, (_, i) => realCpus[i % realCpus.length]);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasmPackage.setThreadsCount(threads);
  try {
    const ok = await tf.setBackend('wasm');
    if (!ok || tf.getBackend() !== 'wasm') throw new Error('the threaded wasm backend did not start');
  } finally {
    nodeOs.cpus = savedCpus;
    if (savedWorker) Object.defineProperty(globalThis, 'Worker', savedWorker);
    else delete globals.Worker;
  }
  const module = (tf.backend() as unknown as { wasm: WasmModule }).wasm;
  // Pool workers wait for work forever; unreferenced, they no longer keep the process alive.
  for (const worker of module.PThread?.runningWorkers ?? []) worker.unref();
  const actual = wasmPackage.getThreadsCount();
  if (actual !== threads) throw new Error(`asked for ${threads} threads, got ${actual}`);
}

/** Undoes a failed threaded start, so the single-threaded build loads next. */
export function resetToSingleThread(): void {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  (require(WASM_PACKAGE) as { setThreadsCount(n: number): void }).setThreadsCount(1);
  if (tf.findBackend('wasm') !== null) {
    // Drop the half-started instance; the registered factory makes a fresh one.
    const factory = tf.engine().registryFactory.wasm;
    tf.removeBackend('wasm');
    if (factory) tf.registerBackend('wasm', factory.factory, factory.priority);
  }
}

function cacheFile(threads: number): string {
  const key = [process.version, process.platform, process.arch, PINNED_WASM_VERSION, threads, os.cpus().length, __filename].join('|');
  const hash = crypto.createHash('sha1').update(key).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `genlab-wasm-threads-${hash}.json`);
}

/** Forgets a cached "threads work" verdict (after threads failed in-process anyway). */
export function forgetSelfTest(threads: number): void {
  fs.rmSync(cacheFile(threads), { force: true });
}

/**
 * Whether `threads` wasm threads work here: undefined if they do, else why not.
 * Runs the self-test in a child process (once per Node/tfjs version; cached).
 */
export function checkThreads(threads: number): string | undefined {
  const unsupported = threadsUnsupported();
  if (unsupported !== undefined) return unsupported;
  const file = cacheFile(threads);
  try {
    if ((JSON.parse(fs.readFileSync(file, 'utf8')) as { ok: boolean }).ok) return undefined;
  } catch {
    // no verdict yet
  }
  const selfTest = path.join(__dirname, `threads-self-test${path.extname(__filename)}`);
  // Keep only the module loaders of this process (tsx when running from source).
  const loaders: string[] = [];
  const execArgv = process.execArgv;
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i];
    if (/^--(require|import|loader|experimental-loader)=/.test(flag)) loaders.push(flag);
    else if (/^(-r|--require|--import|--loader|--experimental-loader)$/.test(flag) && i + 1 < execArgv.length) {
      loaders.push(flag, execArgv[++i]);
    }
  }
  const started = Date.now();
  const child = spawnSync(process.execPath, [...loaders, selfTest, String(threads)], {
    encoding: 'utf8',
    timeout: SELF_TEST_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    env: { ...process.env, GENLAB_WASM_THREADS: String(threads) },
  });
  const passed = child.status === 0 && child.stdout.includes(`genlab-threads-ok ${threads}`);
  if (!passed) {
    if (child.error || child.signal) return `the threads self-test did not finish in ${SELF_TEST_TIMEOUT_MS / 1000} s`;
    const lastLine = `${child.stderr}${child.stdout}`.trim().split('\n').pop() ?? '';
    return `the threads self-test failed (exit ${child.status}): ${lastLine.slice(0, 200)}`;
  }
  try {
    writeFileAtomic(file, JSON.stringify({ ok: true, threads, ms: Date.now() - started }));
  } catch {
    // An unwritable temp folder only costs the self-test next time.
  }
  return undefined;
}
