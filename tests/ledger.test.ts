import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RecordedNumber } from '../src/course';
import {
  allTies,
  checkTies,
  findTies,
  formatLike,
  ledgerPath,
  mergeRun,
  readLedger,
  rewriteTies,
  unrecordedTies,
  validateLedger,
  type Ledger,
  type Provenance,
} from '../scripts/ledger';
import { cellLimits, statedSeconds, LIMIT_MARGIN, LIMIT_MULTIPLE, NEVER_RUN_LIMIT, type LessonRecord } from '../scripts/course-full';

// The course's own ties: every number tied in lessons/*.md and README.md agrees with the committed ledger.
test('every tie in lessons/*.md and README.md agrees with lessons/measured.json', (t) => {
  const ledger = readLedger(ledgerPath());
  const problems = checkTies(allTies(), ledger);
  t.deepEqual(problems, [], `\n${problems.join('\n')}`);
});

test('the committed ledger is valid JSON with the ledger layout, even when empty', (t) => {
  const parsed = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'lessons', 'measured.json'), 'utf8'));
  t.deepEqual(validateLedger(parsed), []);
});

const run = (date = '2026-12-06T08:00:00.000Z'): Provenance => ({
  command: 'course:full 02',
  commit: 'abc',
  dirty: false,
  date,
  backend: 'wasm',
  threads: 2,
  machine: { cpu: 'test', cores: 2, memoryGiB: 4, node: 'v20', platform: 'linux' },
  load: { start: 1, end: 1 },
  seconds: 10,
});

const LEDGER: Ledger = {
  version: 1,
  runs: { '02@2026-12-06T08:00:00.000Z': run() },
  values: {
    '02.mnist.emaRecognisable': { value: 93.1249, unit: '%', digits: 1, label: 'EMA', lesson: '02', run: '02@2026-12-06T08:00:00.000Z' },
    '02.mnist.steps': { value: 12000, unit: '', digits: 0, label: 'steps', lesson: '02', run: '02@2026-12-06T08:00:00.000Z' },
    '02.mnist.delta': { value: -0.349, unit: '', digits: 2, label: 'delta', lesson: '02', run: '02@2026-12-06T08:00:00.000Z' },
  },
};

test('findTies: the last number before the comment, with separators, sign and decimals', (t) => {
  const md = [
    'The EMA generator draws **93.1%**<!-- ledger: 02.mnist.emaRecognisable --> recognisable digits',
    'after 12,000<!-- ledger: 02.mnist.steps --> steps, and a change of −0.35 <!-- ledger: 02.mnist.delta -->.',
    'Lesson 02 ran 3 minutes for 93%<!-- ledger: 02.mnist.emaRecognisable -->',
    '```ts',
    "course.record('x', 1); // 5<!-- ledger: 02.not.aTie -->",
    '```',
    'An example: `**93.1%**<!-- ledger: 02.example -->` is not a tie.',
  ].join('\n');
  const ties = findTies(md, 'lesson.md');
  t.deepEqual(
    ties.map((x) => [x.line, x.key, x.written, x.value, x.decimals]),
    [
      [1, '02.mnist.emaRecognisable', '93.1', 93.1, 1],
      [2, '02.mnist.steps', '12,000', 12000, 0],
      [2, '02.mnist.delta', '−0.35', -0.35, 2],
      [3, '02.mnist.emaRecognisable', '93', 93, 0],
    ],
  );
});

test('checkTies: agrees at the precision written, and names file:line, key, written and ledger values', (t) => {
  const good = 'a **93.1%**<!-- ledger: 02.mnist.emaRecognisable --> b 12,000<!-- ledger: 02.mnist.steps --> c -0.35<!-- ledger: 02.mnist.delta -->';
  t.deepEqual(checkTies(findTies(good, 'l.md'), LEDGER), []);

  const wrong = 'line one\nabout **93.2%**<!-- ledger: 02.mnist.emaRecognisable -->';
  t.deepEqual(checkTies(findTies(wrong, 'lessons/02-gan.md'), LEDGER), [
    'lessons/02-gan.md:2: 02.mnist.emaRecognisable is written 93.2 but the ledger has 93.1249 (93.1 at the 1 decimal(s) written)',
  ]);

  const missing = 'x 5<!-- ledger: 02.mnist.nothing -->\nno number<!-- ledger: 02.mnist.steps -->';
  const problems = checkTies(findTies(missing, 'README.md'), LEDGER);
  t.regex(problems[0], /^README\.md:1: 02\.mnist\.nothing is tied \(written 5\) but is not in the ledger/);
  t.regex(problems[1], /^README\.md:2: the tie to 02\.mnist\.steps follows no number/);
});

test('checkTies: a mutated ledger value fails a tie that passed', (t) => {
  const md = 'draws **93.1%**<!-- ledger: 02.mnist.emaRecognisable -->';
  t.deepEqual(checkTies(findTies(md, 'l.md'), LEDGER), []);
  const mutated = structuredClone(LEDGER);
  mutated.values['02.mnist.emaRecognisable'].value = 91.7;
  t.is(checkTies(findTies(md, 'l.md'), mutated).length, 1);
});

