/**
 * `npm run judge:train`: trains (or checks the cache of) the judges that measure sample quality,
 * and prints their test accuracy and how many real test images they find recognisable.
 * Seeded: the same machine and backend give the same judge.
 *
 *   npm run judge:train                 # both judges, reusing a valid cache
 *   npm run judge:train -- mnist        # one of them
 *   npm run judge:train -- --retrain    # ignore the cache
 *   npm run judge:train -- --ledger     # also merge the numbers into lessons/measured.json
 *
 * Records judges.<mnist|fashion>.testAccuracy (% of the full test split) and .realRecognisable
 * (% of the first 1,000 test images judged with confidence >= 0.9: the ceiling a generator is
 * compared with). Only --ledger merges them (the tests run this too, and must not rewrite the ledger).
 */
import { initBackend, metrics, data, course, tf } from '../src/index';
import { parseCommand, run } from './args';
import { startRecording } from './recorded';

async function main() {
  const args = parseCommand('judge:train', process.argv.slice(2), {
    positionals: { help: 'mnist and/or fashion (default both)', choices: ['mnist', 'fashion'] },
    flags: {
      retrain: { kind: 'boolean', help: 'train again, ignoring the cache' },
      ledger: { kind: 'boolean', help: 'merge the numbers (judges.…) into lessons/measured.json' },
    },
  });
  const names = (args.positionals.length > 0 ? args.positionals : ['mnist', 'fashion']) as metrics.JudgeName[];
  const recording = args.ledger ? startRecording('judges', `npm run judge:train -- ${process.argv.slice(2).join(' ')}`.trim()) : undefined;
  await initBackend();
  for (const name of names) {
    const judge = await metrics.judge(name, { retrain: args.retrain });
    const { info } = judge;
    console.log(
      `genlab judge ${name}: test accuracy ${(100 * info.testAccuracy).toFixed(2)}% on ${info.testCount} test images ` +
        `(trained on ${info.trainCount} images, ${info.training.epochs} epochs, seed ${info.training.seed}, ` +
        `${info.trainSeconds.toFixed(0)} s on ${info.backend}; cache ${metrics.judgeDir()}/${name})`,
    );
    if (recording) {
      course.record(`judges.${name}.testAccuracy`, 100 * info.testAccuracy, { unit: '%', digits: 1, label: `${name} judge, test accuracy` });
      const set = await data.loadDataset(name);
      const real = set.test.images.slice(0, 1000);
      const quality = metrics.sampleQuality(real, { judge });
      course.record(`judges.${name}.realRecognisable`, 100 * quality.recognisability, { unit: '%', digits: 1, label: `${name} judge, 1,000 real test images recognisable` });
      tf.dispose(real);
      data.disposeDataset(set);
    }
    judge.dispose();
  }
  recording?.finish(true);
}

run(main);
