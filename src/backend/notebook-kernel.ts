/**
 * genlab inside the notebook kernel, tslab 1.0.22: finding tslab's display API, and the two
 * patches genlab makes to the kernel, both pinned to tslab 1.0.22 (and its zeromq 6), both made
 * once, in the kernel process only, and both leaving tslab as it is when its internals are not
 * the expected ones:
 *   - serializeKernelSends: the kernel's ZeroMQ sends queued one behind the other (live displays
 *     in long cells; see below);
 *   - wrapCellExecution: a hook around tslab's execution of each cell (Kernel -> Interrupt, see
 *     train/interrupt.ts).
 * Scripts and tests never load tslab: outside a kernel this module does nothing.
 */
import * as path from 'path';

export interface TslabDisplay {
  html(s: string): void;
  text(s: string): void;
}
export interface Tslab {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}

let tslab: Tslab | null | undefined;

/** tslab's display API when running inside a tslab kernel (its sends queued), else null. */
export function tslabKernel(): Tslab | null {
  if (tslab !== undefined) return tslab;
  tslab = null;
  // Only a tslab kernel process has tslab loaded; never load it (and its TypeScript) elsewhere.
  const loaded = Object.keys(require.cache).some((k) => /[\\/]tslab[\\/]dist[\\/]/.test(k));
  if (loaded) {
    try {
      tslab = require('tslab') as Tslab;
    } catch {
      tslab = null;
    }
    if (tslab) serializeKernelSends();
  }
  return tslab;
}

/** True inside a tslab notebook kernel. */
export function inKernel(): boolean {
  return tslabKernel() !== null;
}

/**
 * tslab 1.0.22 sends every output (stdout, displays) on a zeromq 6 Publisher without waiting
 * for the previous send to finish. zeromq 6 allows one send in progress per socket and rejects
 * the next with EBUSY ("Socket is busy writing"); tslab reports that rejection by writing to
 * stderr, which is itself a send, and the cell dies. A long training cell that prints and
 * refreshes its display hits this within seconds on a busy machine. Queuing each socket's sends
 * behind the previous one keeps every message, in order. Patched once, in the kernel process only.
 */
function serializeKernelSends(): void {
  let zmq: { Publisher?: { prototype: { send: (message: unknown) => Promise<void>; __genlabQueued?: boolean } } };
  try {
    zmq = require(require.resolve('zeromq', { paths: [path.dirname(require.resolve('tslab'))] }));
  } catch {
    return; // not the zeromq tslab uses: nothing to patch
  }
  const proto = zmq.Publisher?.prototype;
  if (!proto || proto.__genlabQueued) return;
  const send = proto.send;
  const queues = new WeakMap<object, Promise<void>>();
  const queued = function (this: object, message: unknown): Promise<void> {
    const previous = queues.get(this) ?? Promise.resolve();
    const next = previous.then(() => send.call(this, message));
    queues.set(this, next.catch(() => undefined));
    return next;
  };
  try {
    // `send` is a read-only method of the native base class: define an own property instead.
    Object.defineProperty(proto, 'send', { value: queued, writable: true, configurable: true });
    Object.defineProperty(proto, '__genlabQueued', { value: true });
  } catch {
    // Leave tslab as it is rather than break the notebook.
  }
}

/** What to do around each cell the kernel executes. */
export interface CellHooks {
  /** Called as a cell starts. */
  cellStarts(): void;
  /** Called as it ends: true turns the cell's reply into an error (tslab then cancels the cells queued behind it). */
  cellFailed(): boolean;
}

/**
 * Wraps tslab's cell execution (JupyterHandlerImpl.prototype.handleExecuteImpl) with `hooks`.
 * Returns true when the wrapper is in place, false when tslab is not loaded, its internals are
 * not the expected ones, or it is wrapped already (then nothing changes).
 */
export function wrapCellExecution(hooks: CellHooks): boolean {
  const key = Object.keys(require.cache).find((k) => /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(k));
  type Execute = (this: unknown, ...args: unknown[]) => Promise<unknown>;
  const handler = (key ? require.cache[key]?.exports : undefined)?.JupyterHandlerImpl?.prototype as
    | { handleExecuteImpl?: Execute; __genlabInterrupts?: boolean }
    | undefined;
  const execute = handler?.handleExecuteImpl;
  if (!handler || typeof execute !== 'function' || handler.__genlabInterrupts) return false;
  handler.handleExecuteImpl = async function (this: unknown, ...args: unknown[]) {
    hooks.cellStarts();
    const count = await execute.apply(this, args);
    // tslab answers 'error' and cancels the queued cells when this rejects with its ExecutionCount.
    if (hooks.cellFailed()) throw count;
    return count;
  };
  Object.defineProperty(handler, '__genlabInterrupts', { value: true });
  return true;
}
