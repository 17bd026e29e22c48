/** The self-checks of the lessons' exercises (exercises.rules: lesson 01). */
import test from 'ava';
import { tf, initBackend, rules, metrics, exercises } from '../src/index';
import { assertNoLeak } from './helpers';

test.before(async () => {
  await initBackend({ verbose: false });
});

test.serial('the exercise checks accept the right answer and say what is wrong with a wrong one', async (t) => {
  await assertNoLeak(t, () => exercises.rules.shiftKernel([[0, 0, 0], [0, 0, 1], [0, 0, 0]]), 'exercises.rules.shiftKernel');
  const right = exercises.rules.shiftKernel([[0, 0, 0], [1, 0, 0], [0, 0, 0]]);
  t.true(right.ok);
  const flipped = exercises.rules.shiftKernel([[0, 0, 0], [0, 0, 1], [0, 0, 0]]);
  t.false(flipped.ok);
  t.regex(flipped.messages.join('\n'), /moves the image by dx = -1, dy = 0/);
  t.regex(exercises.rules.shiftKernel([[1, 0], [0, 1]]).messages[0], /odd height and width/);

  const image = rules.whiteNoise(8, 8, { seed: 1 });
  const mine = tf.tidy(() => image.mul(3).add(0.5).floor().div(3));
  t.true(exercises.rules.posterize(image, mine, 4).ok);
  const wrong = tf.tidy(() => image.mul(4).floor().div(4));
  const verdict = exercises.rules.posterize(image, wrong, 4);
  t.false(verdict.ok);
  t.regex(verdict.messages[0], /values differ by more than 0.00001; the largest difference is .* at \[\d+, \d+, 0\]/);
  t.regex(exercises.compareImages(tf.zeros([2, 2, 1]), tf.zeros([2, 2, 3]), { print: false }).messages[0], /shape \[2, 2, 1\], expected \[2, 2, 3\]/);

  const { height, width, scale, octaves, gain, seed } = exercises.rules.EXERCISE_FBM;
  const sum = tf.tidy(() => {
    let total = tf.zeros([height, width, 1]);
    for (let k = 0; k < octaves; k++) total = total.add(rules.gradientNoise(height, width, { scale: scale / 2 ** k, seed: seed + k }).mul(gain ** k));
    return total.div((1 - gain ** octaves) / (1 - gain));
  });
  t.true(exercises.rules.fbm(sum).ok);
  await assertNoLeak(t, () => {
    exercises.rules.fbm(sum);
    exercises.rules.posterize(image, mine, 4);
    exercises.rules.psnr(image, mine, 1);
    exercises.rules.composite(image, image, 0.5, mine);
  }, 'the checks');

  const blurred = rules.gaussianBlur(image);
  const reference = metrics.psnr(image, blurred);
  t.true(exercises.rules.psnr(image, blurred, reference).ok);
  const mse = metrics.mse(image, blurred);
  const natural = exercises.rules.psnr(image, blurred, 10 * Math.log(1 / mse));
  t.false(natural.ok);
  t.regex(natural.messages.join('\n'), /natural logarithm/);
  const tooLow = exercises.rules.psnr(image, blurred, 0);
  t.false(tooLow.ok);
  t.regex(tooLow.messages[0], /^✗ 0 dB is too low$/);
  for (const verdict of [natural, tooLow]) t.false(verdict.messages.join('\n').includes(String(Math.round(reference * 1e4) / 1e4)), 'a failed check does not print the answer');
  const batch = tf.stack([image, rules.whiteNoise(8, 8, { seed: 2 }).mul(0.5) as tf.Tensor3D]);
  const batchBlurred = rules.gaussianBlur(batch);
  const pooled = exercises.rules.psnr(batch, batchBlurred, 10 * Math.log10(1 / metrics.mse(batch, batchBlurred)));
  t.false(pooled.ok);
  t.regex(pooled.messages.join('\n'), /pooled over the batch/);
  tf.dispose([batch, batchBlurred]);

  const fg = rules.checkerboard(8, 8);
  const bg = rules.stripes(8, 8);
  t.true(exercises.rules.composite(fg, bg, image, tf.tidy(() => fg.mul(image).add(bg.mul(tf.sub(1, image))))).ok);
  t.false(exercises.rules.composite(fg, bg, image, fg).ok);
  tf.dispose([image, mine, wrong, sum, blurred, fg, bg]);
});
