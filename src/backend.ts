/**
 * Backend choice: one `await initBackend()` at the top of every notebook, test and script.
 *
 * Order of preference (fastest first):
 *   1. `tensorflow` — @tensorflow/tfjs-node (native libtensorflow). An optional dependency:
 *      its installer downloads libtensorflow from a host that is often unreachable, so it is
 *      used only when it loads.
 *   2. `wasm`       — @tensorflow/tfjs-backend-wasm (the .wasm ships inside the npm package),
 *      plus genlab's own training kernels (see ./backend/kernels.ts): stock wasm cannot
 *      train a conv net because it has no Conv2DBackpropFilter kernel. Multi-threaded
 *      (one thread per core, up to 4) when the start-up self-test of ./backend/threads.ts
 *      passes, else one thread with a one-line message saying why.
 *   3. `cpu`        — pure JavaScript. Correct everywhere, but roughly 1000x slower than
 *      PyTorch on a DCGAN step: fine for tiny tensors only.
 *
 * GENLAB_BACKEND=node|wasm|cpu forces one of them; GENLAB_WASM_THREADS=1..8|auto sets the
 * wasm thread count.
 */
import * as tf from '@tensorflow/tfjs';
import { registerTrainingKernels } from './backend/kernels';
import { installUnfusedTraining } from './backend/unfused-training';
import { registerMissingGradients } from './backend/gradients';
import { checkThreads, forgetSelfTest, requestedThreads, resetToSingleThread, startThreadedWasm } from './backend/threads';

// Gradients tfjs lacks (Greater, for the gradient penalty: see backend/gradients.ts), on every
// backend, as soon as genlab is loaded.
registerMissingGradients();

/** The tfjs backend names, as `tf.getBackend()` reports them. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** The backend that runs: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  name: BackendName;
  /** Why this backend was chosen, in a few words. */
  reason: string;
  /** Threads the backend computes with (1 except for multi-threaded wasm). */
  threads: number;
}

export interface InitBackendOptions {
  /** Force a backend; overrides GENLAB_BACKEND. */
  backend?: 'node' | 'wasm' | 'cpu';
  /** Print the one-line "genlab: backend …" message (default true). */
  verbose?: boolean;
  /** Threads for wasm: 1-8 or 'auto' (one per core, up to 4); overrides GENLAB_WASM_THREADS. */
  threads?: number | 'auto';
}

/** The values GENLAB_BACKEND (and `options.backend`) accept. */
export const BACKEND_CHOICES = ['node', 'wasm', 'cpu'] as const;
type BackendChoice = (typeof BACKEND_CHOICES)[number];

let chosen: Promise<BackendInfo> | undefined;
let running: BackendInfo | undefined;

/**
 * Chooses and initialises the tfjs backend once per process and returns which one runs.
 * Later calls return the same answer without printing again.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  checkInitOptions(options);
  if (chosen !== undefined && options.backend !== undefined) {
    const info = await chosen;
    if (BACKEND_NAMES[options.backend] !== info.name) {
      throw new Error(
        `initBackend: backend '${options.backend}' was asked for, but '${info.name}' already runs in this process; ` +
          'the backend is chosen once per process (restart the kernel, or set GENLAB_BACKEND before starting)',
      );
    }
  }
  const requested = options.backend ?? parseChoice(process.env.GENLAB_BACKEND);
  const threads = requestedThreads(options.threads ?? process.env.GENLAB_WASM_THREADS);
  if (chosen === undefined) {
    chosen = choose(requested, threads).then((info) => {
      const threadNote = info.threads > 1 ? `, ${info.threads} threads` : '';
      if (options.verbose ?? true) console.log(`genlab: backend ${info.name}${threadNote} (${info.reason})`);
      running = info;
      return info;
    });
    chosen.catch(() => (chosen = undefined));
  }
  return chosen;
}

/** What `initBackend()` chose (name, reason, threads), or undefined before it has finished. */
export function backendInfo(): BackendInfo | undefined {
  return running;
}

/** The backend in use, or undefined before `initBackend()` has finished. */
export function currentBackend(): BackendName | undefined {
  const name = tf.getBackend();
  return name === 'tensorflow' || name === 'wasm' || name === 'cpu' ? name : undefined;
}

