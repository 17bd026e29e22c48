/**
 * Nothing lost on disk. For each kind of write genlab makes (a training checkpoint, the datasets,
 * the judges' cache, a figure, the ledger, a recorded number) a child process writes a large
 * payload under tests/fixtures/stall-writes.cjs, which stops it half-way through the write it is
 * told to and says so; the test checks that the half-written file is a temporary (or, for an
 * append, the torn end of the record), kills the process with SIGKILL, and shows that the previous
 * file still loads with its old content and that the temporary left behind is never read.
 *
 * Then, for each reader, a truncated and a garbage file give a GenlabError naming the file, what
 * is wrong with it and the command that rebuilds it.
 */
import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as crypto from 'crypto';
import { spawn } from 'child_process';
import { tf, initBackend, course, data, metrics, train, viz, GenlabError } from '../src/index';
import { appendLine, isTemporary, jsonProblem, readJsonLines, writeDirectoryAtomic, writeFileAtomic, recoverDirectory } from '../src/files';
import { mergeRun, readLedger, readRecordFile, writeLedger, EMPTY_LEDGER, type Provenance } from '../scripts/ledger';
import { readRecord } from '../scripts/course-full';
import { bigNetwork, checkpointParts } from './fixtures/disk-writer';

const ROOT = path.resolve(__dirname, '..');
const STALL = path.join(__dirname, 'fixtures', 'stall-writes.cjs');
const WRITER = path.join(__dirname, 'fixtures', 'disk-writer.ts');
const STALL_TIMEOUT_MS = 120_000;

test.before(async () => {
  await initBackend({ verbose: false });
});

const scratch: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genlab-disk-'));
  scratch.push(dir);
  return dir;
}
test.after.always(() => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

interface Stalled {
  /** The file being written when the process was stopped. */
  file: string;
  /** Its size then, and the size it would have had. */
  written: number;
  total: number;
}

/**
 * Runs `node --require stall-writes.cjs …args` until it stalls in the middle of writing a file
 * whose path matches `stallAt`, checks the half-written file is there, then kills it (SIGKILL).
 */
async function killMidWrite(args: string[], stallAt: RegExp, env: Record<string, string> = {}): Promise<Stalled> {
  const child = spawn(process.execPath, ['--require', STALL, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, GENLAB_TEST_STALL: stallAt.source },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  const stalled = await new Promise<Stalled>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no write stalled within ${STALL_TIMEOUT_MS / 1000} s: ${stderr.slice(-2000)}`));
    }, STALL_TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /genlab-test: stalled (\{.*\})\n/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(JSON.parse(m[1]) as Stalled);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the writer ended (exit ${code}, ${signal}) before stalling: ${stderr.slice(-2000)}`));
    });
  });
  // Proof that the kill lands mid-write: the file is there, half written.
  if (!fs.existsSync(stalled.file)) throw new Error(`the stalled file ${stalled.file} does not exist`);
  if (fs.statSync(stalled.file).size !== stalled.written || !(stalled.written < stalled.total)) {
    throw new Error(`${stalled.file} is not half written: ${fs.statSync(stalled.file).size} bytes, stalled at ${stalled.written} of ${stalled.total}`);
  }
  child.kill('SIGKILL');
  const end = await exited;
  if (end.signal !== 'SIGKILL') throw new Error(`the writer ended with ${end.code}/${end.signal}, not by SIGKILL`);
  return stalled;
}

const tsx = (...args: string[]) => ['--import', 'tsx', WRITER, ...args];
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The entries of `dir` that are temporaries of some writer. */
const litter = (dir: string) => fs.readdirSync(dir).filter(isTemporary);

// ---------------------------------------------------------------------------------------------
// Kill tests

