/**
 * `npm run judge:train`: trains (or checks the cache of) the judges that measure sample quality,
 * and prints their test accuracy. Seeded: the same machine and backend give the same judge.
 *
 *   npm run judge:train                 # both judges, reusing a valid cache
 *   npm run judge:train -- mnist        # one of them
 *   npm run judge:train -- --retrain    # ignore the cache
 */
import { initBackend, metrics } from '../src/index';

async function main() {
  const args = process.argv.slice(2);
  const retrain = args.includes('--retrain');
  const names = args.filter((a) => !a.startsWith('--'));
  for (const name of names) {
    if (name !== 'mnist' && name !== 'fashion') throw new Error(`judge:train: a judge name must be 'mnist' or 'fashion', got '${name}'`);
  }
  await initBackend();
  for (const name of (names.length > 0 ? names : ['mnist', 'fashion']) as metrics.JudgeName[]) {
    const judge = await metrics.judge(name, { retrain });
    const { info } = judge;
    console.log(
      `genlab judge ${name}: test accuracy ${(100 * info.testAccuracy).toFixed(2)}% on ${info.testCount} test images ` +
        `(trained on ${info.trainCount} images, ${info.training.epochs} epochs, seed ${info.training.seed}, ` +
        `${info.trainSeconds.toFixed(0)} s on ${info.backend}; cache ${metrics.judgeDir()}/${name})`,
    );
    judge.dispose();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