test('rewriteTies: new values at the precision written, keeping markup, separators, signs and %', (t) => {
  const md = [
    'draws **90.0%**<!-- ledger: 02.mnist.emaRecognisable --> after 9,999<!-- ledger: 02.mnist.steps --> steps',
    'change −0.10<!-- ledger: 02.mnist.delta --> and 1 decimal here: 93<!-- ledger: 02.mnist.emaRecognisable -->',
    'untouched: 7<!-- ledger: 02.absent --> and `5<!-- ledger: 02.mnist.steps -->`',
  ].join('\n');
  const { text, changed } = rewriteTies(md, 'l.md', LEDGER);
  t.is(
    text,
    [
      'draws **93.1%**<!-- ledger: 02.mnist.emaRecognisable --> after 12,000<!-- ledger: 02.mnist.steps --> steps',
      'change −0.35<!-- ledger: 02.mnist.delta --> and 1 decimal here: 93<!-- ledger: 02.mnist.emaRecognisable -->',
      'untouched: 7<!-- ledger: 02.absent --> and `5<!-- ledger: 02.mnist.steps -->`',
    ].join('\n'),
  );
  t.is(changed.length, 3);
  t.deepEqual(checkTies(findTies(text, 'l.md').filter((x) => x.key !== '02.absent'), LEDGER), []);
  t.is(formatLike('1500', 2500.4), '2500');
  t.is(formatLike('+1.0', 2.25), '+2.3');
});

test('mergeRun: replaces a lesson\'s keys, keeps provenance per run, drops runs no value uses', (t) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-')), 'measured.json');
  const n = (key: string, value: number): RecordedNumber => ({ key, value, unit: '%', digits: 1, label: key, quick: false, backend: 'wasm', threads: 2, at: 1 });
  mergeRun([n('02.a', 1), n('02.b', 2)], run('2026-12-06T08:00:00.000Z'), { lesson: '02' }, { replace: true, file });
  mergeRun([n('exp.x', 5)], { ...run('2026-12-06T08:30:00.000Z'), command: 'experiment exp' }, { experiment: 'exp' }, { file });
  mergeRun([n('02.a', 3)], run('2026-12-06T09:00:00.000Z'), { lesson: '02' }, { replace: true, file });
  const ledger = readLedger(file);
  t.deepEqual(Object.keys(ledger.values), ['02.a', 'exp.x']);
  t.is(ledger.values['02.a'].value, 3);
  t.is(ledger.values['02.a'].lesson, '02');
  t.is(ledger.values['exp.x'].experiment, 'exp');
  t.deepEqual(Object.keys(ledger.runs), ['02@2026-12-06T09:00:00.000Z', 'exp@2026-12-06T08:30:00.000Z']);
  t.deepEqual(fs.readdirSync(path.dirname(file)), ['measured.json']);
});

test('course:full limits: stated length, else the last run of an unchanged cell, else the never-run limit', (t) => {
  t.is(statedSeconds('// full run: about 12 min\ntrain()'), 720);
  t.is(statedSeconds('// full run: 90 s'), 90);
  t.is(statedSeconds('// Full run: ~1.5 h'), 5400);
  t.is(statedSeconds('train() // full run: 3 min'), undefined);
  const cells = [
    { id: 'a', cell_type: 'markdown', source: '# title' },
    { id: 'b', cell_type: 'code', source: '// full run: about 10 min\nawait train();' },
    { id: 'c', cell_type: 'code', source: 'await measure();' },
    { id: 'd', cell_type: 'code', source: 'await changed();' },
  ];
  const sha = (s: string) => require('crypto').createHash('sha256').update(s).digest('hex') as string;
  const previous = {
    seconds: {
      cells: [
        { index: 2, id: 'c', source: sha('await measure();'), seconds: 40, limit: null, limitFrom: 'never run' },
        { index: 3, id: 'd', source: sha('await before();'), seconds: 40, limit: null, limitFrom: 'never run' },
      ],
    },
  } as unknown as LessonRecord;
  t.deepEqual(cellLimits(cells, previous), [
    { limit: null, from: 'not code' },
    { limit: LIMIT_MULTIPLE * 600 + LIMIT_MARGIN, from: 'stated' },
    { limit: LIMIT_MULTIPLE * 40 + LIMIT_MARGIN, from: 'last run' },
    { limit: NEVER_RUN_LIMIT, from: 'never run' },
  ]);
});

test('quick-run coverage: a lesson\'s own tied keys that its run did not record (not NN.run.…, not other lessons\')', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coverage-'));
  const lesson = path.join(dir, '02-gan.md');
  fs.writeFileSync(
    lesson,
    [
      'a 93.1%<!-- ledger: 02.mnist.emaRecognisable --> b 12<!-- ledger: 02.mnist.missing -->',
      'c 4.0<!-- ledger: 02.run.fullMinutes --> d 97.2%<!-- ledger: judges.mnist.realRecognisable1000 -->',
      '`e 5<!-- ledger: 02.example.inCode -->`',
    ].join('\n'),
  );
  const record = path.join(dir, 'record.jsonl');
  fs.writeFileSync(record, JSON.stringify({ key: '02.mnist.emaRecognisable', value: 1, unit: '', digits: 1, label: 'x', quick: true, backend: 'wasm', threads: 2, at: 1 }) + '\n');
  t.deepEqual(unrecordedTies(lesson, record), ['02.mnist.missing']);
  t.deepEqual(unrecordedTies(lesson, path.join(dir, 'absent.jsonl')), ['02.mnist.emaRecognisable', '02.mnist.missing']);
});