/** The tfjs backend name that each choice runs. */
const BACKEND_NAMES: Record<BackendChoice, BackendName> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

function checkInitOptions(options: InitBackendOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new Error(`initBackend: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const known = ['backend', 'verbose', 'threads'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`initBackend: unknown option '${key}' (expected one of ${known.join(', ')})`);
  }
  if (options.backend !== undefined && !(BACKEND_CHOICES as readonly string[]).includes(options.backend)) {
    throw new Error(`initBackend: backend must be one of ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(options.backend)}`);
  }
  if (options.verbose !== undefined && typeof options.verbose !== 'boolean') {
    throw new Error(`initBackend: verbose must be true or false, got ${JSON.stringify(options.verbose)}`);
  }
}

function parseChoice(value: string | undefined): BackendChoice | undefined {
  if (value === undefined || value === '') return undefined;
  const choice = value.trim().toLowerCase();
  if ((BACKEND_CHOICES as readonly string[]).includes(choice)) return choice as BackendChoice;
  throw new Error(
    `GENLAB_BACKEND must be one of ${BACKEND_CHOICES.join(', ')} (or unset to choose automatically), got '${value}'`,
  );
}

async function choose(requested: BackendChoice | undefined, threads: number): Promise<BackendInfo> {
  installUnfusedTraining(); // every backend: gradients only for what is trained (see backend/unfused-training.ts)
  if (requested === 'cpu') return useCpu('forced by GENLAB_BACKEND=cpu');
  if (requested === 'wasm') return useWasm('forced by GENLAB_BACKEND=wasm', threads);
  const node = tryNode();
  if (node.ok) {
    await setBackendOrThrow('tensorflow');
    return { name: 'tensorflow', reason: requested ? 'forced by GENLAB_BACKEND=node' : 'tfjs-node loaded', threads: 1 };
  }
  if (requested === 'node') {
    throw new Error(`GENLAB_BACKEND=node, but @tensorflow/tfjs-node cannot be used: ${node.why}`);
  }
  try {
    return await useWasm(node.why, threads);
  } catch (error) {
    return useCpu(`${node.why}; wasm failed: ${(error as Error).message}`);
  }
}

function tryNode(): { ok: true } | { ok: false; why: string } {
  try {
    require('@tensorflow/tfjs-node');
    return { ok: true };
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && /tfjs-node['"]?$/m.test(firstLine(err.message))) {
      return { ok: false, why: 'tfjs-node not installed' };
    }
    if (/tfjs_binding\.node/.test(err.message)) {
      return { ok: false, why: 'tfjs-node is installed without its native libtensorflow binding' };
    }
    return { ok: false, why: `tfjs-node failed to load: ${firstLine(err.message)}` };
  }
}

async function useWasm(reason: string, threads: number): Promise<BackendInfo> {
  require('@tensorflow/tfjs-backend-wasm');
  registerTrainingKernels('wasm');
  if (threads > 1) {
    const why = checkThreads(threads) ?? (await tryThreadedStart(threads));
    if (why === undefined) return { name: 'wasm', reason, threads };
    console.log(`genlab: wasm runs on 1 thread: ${why}`);
  }
  await setBackendOrThrow('wasm');
  return { name: 'wasm', reason, threads: 1 };
}

/** Starts threaded wasm in this process; undefined on success, else why it failed. */
async function tryThreadedStart(threads: number): Promise<string | undefined> {
  try {
    await startThreadedWasm(threads);
    return undefined;
  } catch (error) {
    forgetSelfTest(threads);
    resetToSingleThread();
    return `threads failed to start: ${firstLine((error as Error).message ?? String(error))}`;
  }
}

async function useCpu(reason: string): Promise<BackendInfo> {
  await setBackendOrThrow('cpu');
  // The cpu backend prints a banner recommending tfjs-node on first use; genlab has already
  // said which backend runs and why, so mark the banner as shown.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return { name: 'cpu', reason, threads: 1 };
}

async function setBackendOrThrow(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tfjs could not start the '${name}' backend`);
  await tf.ready();
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
