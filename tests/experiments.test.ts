import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { EXPERIMENTS } from '../experiments/experiment';

const ROOT = path.join(__dirname, '..');
const DIR = path.join(ROOT, 'experiments');

test('every experiment file is listed with a description, and every listed one exists', (t) => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts') && f !== 'experiment.ts').map((f) => f.replace(/\.ts$/, ''));
  t.deepEqual([...files].sort(), Object.keys(EXPERIMENTS).sort());
  for (const [name, what] of Object.entries(EXPERIMENTS)) t.true(what.length > 10, name);
});

test('every experiment records under its own name and uses the shared parser', (t) => {
  for (const name of Object.keys(EXPERIMENTS)) {
    const source = fs.readFileSync(path.join(DIR, `${name}.ts`), 'utf8');
    t.regex(source, new RegExp(`parseCommand\\('${name}'`), `${name} parses its flags with scripts/args.ts`);
    t.regex(source, /course\.record\(/, `${name} records its headline numbers`);
    t.notRegex(source, /process\.argv\.indexOf|args\.includes\('--/, `${name} reads flags by hand`);
  }
});

test('npm run experiment rejects a malformed flag before any work, and merges nothing', (t) => {
  const ledger = path.join(fs.mkdtempSync(path.join(require('os').tmpdir(), 'exp-')), 'measured.json');
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(DIR, 'experiment.ts'), 'dcgan-timing', '--steps', 'abc'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, GENLAB_LEDGER: ledger },
  });
  t.is(r.status, 2);
  t.regex(r.stderr, /dcgan-timing: --steps must be a positive integer, got 'abc'/);
  t.regex(r.stderr, /stay out of the ledger/);
  t.false(fs.existsSync(ledger));
});
