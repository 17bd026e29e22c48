/**
 * For a script that records its own headline numbers in-process (`npm run bench`,
 * `npm run judge:train`): points GENLAB_RECORD at a file for the run, then merges what
 * `course.record` appended into the ledger with the run's provenance (the same writer as
 * course:full and the experiments).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ledgerPath, mergeRun, readLedger, readRecordFile, ROOT } from './ledger';
import { finishRun, startRun } from './provenance';

export interface RecordedRun {
  /** Ends the run: merges the numbers recorded since `startRecording` (when `merge`) and says so. */
  finish(merge: boolean): void;
}

/** Starts recording for `name` ('bench', 'judges'); the keys it records must start with `name.`. */
export function startRecording(name: string, command: string): RecordedRun {
  readLedger(); // a broken ledger stops before the run, not after it
  const start = startRun(command);
  const dir = path.join(ROOT, 'results', 'records');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${start.date.replace(/[:.]/g, '-')}.jsonl`);
  process.env.GENLAB_RECORD = file;
  return {
    finish(merge: boolean) {
      const numbers = readRecordFile(file, `record it again: run \`${command}\` again`);
      const foreign = numbers.filter((n) => !n.key.startsWith(`${name}.`));
      if (foreign.length > 0) throw new Error(`${name}: recorded keys outside '${name}.…': ${foreign.map((n) => n.key).join(', ')}`);
      if (!merge) {
        console.log(`${name}: ${numbers.length} number(s) recorded in ${path.relative(ROOT, file)}; ledger untouched`);
        return;
      }
      const merged = mergeRun(numbers, finishRun(start, numbers), { experiment: name });
      console.log(`${name}: ${merged.keys.length} number(s) into the ledger, ${path.relative(ROOT, ledgerPath())}`);
    },
  };
}
