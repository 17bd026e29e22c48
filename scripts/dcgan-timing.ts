/**
 * Time per DCGAN training step for a few settings, as wall time and as CPU time of this process.
 * On shared cores the wall time depends on the load; the CPU time of a one-thread run does not
 * (much), and equals the wall time of a one-thread run on an idle core.
 *
 *   GENLAB_WASM_THREADS=1 npx tsx scripts/dcgan-timing.ts [--steps 30] [--warmup 5]
 */
import * as os from 'os';
import { initBackend, data, models, train } from '../src/index';

const option = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};

const SETTINGS = [
  { filters: 64, batchSize: 64, conditional: false },
  { filters: 32, batchSize: 64, conditional: false },
  { filters: 32, batchSize: 32, conditional: false },
  { filters: 32, batchSize: 32, conditional: true },
];

async function main() {
  const backend = await initBackend();
  const set = await data.loadDataset('mnist', { range: [-1, 1] });
  const steps = option('steps', 30);
  for (const s of SETTINGS) {
    const options = { filters: s.filters, seed: 0 };
    const generator = s.conditional ? models.buildConditionalDcganGenerator(options) : models.buildDcganGenerator(options);
    const discriminator = s.conditional ? models.buildConditionalDcganDiscriminator(options) : models.buildDcganDiscriminator(options);
    const trainer = train.createLossVariantTrainer({
      generator, discriminator, data: set.train.images, labels: s.conditional ? set.train.labels : undefined, batchSize: s.batchSize, seed: 0,
    });
    await trainer.run({ steps: option('warmup', 5), progress: false });
    const cpu = process.cpuUsage();
    const wall = Date.now();
    await trainer.run({ steps, progress: false });
    const used = process.cpuUsage(cpu);
    console.log(
      `${s.conditional ? 'conditional ' : ''}F=${s.filters} batch ${s.batchSize}: ${((Date.now() - wall) / steps).toFixed(0)} ms/step wall, ` +
        `${((used.user + used.system) / 1000 / steps).toFixed(0)} ms/step CPU (${backend.threads} thread${backend.threads > 1 ? 's' : ''}, load ${os.loadavg()[0].toFixed(1)})`,
    );
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
