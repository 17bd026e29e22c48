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
 * With --ledger it records judges.<mnist|fashion>.testAccuracy (% of the full test split),
 * .realRecognisable (% of the test split judged with confidence >= 0.9: the ceiling a generator
 * is compared with) and .realRecognisable1000 (the same for the first 1,000 test images, which
 * the lessons print), .rightWhenSure (accuracy on the images it is sure of) and .meanConfidence
 * (%), and merges them into the ledger. Without it nothing is recorded (the unit
 * tests run this first, and must not rewrite the ledger).
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
      course.record(`judges.${name}.testAccuracy`, 100 * info.testAccuracy, { unit: '%', digits: 2, label: `${name} judge, test accuracy` });
      const set = await data.loadDataset(name);
      const all = metrics.sampleQuality(set.test.images, { judge });
      course.record(`judges.${name}.realRecognisable`, 100 * all.recognisability, { unit: '%', digits: 1, label: `${name} judge, real test images recognisable (all ${set.test.images.shape[0]})` });
      // How often it is right when it is sure, and how sure it is on average: a judge's confidence should mean what it says.
      const verdict = judge.classify(set.test.images);
      const truth = set.test.labels.dataSync();
      const sure = verdict.confidences.map((c, i) => (c >= 0.9 ? i : -1)).filter((i) => i >= 0);
      const rightWhenSure = sure.filter((i) => verdict.labels[i] === truth[i]).length / sure.length;
      const meanConfidence = verdict.confidences.reduce((a, b) => a + b, 0) / verdict.confidences.length;
      course.record(`judges.${name}.rightWhenSure`, 100 * rightWhenSure, { unit: '%', digits: 1, label: `${name} judge, right about the real test images it is sure of` });
      course.record(`judges.${name}.meanConfidence`, 100 * meanConfidence, { unit: '%', digits: 1, label: `${name} judge, mean confidence on the real test images` });
      const first = tf.tidy(() => set.test.images.slice(0, 1000));
      const some = metrics.sampleQuality(first, { judge });
      course.record(`judges.${name}.realRecognisable1000`, 100 * some.recognisability, { unit: '%', digits: 1, label: `${name} judge, the first 1,000 real test images recognisable` });
      tf.dispose(first);
      data.disposeDataset(set);
    }
    judge.dispose();
  }
  recording?.finish(true);
}

run(main);
