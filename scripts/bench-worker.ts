/**
 * One measurement of `npm run bench`, in its own process (a fresh backend, its own peak RSS):
 *
 *   tsx scripts/bench-worker.ts '{"case":0,"backend":"wasm","threads":1,"steps":10,"warmup":2}'
 *   tsx scripts/bench-worker.ts '{"case":0,"backend":"wasm","threads":1,"steps":3,"warmup":2,"profile":true}'
 *
 * Prints one line `BENCH_RESULT {...}` with the time of every measured step in ms.
 * With "profile", it prints instead the kernels of one step, slowest total first.
 */
import { tf, initBackend } from '../src/index';
import { BENCH_CASES } from './bench-steps';

interface WorkerArgs {
  case: number;
  backend: 'wasm' | 'cpu';
  threads?: number;
  steps: number;
  warmup: number;
  profile?: boolean;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as WorkerArgs;
  if (args.threads !== undefined) process.env.GENLAB_WASM_THREADS = String(args.threads);
  const info = await initBackend({ backend: args.backend, verbose: false });
  const benchCase = BENCH_CASES[args.case];
  const prepared = benchCase.prepare();
  if (prepared === undefined) {
    console.log(`BENCH_RESULT ${JSON.stringify({ skipped: true })}`);
    return;
  }
  for (let i = 0; i < args.warmup; i++) prepared.step(1000 + 2 * i);
  if (args.profile) {
    const profile = await tf.profile(() => {
      prepared.step(7);
    });
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const k of profile.kernels) {
      const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      entry.ms += k.kernelTimeMs as number;
      entry.calls += 1;
      byKernel.set(k.name, entry);
    }
    const rows = [...byKernel].sort((a, b) => b[1].ms - a[1].ms);
    const total = rows.reduce((s, [, e]) => s + e.ms, 0);
    console.log(`${benchCase.name} on ${info.name} (${threadsOf(info.name)} thread(s)): ${total.toFixed(1)} ms in kernels`);
    for (const [name, e] of rows) console.log(`${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms  ${String(e.calls).padStart(4)} calls`);
    return;
  }
  const times: number[] = [];
  let losses: number[] = [];
  const tensorsBefore = tf.memory().numTensors;
  for (let i = 0; i < args.steps; i++) {
    const start = performance.now();
    losses = prepared.step(2 * i);
    times.push(performance.now() - start);
  }
  const result = {
    backend: info.name,
    threads: threadsOf(info.name),
    times,
    losses,
    leakedTensors: tf.memory().numTensors - tensorsBefore,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  prepared.dispose();
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

function threadsOf(backend: string): number {
  if (backend !== 'wasm') return 1;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount(): number };
  return wasm.getThreadsCount();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
