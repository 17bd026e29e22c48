/**
 * `npm run bench`: training-step speed of every backend genlab can use here, next to PyTorch.
 *
 *   npm run bench                       # all cases, 3 interleaved rounds
 *   npm run bench -- --rounds 5 --steps 8 --only reference
 *   npm run bench -- --cpu-cap 300      # let the cpu backend try a big model for up to 300 s
 *   npm run bench -- --ledger           # also merge the numbers into lessons/measured.json
 *
 * Each measurement is a child process (scripts/bench-worker.ts, or scripts/bench-torch.py for
 * PyTorch) that builds the model, runs `--warmup` steps, then times `--steps` steps. The
 * rounds are interleaved (wasm 1 thread, wasm N threads, PyTorch 1 thread, PyTorch 2
 * threads, then again), because the machine may be shared: ratios are taken within a round,
 * then their median is reported. The pure-JS cpu backend runs only the cases marked
 * cpu-friendly, plus a single capped step of the others (a DCGAN step takes minutes there).
 *
 * Writes results/bench/bench-<time>.{json,md} and results/bench/latest.{json,md}.
 * Where a step spends its time, kernel by kernel (tf.profile):
 *   npx tsx scripts/bench-worker.ts '{"case":0,"backend":"wasm","threads":1,"steps":1,"warmup":2,"profile":true}'
 * A benchmark, not a test: nothing here asserts a speed.
 *
 * Records (course.record) bench.<case>.<runner>.msPerStep (median) and .vsTorch1 (speed relative
 * to PyTorch on 1 thread, the median of per-round ratios); case = reference, mlpGan, vae, dcgan,
 * pix2pix, cyclegan; runner = wasm1, wasm2 (wasm with N threads), cpu, torch1, torch2. With
 * --ledger they are merged into lessons/measured.json (README ties its speed numbers to them);
 * without, a run on a busy machine cannot replace the ledger's numbers by accident.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { BENCH_CASES } from './bench-steps';
import { checkThreads, requestedThreads } from '../src/backend/threads';
import { record } from '../src/course';
import { writeFileAtomic } from '../src/files';
import { parseCommand, run } from './args';
import { startRecording } from './recorded';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'results', 'bench');
const PYTHON = process.env.GENLAB_BENCH_PYTHON ?? '/usr/bin/python3';

function parseOptions(argv: string[]) {
  return parseCommand('bench', argv, {
    flags: {
      rounds: { kind: 'positiveInteger', default: 3, help: 'interleaved rounds' },
      steps: { kind: 'positiveInteger', default: 5, help: 'timed steps per backend and round' },
      warmup: { kind: 'nonNegativeInteger', default: 2, help: 'untimed steps first' },
      'cpu-steps': { kind: 'positiveInteger', default: 3, help: 'timed steps of the pure-JS cpu backend (small models)' },
      'cpu-cap': { kind: 'positive', default: 120, help: 'seconds the cpu backend may take for one step of a big model' },
      only: { kind: 'string', help: 'only the cases whose name contains this' },
      ledger: { kind: 'boolean', help: 'merge the numbers (bench.…) into lessons/measured.json' },
    },
  });
}

/** One way to run a case: a genlab backend or PyTorch, with a thread count. */
interface Runner {
  label: string;
  kind: 'wasm' | 'cpu' | 'torch';
  threads: number;
}

interface Sample {
  round: number;
  times: number[];
  peakRssMB: number;
  cutOff?: boolean;
}

interface ChildResult {
  skipped?: boolean;
  times: number[];
  peakRssMB: number;
  losses: number[];
  leakedTensors?: number;
}

function runChild(command: string, args: string[], timeoutSeconds: number): Promise<ChildResult | 'timeout'> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a cut-off kills everything it started.
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, timeoutSeconds * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) return resolve('timeout');
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || line === undefined) {
        return reject(new Error(`bench: ${path.basename(args[args.length - 2] ?? command)} failed (exit ${code}):\n${stderr.slice(-2000)}`));
      }
      resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as ChildResult);
    });
  });
}

function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

const median = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

