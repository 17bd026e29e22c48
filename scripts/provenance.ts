/**
 * Provenance of a recorded run: which code (commit, and whether the tree had changes), when,
 * on what machine and under what load. Shared by course:full, the experiments, bench and judge:train.
 */
import * as os from 'os';
import { spawnSync } from 'child_process';
import type { RecordedNumber } from '../src/course';
import type { Provenance } from './ledger';
import { ROOT } from './ledger';

function git(args: string[]): string | undefined {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** What is known when a run starts; `finish` completes it. */
export interface RunStart {
  command: string;
  commit: string;
  dirty: boolean;
  date: string;
  startedAt: number;
  loadStart: number;
}

export function startRun(command: string): RunStart {
  // The ledger is what runs write: a change there (an earlier lesson of the same course:full) is not a change of the code.
  const status = git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)lessons/measured.json']);
  return {
    command,
    commit: git(['rev-parse', 'HEAD']) ?? 'unknown',
    dirty: status === undefined ? true : status !== '',
    date: new Date().toISOString(),
    startedAt: Date.now(),
    loadStart: round(os.loadavg()[0]),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

export function machine(): Provenance['machine'] {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/**
 * The run's provenance at its end. Backend and threads come from the recorded numbers (each
 * carries the backend genlab ran on); `fallback` is used when nothing was recorded.
 */
export function finishRun(start: RunStart, numbers: RecordedNumber[], fallback: { backend?: string; threads?: number } = {}): Provenance {
  const first = numbers.find((n) => n.backend !== undefined);
  return {
    command: start.command,
    commit: start.commit,
    dirty: start.dirty,
    date: start.date,
    backend: first?.backend ?? fallback.backend,
    threads: first?.threads ?? fallback.threads,
    machine: machine(),
    load: { start: start.loadStart, end: round(os.loadavg()[0]) },
    seconds: Math.round((Date.now() - start.startedAt) / 100) / 10,
  };
}