test('checkpoint: killed while writing a snapshot\'s weights, the previous checkpoint loads with its old weights', async (t) => {
  const dir = path.join(tempDir(), '02-disk');
  const old = bigNetwork(1);
  await train.saveTrainerCheckpoint(dir, checkpointParts(old, 1));
  const stalled = await killMidWrite(tsx('checkpoint', dir, '2'), /\.tmp-\d+-[0-9a-f]+\/weights\.bin$/);
  t.regex(path.basename(path.dirname(stalled.file)), /^step-000002-[0-9a-z]+\.tmp-\d+-[0-9a-f]+$/, 'the half-written weights are in a temporary snapshot folder');
  t.true(stalled.written > 2_000_000 && stalled.written < stalled.total, `stalled at ${stalled.written} of ${stalled.total} bytes`);
  t.is(train.checkpointStep(dir), 1);
  const copy = bigNetwork(0);
  t.deepEqual(await train.loadNetworkWeights(dir, 'net', copy), { step: 1 });
  const [kernel, bias] = copy.getWeights();
  t.deepEqual([kernel.min().dataSync()[0], kernel.max().dataSync()[0], bias.min().dataSync()[0], bias.max().dataSync()[0]], [1, 1, 1, 1], 'every weight is the old 1');
  t.is(litter(dir).length, 1, 'the killed save left its temporary folder, which nothing reads');
  // The next save tidies it away.
  const next = bigNetwork(3);
  await train.saveTrainerCheckpoint(dir, checkpointParts(next, 3));
  t.deepEqual(litter(dir), []);
  t.is(train.checkpointStep(dir), 3);
  [old, copy, next].forEach((m) => m.dispose());
});

test('checkpoint: killed while replacing checkpoint.json, it still names the previous snapshot', async (t) => {
  const dir = path.join(tempDir(), 'run');
  const old = bigNetwork(1);
  await train.saveTrainerCheckpoint(dir, checkpointParts(old, 1));
  const before = fs.readFileSync(path.join(dir, 'checkpoint.json'), 'utf8');
  const stalled = await killMidWrite(tsx('checkpoint', dir, '2'), /checkpoint\.json\.tmp-\d+-[0-9a-f]+$/);
  t.regex(path.basename(stalled.file), /^checkpoint\.json\.tmp-\d+-[0-9a-f]+$/);
  t.is(fs.readFileSync(path.join(dir, 'checkpoint.json'), 'utf8'), before);
  t.is(train.checkpointStep(dir), 1);
  const copy = bigNetwork(0);
  t.deepEqual(await train.loadNetworkWeights(dir, 'net', copy), { step: 1 });
  const kernel = copy.getWeights()[0];
  t.is(kernel.max().dataSync()[0], 1);
  [old, copy].forEach((m) => m.dispose());
});

