import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend, course, models, train } from '../src/index';
import { toyTrainer } from './fixtures/trainers';

test.before(async () => {
  await initBackend({ verbose: false });
});

const ROOT = path.resolve(__dirname, '..');

/** Runs `body` with the environment variables set (undefined removes one), then restores them. */
async function withEnv<T>(vars: Record<string, string | undefined>, body: () => T | Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(vars);
  try {
    return await body();
  } finally {
    set(before);
  }
}

test.serial('checkpoints live in one folder at the project root, quick runs in its quick/ subfolder', async (t) => {
  t.is(course.projectRoot(), ROOT);
  const cwd = process.cwd();
  try {
    // A notebook runs in notebooks/, homework in homework/: the same folder either way.
    process.chdir(path.join(ROOT, 'notebooks'));
    await withEnv({ GENLAB_CHECKPOINTS: undefined, GENLAB_QUICK: '0' }, () => {
      t.is(course.checkpointPath('02-mlp-gan'), path.join(ROOT, 'checkpoints', '02-mlp-gan'));
    });
    await withEnv({ GENLAB_CHECKPOINTS: undefined, GENLAB_QUICK: '1' }, () => {
      t.is(course.checkpointPath('02-mlp-gan'), path.join(ROOT, 'checkpoints', 'quick', '02-mlp-gan'));
    });
  } finally {
    process.chdir(cwd);
  }
  await withEnv({ GENLAB_CHECKPOINTS: '/tmp/elsewhere', GENLAB_QUICK: '0' }, () => {
    t.is(course.checkpointPath('05-dcgan'), path.join('/tmp/elsewhere', '05-dcgan'));
  });
  for (const bad of ['', '../02-mlp-gan', 'a/b', '.hidden', 7 as unknown as string]) {
    t.throws(() => course.checkpointPath(bad), { message: /^checkpointPath: name must be one folder name like '02-mlp-gan'.*got / });
  }
});

test.serial('loadNetwork reads one network of a trainer checkpoint, without that trainer', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genlab-course-'));
  await withEnv({ GENLAB_CHECKPOINTS: dir, GENLAB_QUICK: '0' }, async () => {
    const { trainer, generator, discriminator } = toyTrainer(4);
    for (let i = 0; i < 3; i++) trainer.trainStep();
    await trainer.saveCheckpoint(course.checkpointPath('02-toy'));
    t.true(course.hasCheckpoint('02-toy'));

    const options = { latentSize: 4, generatorUnits: [16, 16], discriminatorUnits: [16, 16], seed: 99 };
    const copy = models.buildToyGenerator(options);
    const loaded = await course.loadNetwork('02-toy', 'generator', copy);
    t.is(loaded.step, 3);
    const z = tf.randomNormal([5, 4], 0, 1, 'float32', 1);
    t.deepEqual(Array.from((copy.predict(z) as tf.Tensor).dataSync()), Array.from((generator.predict(z) as tf.Tensor).dataSync()));

    await t.throwsAsync(course.loadNetwork('02-toy', 'emaGenerator', copy), {
      message: /^loadNetworkWeights: the checkpoint in .*02-toy has no network 'emaGenerator'; it has \[discriminator, generator\]$/,
    });
    await t.throwsAsync(course.loadNetwork('02-missing', 'generator', copy), {
      message: /^loadNetwork: no checkpoint '02-missing' in .*: run lesson 02 \(notebooks\/02-gan\.ipynb\) in full mode first; it saves it$/,
    });
    const wider = models.buildToyGenerator({ ...options, generatorUnits: [16, 24] });
    await t.throwsAsync(train.loadNetworkWeights(course.checkpointPath('02-toy'), 'generator', wider), {
      message: /layer 'g_dense2', weight 'kernel' of the model has shape \[16, 24\], network 'generator' in .* has .* \[16, 16\]/,
    });
    // A damaged checkpoint is reported with its path.
    const snapshot = fs.readdirSync(course.checkpointPath('02-toy')).find((f) => f.startsWith('step-'))!;
    const weights = path.join(course.checkpointPath('02-toy'), snapshot, 'weights.bin');
    fs.appendFileSync(weights, 'x');
    await t.throwsAsync(course.loadNetwork('02-toy', 'generator', copy), {
      message: `loadNetworkWeights: ${weights} is too long: ${(fs.statSync(weights).size).toLocaleString('en-US')} bytes where ${(fs.statSync(weights).size - 1).toLocaleString('en-US')} were written; save it again: re-run the training cell of lesson 02 (or \`npm run course:full -- 02\`)`,
    });
    fs.writeFileSync(path.join(course.checkpointPath('02-toy'), 'checkpoint.json'), '{"format": "genlab-ch');
    await t.throwsAsync(course.loadNetwork('02-toy', 'generator', copy), { message: /^checkpointStep: .*02-toy\/checkpoint\.json is truncated: the JSON stops at line 1 after 21 bytes; save it again: re-run the training cell of lesson 02/ });

    trainer.dispose();
    [generator, discriminator, copy, wider].forEach((m) => m.dispose());
    z.dispose();
  });
  fs.rmSync(dir, { recursive: true, force: true });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
