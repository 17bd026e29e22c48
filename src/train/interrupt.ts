/**
 * Kernel → Interrupt for the course's training loops.
 *
 * Jupyter interrupts the tslab 1.0.22 kernel with SIGINT (the kernel spec leaves interrupt_mode
 * at its default, 'signal'). tslab's own listener rejects the promise the running cell is raced
 * against, prints "Error: Interrupted asynchronously" with a stack trace into tslab's internals,
 * and lets the next cell run. Nothing can stop an async function from outside, so a training loop
 * goes on in the background (measured: 15 s of CPU in the 15 s after the interrupt), and a cell
 * run again trains the same networks in a second loop.
 *
 * So, inside a kernel, genlab puts its own SIGINT listener in front of tslab's. While a genlab
 * loop runs, an interrupt only asks the loop to stop: the loop looks at the request between two
 * steps (it yields to the event loop every step, which is when Node delivers the signal), keeps
 * what the networks learned, prints one line and returns. With no loop running, or on a second
 * interrupt while a loop is still stopping, tslab's handling runs as before.
 *
 * The interrupted cell then ends as an interrupted Python cell does: later runs in the same cell
 * stop at once (a cell training three models needs one interrupt, not three), and the cell's reply
 * is an error, so that "Run All" stops there. It is not thrown as an error, because tslab forgets
 * every declaration of a cell that throws: `const trainer = …` would be unknown to the next cell.
 * Outside a kernel (scripts, tests) Ctrl-C keeps Node's default, ending the process;
 * `interruptTraining()` asks the running loops to stop from code.
 */
import { inKernel, wrapCellExecution } from '../backend/notebook-kernel';

/** A running loop's view of interrupts: `requested` turns true when the user interrupts. */
export interface InterruptWatch {
  readonly requested: boolean;
  /** The cell running this loop was interrupted before the loop began (an earlier run of the cell stopped). */
  readonly cellInterrupted: boolean;
  /** The loop has ended: stop watching. */
  close(): void;
}

interface Watch {
  requested: boolean;
  finished: Promise<void>;
  finish(): void;
}

const running = new Set<Watch>();
/** Set when a loop stopped for an interrupt during the cell now running (kernel only; reset per cell). */
let cellInterrupted = false;
let kernelHooks = false;
/** True once tslab's cell execution is wrapped, so that `cellInterrupted` is reset for every cell. */
let cellBoundaries = false;

/**
 * Starts watching for interrupts on behalf of a loop; call `close()` when the loop ends. Resolves
 * once every loop that was already asked to stop has stopped, so a cell run again never trains
 * the same networks in two loops at once. In a cell that was interrupted, `requested` is true
 * from the start.
 */
export async function watchInterrupts(): Promise<InterruptWatch> {
  if (inKernel()) {
    if (!kernelHooks) installKernelHooks();
    // Out of the cell's synchronous part first: while it runs, Node's vm (tslab runs cells with
    // breakOnSigint) detaches every SIGINT listener and attaches them again when it ends.
    await new Promise<void>((resolve) => setImmediate(resolve));
    takeOverSigint();
  }
  const stopping = [...running].filter((w) => w.requested);
  if (stopping.length > 0) await Promise.all(stopping.map((w) => w.finished));
  let finish = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const watch: Watch = { requested: cellInterrupted, finished, finish };
  running.add(watch);
  return {
    get requested() {
      return watch.requested;
    },
    cellInterrupted: watch.requested,
    close() {
      running.delete(watch);
      watch.finish();
      if (watch.requested && cellBoundaries) cellInterrupted = true;
    },
  };
}

/**
 * Asks every running genlab loop to stop at its next step (what Kernel → Interrupt does in a
 * notebook). Returns how many loops were asked.
 */
export function interruptTraining(): number {
  let asked = 0;
  for (const watch of running) {
    if (!watch.requested) asked++;
    watch.requested = true;
  }
  return asked;
}

/**
 * What a loop throws when an interrupt leaves nothing worth keeping (a judge half trained is
 * not cached): an error that prints as its one-line message, without a stack trace.
 */
export class TrainingInterrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingInterrupted';
  }

  /** How Node's console (and so tslab) prints it: the message alone. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.message;
  }
}

/**
 * In a tslab kernel: hooks around tslab's execution of each cell (backend/notebook-kernel.ts)
 * that reset the per-cell flag and turn the reply of an interrupted cell into an error (tslab
 * then cancels the cells queued behind it). Installed when genlab is loaded, in the kernel
 * process only; tslab stays as it is when its internals are not the expected ones.
 */
function installKernelHooks(): void {
  kernelHooks = true;
  const wrapped = wrapCellExecution({
    cellStarts: () => {
      cellInterrupted = false;
    },
    cellFailed: () => cellInterrupted,
  });
  if (wrapped) cellBoundaries = true;
}

/** tslab's SIGINT listeners (and any other), called only when no genlab loop is waiting to stop. */
const othersOnSigint: Array<(signal: NodeJS.Signals) => void> = [];

function onSigint(signal: NodeJS.Signals): void {
  const waiting = [...running].filter((w) => !w.requested);
  if (waiting.length > 0) {
    for (const watch of waiting) watch.requested = true;
    return;
  }
  for (const listener of othersOnSigint) listener.call(process, signal);
}

/** Puts genlab's SIGINT listener in place of every other one (which it calls when no loop runs). */
function takeOverSigint(): void {
  for (const listener of process.listeners('SIGINT') as Array<(signal: NodeJS.Signals) => void>) {
    if (listener === onSigint) continue;
    process.removeListener('SIGINT', listener);
    if (!othersOnSigint.includes(listener)) othersOnSigint.push(listener);
  }
  if (!process.listeners('SIGINT').includes(onSigint)) process.on('SIGINT', onSigint);
}

// In a kernel, hook in as soon as genlab is loaded (the first cell), so the first training
// cell's reply can already be turned into an error.
if (inKernel()) installKernelHooks();