test.serial('datasets: `npm run datasets` killed while writing the MNIST images, the previous dataset loads', async (t) => {
  const dir = tempDir();
  const real = data.datasetDir();
  // A previous dataset that differs from what the script writes: its first pixel is 255.
  const images = fs.readFileSync(path.join(real, 'mnist-images.bin'));
  images[0] = 255;
  fs.writeFileSync(path.join(dir, 'mnist-images.bin'), images);
  fs.copyFileSync(path.join(real, 'mnist-labels.bin'), path.join(dir, 'mnist-labels.bin'));
  const manifest = JSON.parse(fs.readFileSync(path.join(real, 'manifest.json'), 'utf8'));
  manifest.datasets.mnist.files.images.sha256 = crypto.createHash('sha256').update(images).digest('hex');
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  const manifestBefore = fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8');

  const stalled = await killMidWrite([path.join(ROOT, 'scripts', 'prepare-datasets.js'), '--force'], /mnist-images\.bin\.tmp-\d+-[0-9a-f]+$/, { GENLAB_DATA_DIR: dir });
  t.is(path.dirname(stalled.file), dir);
  t.is(stalled.total, 7_840_000);
  t.is(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'), manifestBefore);
  const saved = process.env.GENLAB_DATA_DIR;
  process.env.GENLAB_DATA_DIR = dir;
  try {
    const mnist = await data.loadMnist();
    t.is(mnist.train.images.shape[0], 8000);
    t.is(mnist.train.images.dataSync()[0], 1, 'the old first pixel (255 -> 1), not the rebuilt one');
    data.disposeDataset(mnist);
  } finally {
    if (saved === undefined) delete process.env.GENLAB_DATA_DIR;
    else process.env.GENLAB_DATA_DIR = saved;
  }
  t.deepEqual(litter(dir), [path.basename(stalled.file)], 'only the killed write\'s temporary is left, and the loader never opens it');
});

test('judges\' cache: killed while caching a retrained judge, the previous judge loads', async (t) => {
  const dir = tempDir();
  const cached = path.join(metrics.judgeDir(), 'mnist');
  fs.cpSync(cached, path.join(dir, 'mnist'), { recursive: true });
  const infoBefore = fs.readFileSync(path.join(dir, 'mnist', 'judge.json'), 'utf8');
  const stalled = await killMidWrite(tsx('judge', dir), /mnist\.tmp-[0-9a-f-]+\/weights\.bin$/);
  t.regex(path.relative(dir, stalled.file), /^mnist\.tmp-[0-9a-f-]+\/weights\.bin$/);
  t.is(fs.readFileSync(path.join(dir, 'mnist', 'judge.json'), 'utf8'), infoBefore);
  const judge = await metrics.judge('mnist', { dir, training: { verbose: false } });
  t.is(judge.info.trainSeconds, JSON.parse(infoBefore).trainSeconds, 'the previous judge, not a retrained one');
  t.is(judge.info.testAccuracy, JSON.parse(infoBefore).testAccuracy);
  judge.dispose();
  t.true(litter(dir).length >= 1, 'the killed write left its temporary folder beside the judge');
});

test('figure: saveFigure killed mid-write leaves the previous figure whole', async (t) => {
  const file = path.join(tempDir(), 'loss.svg');
  const old = viz.saveFigure({ html: '<svg width="1" height="1"><!-- old --></svg>', width: 1, height: 1 }, file);
  const stalled = await killMidWrite(tsx('figure', file), /loss\.svg\.tmp-\d+-[0-9a-f]+$/);
  t.is(path.dirname(stalled.file), path.dirname(file));
  t.true(stalled.total > 2_000_000);
  t.is(fs.readFileSync(old, 'utf8'), '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><!-- old --></svg>');
  t.deepEqual(litter(path.dirname(file)), [path.basename(stalled.file)]);
  // The next save of the same figure removes the dead writer's temporary.
  viz.saveFigure({ html: '<svg width="1" height="1"><!-- again --></svg>', width: 1, height: 1 }, file);
  t.deepEqual(litter(path.dirname(file)), []);
});

const PROVENANCE: Provenance = {
  command: 'test',
  commit: 'x',
  dirty: false,
  date: '2026-12-06T10:00:00.000Z',
  backend: 'cpu',
  threads: 1,
  machine: { cpu: 'x', cores: 1, memoryGiB: 1, node: process.version, platform: process.platform },
  load: { start: 0, end: 0 },
  seconds: 1,
};

test('ledger: a merge killed while writing keeps the previous ledger', async (t) => {
  const file = path.join(tempDir(), 'measured.json');
  mergeRun([{ key: '99.disk.old', value: 42.5, unit: '%', digits: 1, label: 'old', quick: false, backend: 'cpu', threads: 1, at: 0 }], PROVENANCE, { lesson: '99' }, { file });
  const before = fs.readFileSync(file, 'utf8');
  const stalled = await killMidWrite(tsx('ledger', file), /measured\.json\.tmp-\d+-[0-9a-f]+$/);
  t.true(stalled.total > 1_000_000, `a large ledger (${stalled.total} bytes)`);
  t.is(fs.readFileSync(file, 'utf8'), before);
  const ledger = readLedger(file);
  t.deepEqual(Object.keys(ledger.values), ['99.disk.old']);
  t.is(ledger.values['99.disk.old'].value, 42.5);
});

test.serial('recorded numbers: an append killed mid-line is reported, the numbers before it load, and the next record removes it', async (t) => {
  const file = path.join(tempDir(), 'run.record.jsonl');
  const saved = process.env.GENLAB_RECORD;
  process.env.GENLAB_RECORD = file;
  try {
    course.record('99.disk.first', 1, { digits: 0 });
    course.record('99.disk.second', 2, { digits: 0 });
    const before = fs.statSync(file).size;
    const stalled = await killMidWrite(tsx('record', file), new RegExp(`${escape(path.basename(file))}$`));
    t.is(stalled.file, file);
    t.true(stalled.written > before && stalled.written < stalled.total, 'killed half-way through the appended line');
    t.throws(() => readRecordFile(file, 're-run it'), {
      instanceOf: GenlabError,
      message: `readRecordFile: ${file} is cut off at line 3 (${(stalled.written - before).toLocaleString('en-US')} bytes without a line break: the process writing it was stopped mid-write); re-run it`,
    });
    const { values, torn } = readJsonLines<{ key: string; value: number }>({ caller: 'test', rebuild: '' }, file, { tornEnd: 'skip' });
    t.deepEqual(values.map((n) => [n.key, n.value]), [['99.disk.first', 1], ['99.disk.second', 2]]);
    t.deepEqual(torn, { line: 3, bytes: stalled.written - before });
    course.record('99.disk.third', 3, { digits: 0 });
    t.deepEqual(readRecordFile(file).map((n) => [n.key, n.value]), [['99.disk.first', 1], ['99.disk.second', 2], ['99.disk.third', 3]]);
  } finally {
    if (saved === undefined) delete process.env.GENLAB_RECORD;
    else process.env.GENLAB_RECORD = saved;
  }
});

// ---------------------------------------------------------------------------------------------
// The atomic writers themselves

test('writeFileAtomic replaces a file whole and leaves no temporary; writeDirectoryAtomic replaces a folder, and a folder moved aside is recovered', (t) => {
  const dir = tempDir();
  const file = path.join(dir, 'sub', 'a.json');
  t.is(writeFileAtomic(file, '{"a":1}'), file);
  writeFileAtomic(file, Buffer.from('{"a":2}'));
  t.is(fs.readFileSync(file, 'utf8'), '{"a":2}');
  t.deepEqual(fs.readdirSync(path.dirname(file)), ['a.json']);

  const folder = path.join(dir, 'judge');
  writeDirectoryAtomic(folder, { 'x.bin': Buffer.from([1, 2]), 'info.json': '{}' });
  writeDirectoryAtomic(folder, { 'y.bin': Buffer.from([3]) });
  t.deepEqual(fs.readdirSync(folder), ['y.bin'], 'the new folder replaces the old one whole');
  t.deepEqual(fs.readdirSync(dir).sort(), ['judge', 'sub']);
  // A writer killed between its two renames leaves only the folder it had moved aside.
  fs.renameSync(folder, `${folder}.old-999999-0abc1234`);
  recoverDirectory(folder);
  t.deepEqual(fs.readdirSync(folder), ['y.bin']);
  t.throws(() => writeDirectoryAtomic(folder, { '../escape': 'x' }), { instanceOf: GenlabError, message: /file names must be plain names/ });
});

test('appendLine refuses a line break inside the line', (t) => {
  t.throws(() => appendLine(path.join(tempDir(), 'x.jsonl'), 'a\nb'), { instanceOf: GenlabError, message: /^appendLine: line must be one line of text/ });
});

// ---------------------------------------------------------------------------------------------
// Readers: truncated and garbage files

test('jsonProblem says where JSON stops: cut off, or not JSON at a line and column', (t) => {
  t.is(jsonProblem('{"a": [1, 2'), 'truncated: the JSON stops at line 1 after 11 bytes');
  t.is(jsonProblem('{\n  "a": 1,\n  "b": tru'), 'truncated: the JSON stops at line 3 after 22 bytes');
  t.is(jsonProblem('{\n  "a": 1,\n  "b": x\n}'), 'not JSON at line 3, column 8 (at "x\\n}")');
  t.is(jsonProblem('{"a": 1} trailing'), 'not JSON at line 1, column 10 (at "trailing")');
  t.is(jsonProblem(''), 'empty (0 bytes, no JSON)');
  t.is(jsonProblem('\u0000\u0001garbage'), 'not JSON at line 1, column 1 (at "\\u0000\\u0001garbage")');
});

test('checkpoint readers: a truncated or garbage weights file, manifest or pointer names the file, the damage and the lesson that saves it', async (t) => {
  const dir = path.join(tempDir(), '05-disk');
  const model = bigNetwork(1);
  await train.saveTrainerCheckpoint(dir, checkpointParts(model, 7));
  const snapshot = fs.readdirSync(dir).find((f) => f.startsWith('step-'))!;
  const weights = path.join(dir, snapshot, 'weights.bin');
  const manifest = path.join(dir, snapshot, 'manifest.json');
  const pointer = path.join(dir, 'checkpoint.json');
  const rebuild = 'save it again: re-run the training cell of lesson 05 (or `npm run course:full -- 05`)';
  const good = { weights: fs.readFileSync(weights), manifest: fs.readFileSync(manifest, 'utf8'), pointer: fs.readFileSync(pointer, 'utf8') };
  const load = () => train.loadNetworkWeights(dir, 'net', model);
  const expectError = async (message: string) => {
    const error = await t.throwsAsync(load(), { instanceOf: GenlabError });
    t.is(error?.message, message);
  };

  fs.writeFileSync(weights, good.weights.subarray(0, 1204));
  await expectError(`loadNetworkWeights: ${weights} is truncated: 1,204 of 4,198,400 bytes; ${rebuild}`);
  const garbage = Buffer.from(good.weights);
  garbage.fill(7, 100, 200);
  fs.writeFileSync(weights, garbage);
  const garbled = await t.throwsAsync(load(), { instanceOf: GenlabError });
  t.regex(garbled!.message, new RegExp(`^loadNetworkWeights: ${escape(weights)} is corrupt: its sha256 is [0-9a-f]{12}…, [0-9a-f]{12}… was written; ${escape(rebuild)}$`));
  fs.writeFileSync(weights, good.weights);

  fs.writeFileSync(manifest, good.manifest.slice(0, 50));
  await expectError(`loadNetworkWeights: ${manifest} is truncated: the JSON stops at line 1 after 50 bytes; ${rebuild}`);
  fs.writeFileSync(manifest, 'PK\u0003\u0004 not a manifest');
  await expectError(`loadNetworkWeights: ${manifest} is not JSON at line 1, column 1 (at "PK\\u0003\\u0004 not a m"); ${rebuild}`);
  fs.writeFileSync(manifest, good.manifest);

  fs.writeFileSync(pointer, good.pointer.slice(0, 20));
  await expectError(`loadNetworkWeights: ${pointer} is truncated: the JSON stops at line 1 after 20 bytes; ${rebuild}`);
  t.throws(() => train.checkpointStep(dir), { instanceOf: GenlabError, message: `checkpointStep: ${pointer} is truncated: the JSON stops at line 1 after 20 bytes; ${rebuild}` });
  fs.writeFileSync(pointer, '{"format": "something else"}');
  await expectError(`loadNetworkWeights: ${pointer} is not a genlab checkpoint pointer (format "something else", latest undefined); ${rebuild}`);
  fs.writeFileSync(pointer, good.pointer);
  t.deepEqual(await load(), { step: 7 });
  model.dispose();
});

test.serial('dataset readers: a truncated or garbage data file or manifest names the file, the damage and `npm run datasets`', async (t) => {
  const real = data.datasetDir();
  const dir = tempDir();
  for (const f of ['manifest.json', 'mnist-labels.bin']) fs.copyFileSync(path.join(real, f), path.join(dir, f));
  const images = fs.readFileSync(path.join(real, 'mnist-images.bin'));
  const imagesFile = path.join(dir, 'mnist-images.bin');
  const manifestFile = path.join(dir, 'manifest.json');
  const saved = process.env.GENLAB_DATA_DIR;
  process.env.GENLAB_DATA_DIR = dir;
  const expectError = async (message: string | RegExp) => {
    const error = await t.throwsAsync(data.loadMnist(), { instanceOf: GenlabError });
    if (typeof message === 'string') t.is(error?.message, message);
    else t.regex(error!.message, message);
  };
  try {
    await expectError(`loadDataset: ${imagesFile} is missing; rebuild it with \`npm run datasets\``);
    fs.writeFileSync(imagesFile, images.subarray(0, 1204));
    await expectError(`loadDataset: ${imagesFile} is truncated: 1,204 of 7,840,000 bytes; rebuild it with \`npm run datasets\``);
    const garbage = Buffer.from(images);
    garbage.fill(0xff, 5000, 6000);
    fs.writeFileSync(imagesFile, garbage);
    await expectError(new RegExp(`^loadDataset: ${escape(imagesFile)} is corrupt: its sha256 is [0-9a-f]{12}…, [0-9a-f]{12}… was written; rebuild it with \`npm run datasets\`$`));
    fs.writeFileSync(imagesFile, images);
    const manifest = fs.readFileSync(manifestFile, 'utf8');
    fs.writeFileSync(manifestFile, manifest.slice(0, 300));
    await expectError(new RegExp(`^loadDataset: ${escape(manifestFile)} is truncated: the JSON stops at line \\d+ after 300 bytes; rebuild it with \`npm run datasets\`$`));
    fs.writeFileSync(manifestFile, manifest.replace('"count": 10000', '"count": 10O00'));
    await expectError(new RegExp(`^loadDataset: ${escape(manifestFile)} is not JSON at line 5, column \\d+ \\(at "O00,.*"\\); rebuild it with \`npm run datasets\`$`));
    fs.writeFileSync(manifestFile, '{"datasets": {"fashion": {}}}');
    await expectError(`loadDataset: ${manifestFile} is missing its 'mnist' entry; rebuild it with \`npm run datasets\``);
    fs.writeFileSync(manifestFile, manifest);
    const mnist = await data.loadMnist();
    t.is(mnist.test.images.shape[0], 2000);
    data.disposeDataset(mnist);
  } finally {
    if (saved === undefined) delete process.env.GENLAB_DATA_DIR;
    else process.env.GENLAB_DATA_DIR = saved;
  }
});

test('ledger reader: a truncated or garbage ledger names the file, the damage and how to restore it', (t) => {
  const file = path.join(tempDir(), 'measured.json');
  writeLedger(structuredClone(EMPTY_LEDGER), file);
  mergeRun([{ key: '99.disk.a', value: 1, unit: '', digits: 0, label: 'a', quick: false, backend: 'cpu', threads: 1, at: 0 }], PROVENANCE, { lesson: '99' }, { file });
  const text = fs.readFileSync(file, 'utf8');
  const rebuild = 'record it again: re-run the command that wrote it (`npm run course:full`, `npm run experiment -- NAME`)';
  fs.writeFileSync(file, text.slice(0, 40));
  t.throws(() => readLedger(file), { instanceOf: GenlabError, message: `ledger: ${file} is truncated: the JSON stops at line 4 after 40 bytes; ${rebuild}` });
  fs.writeFileSync(file, text.replace('"version": 1', '"version": one'));
  t.throws(() => readLedger(file), { instanceOf: GenlabError, message: `ledger: ${file} is not JSON at line 2, column 14 (at "one,\\n  \\"runs"); ${rebuild}` });
  fs.writeFileSync(file, '[]');
  t.throws(() => readLedger(file), { instanceOf: GenlabError, message: /^ledger: .* is not a valid ledger: version must be 1, got undefined; runs must be an object; values must be an object; record it again/ });
  // The committed ledger's message says how to get it back from git.
  const committed = path.join(ROOT, 'lessons', 'measured.json');
  t.true(readLedger(committed).version === 1);
});

test('run record readers: a garbage line, a torn last line and a damaged record.json name the file, the line and the command', (t) => {
  const dir = tempDir();
  const file = path.join(dir, 'record.jsonl');
  const line = (key: string, value: number) => JSON.stringify({ key, value, unit: '', digits: 0, label: key, quick: true, backend: 'cpu', threads: 1, at: 0 });
  fs.writeFileSync(file, `${line('99.a', 1)}\n{"key": "99.b", "val\u0000ue": 2}\n${line('99.c', 3)}\n`);
  t.throws(() => readRecordFile(file, 'run the lesson again with `npm run course:full -- 99 --force`'), {
    instanceOf: GenlabError,
    message: `readRecordFile: ${file} is not JSON at line 2, column 21 (at "\\u0000ue\\": 2}"); run the lesson again with \`npm run course:full -- 99 --force\``,
  });
  fs.writeFileSync(file, `${line('99.a', 1)}\n${line('99.b', 2).slice(0, 30)}`);
  t.throws(() => readRecordFile(file, 'again'), {
    instanceOf: GenlabError,
    message: `readRecordFile: ${file} is cut off at line 2 (30 bytes without a line break: the process writing it was stopped mid-write); again`,
  });
  fs.writeFileSync(file, `${line('99.a', 1)}\n{"key": 3}\n`);
  t.throws(() => readRecordFile(file, 'again'), { instanceOf: GenlabError, message: `readRecordFile: ${file} is damaged: its number 2 is not a recorded number ({"key":3}); again` });

  const record = path.join(dir, 'record.json');
  t.is(readRecord(record, '02'), undefined, 'no record yet');
  fs.writeFileSync(record, '{\n  "lesson": "02",\n  "slug": "02-g');
  t.throws(() => readRecord(record, '02'), {
    instanceOf: GenlabError,
    message: `course:full: ${record} is truncated: the JSON stops at line 3 after 35 bytes; run the lesson again with \`npm run course:full -- 02 --force\` (it writes a new one)`,
  });
  fs.writeFileSync(record, '{"lesson": "02"}');
  t.throws(() => readRecord(record, '02'), { instanceOf: GenlabError, message: /^course:full: .* is not a lesson record \(status, inputsHash, seconds, numbers or provenance missing\); run the lesson again/ });
  t.is(readRecord(record, '02', true), undefined, 'with --force, a damaged record is only a warning');
});
