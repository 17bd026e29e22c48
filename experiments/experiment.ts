/**
 * `npm run experiment -- NAME [flags]`: runs one of the measurements too long for a lesson
 * (experiments/NAME.ts) and merges the numbers it records (`course.record`, keys `NAME.…`) into
 * the ledger, lessons/measured.json, with the run's provenance. A lesson quotes them only in a
 * "Measured outside this notebook" box that names the command.
 *
 *   npm run experiment -- --list                      the experiments, one line each
 *   npm run experiment -- dcgan-steps --name base     run one; its flags: NAME --help
 *   npm run experiment -- --no-ledger dcgan-timing --steps 2   run without touching the ledger
 *
 * An experiment that fails (exit code not 0) merges nothing. Every run's numbers are also kept
 * in results/experiments/NAME/<date>.jsonl.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { mergeRun, readLedger, readRecordFile } from '../scripts/ledger';
import { finishRun, startRun } from '../scripts/provenance';

/** Every experiment, with what it measures (one line for --list). */
export const EXPERIMENTS: Record<string, string> = {
  'dcgan-runs': 'lessons 05-06 DCGAN runs for a time budget (mnist, fashion, conditional, self-conditioned) or the five losses compared (compare)',
  'dcgan-steps': 'quality against training steps for one DCGAN setting, with EMA copies of G (how the recipe was chosen)',
  'dcgan-timing': 'ms per DCGAN training step, wall and CPU, for four model sizes',
  'dcgan-truncation': 'the truncation trick on a saved DCGAN: recognisability and the rarest class against psi',
  'dcgan-batchnorm-modes': "G's batch norm when sampling: moving statistics, batch statistics, re-estimated statistics",
  'judge-recipes': 'trains one judge variant and reports test accuracy, real-data recognisability and honesty on non-images',
  'measure-gan': "lesson 02's MNIST MLP GAN with any settings: recognisability of G and its EMA copy over steps",
  'measure-pix2pix': 'Pix2Pix on edges -> clothing (or facades): judge accuracy, L1, SSIM over steps',
  'measure-vae': "lesson 04's VAE runs: test ELBO, 2-D latent k-NN accuracy, beta sweep, conditional VAE",
  'ring-seeds': "lesson 02's ring-of-8-Gaussians GAN over several seeds: modes covered per seed",
};

const ROOT = path.resolve(__dirname, '..');

function main(): number {
  const argv = process.argv.slice(2);
  let ledger = true;
  while (argv[0]?.startsWith('--')) {
    const flag = argv.shift()!;
    if (flag === '--list') {
      const width = Math.max(...Object.keys(EXPERIMENTS).map((n) => n.length));
      for (const [name, what] of Object.entries(EXPERIMENTS)) console.log(`${name.padEnd(width)}  ${what}`);
      return 0;
    } else if (flag === '--no-ledger') ledger = false;
    else {
      console.error(`experiment: unknown option '${flag}' before the experiment's name; usage: npm run experiment -- [--list] [--no-ledger] NAME [flags]`);
      return 2;
    }
  }
  const name = argv.shift();
  if (name === undefined || !(name in EXPERIMENTS)) {
    console.error(`experiment: ${name === undefined ? 'name an experiment' : `no experiment '${name}'`}; one of: ${Object.keys(EXPERIMENTS).join(', ')} (npm run experiment -- --list)`);
    return 2;
  }
  readLedger(); // a broken ledger stops before the run, not after it
  const start = startRun(['experiment', name, ...argv].join(' '));
  const dir = path.join(ROOT, 'results', 'experiments', name);
  fs.mkdirSync(dir, { recursive: true });
  const recordFile = path.join(dir, `${start.date.replace(/[:.]/g, '-')}.jsonl`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, `${name}.ts`), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, GENLAB_RECORD: recordFile },
  });
  let numbers: ReturnType<typeof readRecordFile>;
  try {
    numbers = readRecordFile(recordFile, `record it again: \`npm run experiment -- ${[name, ...argv].join(' ')}\``);
  } catch (error) {
    // A run killed mid-record: say which file and line, and keep its numbers out of the ledger.
    console.error(`experiment ${name}: ${(error as Error).message}`);
    return child.status || 1;
  }
  if (child.status !== 0) {
    console.error(`experiment ${name}: exited ${child.status ?? child.signal}; its ${numbers.length} recorded number(s) stay out of the ledger`);
    return child.status || 1;
  }
  if (argv.includes('--help') || argv.includes('-h')) return 0;
  const foreign = numbers.filter((n) => !n.key.startsWith(`${name}.`));
  if (foreign.length > 0) {
    console.error(`experiment ${name}: recorded keys outside '${name}.…': ${foreign.map((n) => n.key).join(', ')}; nothing merged`);
    return 1;
  }
  if (!ledger) {
    console.log(`experiment ${name}: ${numbers.length} number(s) recorded in ${path.relative(ROOT, recordFile)}, ledger untouched (--no-ledger)`);
    return 0;
  }
  const merged = mergeRun(numbers, finishRun(start, numbers), { experiment: name });
  console.log(`experiment ${name}: ${merged.keys.length} number(s) into the ledger (${path.relative(ROOT, recordFile)})`);
  return 0;
}

if (require.main === module) process.exit(main());
