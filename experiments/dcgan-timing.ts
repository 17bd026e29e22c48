/**
 * Time per DCGAN training step for a few settings, as wall time and as CPU time of this process.
 * On shared cores the wall time depends on the load; the CPU time of a one-thread run does not
 * (much), and equals the wall time of a one-thread run on an idle core.
 *
 *   GENLAB_WASM_THREADS=1 npm run experiment -- dcgan-timing [--steps 30] [--warmup 5]
 *
 * Records dcgan-timing.<setting>.msPerStep and .cpuMsPerStep, setting = f64-b64, f32-b64, f32-b32,
 * f32-b32-conditional.
 */
import * as os from 'os';
import { initBackend, data, models, train, course } from '../src/index';
import { parseCommand, run } from '../scripts/args';

const parseSettings = () =>
  parseCommand('dcgan-timing', process.argv.slice(2), {
  flags: {
    steps: { kind: 'positiveInteger', default: 30, help: 'timed training steps per setting' },
    warmup: { kind: 'nonNegativeInteger', default: 5, help: 'untimed steps first' },
  },
  });

const SETTINGS = [
  { filters: 64, batchSize: 64, conditional: false },
  { filters: 32, batchSize: 64, conditional: false },
  { filters: 32, batchSize: 32, conditional: false },
  { filters: 32, batchSize: 32, conditional: true },
];

async function main() {
  const args = parseSettings();
  const backend = await initBackend();
  const set = await data.loadDataset('mnist', { range: 'symmetric' });
  const steps = args.steps;
  for (const s of SETTINGS) {
    const options = { filters: s.filters, seed: 0 };
    const generator = s.conditional ? models.buildConditionalDcganGenerator(options) : models.buildDcganGenerator(options);
    const discriminator = s.conditional ? models.buildConditionalDcganDiscriminator(options) : models.buildDcganDiscriminator(options);
    const trainer = train.createGanTrainer({
      generator, discriminator, data: set.train.images, labels: s.conditional ? set.train.labels : undefined, batchSize: s.batchSize, seed: 0,
    });
    if (args.warmup > 0) await trainer.run({ steps: args.warmup, progress: false });
    const cpu = process.cpuUsage();
    const wall = Date.now();
    await trainer.run({ steps, progress: false });
    const used = process.cpuUsage(cpu);
    const setting = `f${s.filters}-b${s.batchSize}${s.conditional ? '-conditional' : ''}`;
    course.record(`dcgan-timing.${setting}.msPerStep`, (Date.now() - wall) / steps, { unit: ' ms', digits: 0, label: `${setting}, wall time per step` });
    course.record(`dcgan-timing.${setting}.cpuMsPerStep`, (used.user + used.system) / 1000 / steps, { unit: ' ms', digits: 0, label: `${setting}, CPU time per step` });
    console.log(
      `${s.conditional ? 'conditional ' : ''}F=${s.filters} batch ${s.batchSize}: ${((Date.now() - wall) / steps).toFixed(0)} ms/step wall, ` +
        `${((used.user + used.system) / 1000 / steps).toFixed(0)} ms/step CPU (${backend.threads} thread${backend.threads > 1 ? 's' : ''}, load ${os.loadavg()[0].toFixed(1)})`,
    );
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
  }
}

run(main);