async function main(): Promise<void> {
  const args = parseOptions(process.argv.slice(2));
  const options = { rounds: args.rounds, steps: args.steps, warmup: args.warmup, cpuSteps: args['cpu-steps'], cpuCapSeconds: args['cpu-cap'], only: args.only };
  const recording = startRecording('bench', `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim());
  const cases = BENCH_CASES.map((c, index) => ({ ...c, index })).filter(
    (c) => options.only === undefined || c.name.toLowerCase().includes(options.only.toLowerCase()),
  );
  const threads = requestedThreads('auto');
  const threadsProblem = threads > 1 ? checkThreads(threads) : 'one core';
  const hasTorch = torchAvailable();
  const runners: Runner[] = [{ label: 'wasm, 1 thread', kind: 'wasm', threads: 1 }];
  if (threadsProblem === undefined) runners.push({ label: `wasm, ${threads} threads`, kind: 'wasm', threads });
  runners.push({ label: 'cpu (pure JS)', kind: 'cpu', threads: 1 });
  if (hasTorch) {
    runners.push({ label: 'PyTorch, 1 thread', kind: 'torch', threads: 1 });
    runners.push({ label: 'PyTorch, 2 threads', kind: 'torch', threads: 2 });
  }
  console.log(`bench: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
  if (threadsProblem !== undefined) console.log(`bench: wasm threads off: ${threadsProblem}`);
  if (!hasTorch) console.log(`bench: no PyTorch at ${PYTHON} (apt-get install python3-torch): no reference column`);

  const samples = new Map<string, Sample[]>(); // key: caseIndex|runner label
  const skipped = new Set<number>();
  for (let round = 0; round < options.rounds; round++) {
    for (const benchCase of cases) {
      if (skipped.has(benchCase.index)) continue;
      for (const runner of runners) {
        if (runner.kind === 'torch' && benchCase.index !== 0) continue; // PyTorch mirrors the reference step only
        const cpuCapped = runner.kind === 'cpu' && !benchCase.cpuFriendly;
        if (runner.kind === 'cpu' && round > 0 && cpuCapped) continue; // one capped try is enough
        const steps = runner.kind === 'cpu' ? (cpuCapped ? 1 : options.cpuSteps) : options.steps;
        const warmup = cpuCapped ? 0 : options.warmup;
        let result: ChildResult | 'timeout';
        if (runner.kind === 'torch') {
          const args = [path.join('scripts', 'bench-torch.py'), JSON.stringify({ threads: runner.threads, steps, warmup })];
          result = await runChild(PYTHON, args, 900);
        } else {
          const spec = { case: benchCase.index, backend: runner.kind, threads: runner.threads, steps, warmup };
          // This process runs under tsx: its loader flags let a plain node child run TypeScript.
          const args = [...process.execArgv, path.join('scripts', 'bench-worker.ts'), JSON.stringify(spec)];
          result = await runChild(process.execPath, args, cpuCapped ? options.cpuCapSeconds : 900);
        }
        if (result !== 'timeout' && result.skipped) {
          skipped.add(benchCase.index);
          console.log(`bench: ${benchCase.name}: not in this build of genlab, skipped`);
          break;
        }
        const key = `${benchCase.index}|${runner.label}`;
        const list = samples.get(key) ?? [];
        const sample: Sample =
          result === 'timeout'
            ? { round, times: [options.cpuCapSeconds * 1000], peakRssMB: NaN, cutOff: true }
            : { round, times: result.times, peakRssMB: result.peakRssMB };
        list.push(sample);
        samples.set(key, list);
        const shown = sample.cutOff ? `> ${options.cpuCapSeconds} s (cut off)` : `${median(sample.times).toFixed(0)} ms/step`;
        console.log(`round ${round + 1}/${options.rounds}  ${benchCase.name}  ${runner.label}: ${shown}`);
      }
    }
  }

  const rows = [];
  for (const benchCase of cases) {
    if (skipped.has(benchCase.index)) continue;
    const torchKey = `${benchCase.index}|PyTorch, 1 thread`;
    for (const runner of runners) {
      const list = samples.get(`${benchCase.index}|${runner.label}`);
      if (list === undefined) continue;
      const times = list.flatMap((s) => s.times).sort((a, b) => a - b);
      const cutOff = list.some((s) => s.cutOff);
      const ms = median(times);
      // Speed relative to PyTorch 1 thread, per round (same load), then the median.
      const torch = samples.get(torchKey);
      let speedVsTorch: number | undefined;
      if (torch !== undefined && !cutOff) {
        const ratios = list
          .map((s) => {
            const sameRound = torch.find((t) => t.round === s.round);
            return sameRound ? median(sameRound.times) / median(s.times) : undefined;
          })
          .filter((r): r is number => r !== undefined);
        if (ratios.length > 0) speedVsTorch = median(ratios);
      }
      const runnerKey = `${runner.kind === 'torch' ? 'torch' : runner.kind}${runner.kind === 'cpu' ? '' : runner.threads}`;
      if (!cutOff) {
        record(`bench.${benchCase.key}.${runnerKey}.msPerStep`, ms, { unit: ' ms', digits: 0, label: `${benchCase.name}, ${runner.label}, ms/step (median)` });
        if (speedVsTorch !== undefined && runner.kind !== 'torch') {
          record(`bench.${benchCase.key}.${runnerKey}.vsTorch1`, speedVsTorch, { unit: '×', digits: 2, label: `${benchCase.name}, ${runner.label}, speed vs PyTorch 1 thread` });
        }
      }
      rows.push({
        model: benchCase.name,
        runner: runner.label,
        steps: times.length,
        msPerStepMedian: ms,
        msPerStepQ1: quantile(times, 0.25),
        msPerStepQ3: quantile(times, 0.75),
        imagesPerSecond: cutOff ? 0 : benchCase.batchSize / (ms / 1000),
        speedVsPyTorch1Thread: speedVsTorch,
        peakRssMB: Math.max(...list.map((s) => s.peakRssMB).filter(Number.isFinite)),
        cutOff,
      });
    }
  }

  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const machine = `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load average ${os.loadavg()[0].toFixed(1)} at the end`;
  const lines = [
    `| Model | Backend | ms/step: median (IQR) | images/s | speed vs PyTorch 1 thread | peak RSS |`,
    `|---|---|---|---|---|---|`,
    ...rows.map((r) => {
      const ms = r.cutOff
        ? `> ${(r.msPerStepMedian / 1000).toFixed(0)} s (cut off)`
        : `${r.msPerStepMedian.toFixed(0)} (${r.msPerStepQ1.toFixed(0)}–${r.msPerStepQ3.toFixed(0)})`;
      const speed = r.speedVsPyTorch1Thread === undefined ? '–' : `${r.speedVsPyTorch1Thread.toFixed(2)}×`;
      const images = r.cutOff ? '–' : r.imagesPerSecond.toFixed(r.imagesPerSecond < 10 ? 1 : 0);
      const rss = Number.isFinite(r.peakRssMB) ? `${r.peakRssMB.toFixed(0)} MB` : '–';
      return `| ${r.model} | ${r.runner} | ${ms} | ${images} | ${speed} | ${rss} |`;
    }),
  ];
  const header = [
    `Measured with \`${command}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${machine}, Node ${process.version}.`,
    `${options.rounds} interleaved rounds of ${options.warmup} warm-up + ${options.steps} timed steps per backend` +
      ` (cpu: ${options.cpuSteps} steps, or 1 step capped at ${options.cpuCapSeconds} s for the big models).`,
    '',
  ];
  const markdown = [...header, ...lines, ''].join('\n');
  console.log(`\n${markdown}`);

  fs.mkdirSync(OUT, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify({ command, machine, node: process.version, options, rows }, null, 2);
  for (const [name, content] of [[`bench-${stamp}.json`, json], [`bench-${stamp}.md`, markdown], ['latest.json', json], ['latest.md', markdown]]) {
    writeFileAtomic(path.join(OUT, name), content);
  }
  console.log(`bench: wrote ${path.relative(ROOT, OUT)}/bench-${stamp}.{json,md} and latest.{json,md}`);
  recording.finish(args.ledger);
}

run(main);
