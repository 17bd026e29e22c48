import test from 'ava';
import { parseCommand, usage, UsageError, type CommandSpec } from '../scripts/args';

const SPEC = {
  positionals: { help: 'runs', choices: ['mnist', 'fashion'], max: 1 },
  flags: {
    steps: { kind: 'positiveInteger', default: 30, help: 'timed steps' },
    lr: { kind: 'positive', default: 4e-4, help: 'learning rate' },
    ema: { kind: 'nonNegative', help: 'EMA decay' },
    seeds: { kind: 'integers', default: [0, 1], help: 'seeds' },
    loss: { kind: 'string', default: 'hinge', choices: ['hinge', 'lsgan'], help: 'loss' },
    name: { kind: 'string', help: 'run name' },
    force: { kind: 'boolean', help: 'force' },
  },
} as const satisfies CommandSpec;

test('parseCommand: defaults, typed values, given flags and words', (t) => {
  const a = parseCommand('demo', [], SPEC);
  t.is(a.steps, 30);
  t.is(a.lr, 4e-4);
  t.is(a.ema, undefined);
  t.deepEqual(a.seeds, [0, 1]);
  t.is(a.force, false);
  t.deepEqual(a.positionals, []);
  const b = parseCommand('demo', ['fashion', '--steps', '12', '--lr=1e-3', '--ema', '0', '--seeds', '3,4,5', '--loss', 'lsgan', '--force'], SPEC);
  t.is(b.steps, 12);
  t.is(b.lr, 1e-3);
  t.is(b.ema, 0);
  t.deepEqual(b.seeds, [3, 4, 5]);
  t.is(b.loss, 'lsgan');
  t.true(b.force);
  t.deepEqual(b.positionals, ['fashion']);
  t.true(b.given.has('ema'));
  t.false(b.given.has('name'));
});

test('parseCommand: malformed values are rejected with the command, the flag and what came', (t) => {
  const fails = (argv: string[], message: string | RegExp) => {
    const error = t.throws(() => parseCommand('dcgan-timing', argv, SPEC), { instanceOf: UsageError });
    if (typeof message === 'string') t.is(error?.message, message);
    else t.regex(error?.message ?? '', message);
  };
  fails(['--steps', 'abc'], "dcgan-timing: --steps must be a positive integer, got 'abc'");
  fails(['--steps', '2.5'], "dcgan-timing: --steps must be a positive integer, got '2.5'");
  fails(['--steps', '0'], "dcgan-timing: --steps must be a positive integer, got '0'");
  fails(['--lr=-1'], "dcgan-timing: --lr must be a positive number, got '-1'");
  fails(['--lr', '-1'], "dcgan-timing: --lr needs a value (write --lr=-1 for a value that starts with a dash)");
  fails(['--lr', ''], "dcgan-timing: --lr must be a positive number, got ''");
  fails(['--seeds', '1,x'], "dcgan-timing: --seeds must be comma-separated integers, got '1,x'");
  fails(['--loss', 'wgan'], "dcgan-timing: --loss must be one of hinge, lsgan, got 'wgan'");
  fails(['--stpes', '3'], /^dcgan-timing: Unknown option '--stpes'.*--help lists the flags/);
  fails(['--steps'], /^dcgan-timing: Option '--steps <value>' argument missing/);
  fails(['--force=yes'], /^dcgan-timing: Option '--force' does not take an argument/);
  fails(['cifar'], "dcgan-timing: 'cifar' is not one of mnist, fashion");
  fails(['mnist', 'fashion'], /^dcgan-timing: expected at most 1 word/);
});

test('parseCommand: words are refused when the command takes none', (t) => {
  t.throws(() => parseCommand('bench', ['extra'], { flags: {} }), { instanceOf: UsageError, message: /^bench: Unexpected argument 'extra'/ });
});

test('usage lists every flag with its kind and default', (t) => {
  const text = usage('demo', SPEC);
  t.regex(text, /--steps <a positive integer>  timed steps \(default 30\)/);
  t.regex(text, /--loss <hinge\|lsgan>  loss \(default hinge\)/);
  t.regex(text, /--force  force$/m);
});
