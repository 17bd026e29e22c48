/**
 * Homework 07 (Pix2Pix): the PatchGAN's receptive field, the generator's loss and SSIM.
 * References: models.receptiveField, losses.pix2pixGeneratorLoss, metrics.ssim.
 */
import * as tf from '@tensorflow/tfjs';
import { pix2pixGeneratorLoss } from '../../losses/translation';
import { ssim } from '../../metrics/image';
import { patchGanLayers, receptiveField } from '../../models/blocks';
import { gaussianKernel } from '../../rules/kernels';
import { implementTask } from '../define';
import type { CaseRandom } from '../random';
import { isMistake, yoursVsExpected } from './common';

type T = tf.Tensor;
type Layer = { kernelSize: number; strides: number };

// ---- 07.receptiveField -----------------------------------------------------------------------------

const randomLayers = (random: CaseRandom, count: number): Layer[] =>
  Array.from({ length: count }, () => ({ kernelSize: [1, 3, 4, 5, 7][random.int(0, 5)], strides: random.int(1, 3) }));

const field = implementTask({
  id: '07.receptiveField',
  title: 'the receptive field of a stack of convolutions',
  points: 2,
  reference: (layers: Layer[]) => receptiveField(layers),
  cases: (random) => [
    { args: [patchGanLayers(3)], note: "the paper's 70 × 70 PatchGAN" },
    { args: [patchGanLayers(1)], note: 'a PatchGAN with one stride-2 layer (16 × 16)' },
    { args: [randomLayers(random, 4)], note: 'four random layers' },
    { args: [[{ kernelSize: 3, strides: 2 }, { kernelSize: 5, strides: 1 }]], note: 'a stride-2 layer, then a 5 × 5 one' },
    { args: [[]], note: 'no layers at all (one pixel sees one pixel)' },
  ],
  compare: { gradients: false },
  hints: [
    ({ got, args: [layers] }) =>
      got[0] === (layers as Layer[]).reduce((s, l) => s + l.kernelSize, 0) - (layers as Layer[]).length + 1 ||
      got[0] === (layers as Layer[]).reduce((s, l) => s + l.kernelSize, 0)
        ? 'your field ignores the strides: a stride-s layer spreads the field s times wider, r ← (r − 1) · s + k.'
        : undefined,
    ({ got, args: [layers] }) => {
      let r = 1;
      for (const l of layers as Layer[]) r = (r - 1) * l.strides + l.kernelSize;
      return got[0] === r ? 'you walked the layers from input to output; walk back from the output pixel: from the last layer to the first.' : undefined;
    },
  ],
});

// ---- 07.generatorLoss --------------------------------------------------------------------------------

const generatorLoss = implementTask({
  id: '07.generatorLoss',
  title: "Pix2Pix's generator loss: adversarial + λ · mean |y − G(x)|",
  points: 3,
  reference: (fakeLogits: T, output: T, target: T, lambda: number) =>
    tf.tidy(() => pix2pixGeneratorLoss(fakeLogits, output, target, { lambdaL1: lambda }).total),
  cases: (random) => [
    { args: [random.normal([2, 6, 6, 1]), random.uniform([2, 8, 8, 3], { min: -1, max: 1 }), random.uniform([2, 8, 8, 3], { min: -1, max: 1 }), 100], note: 'λ = 100 (the paper), patches [2, 6, 6, 1]' },
    { args: [random.normal([3, 2, 2, 1], { mean: -2 }), random.uniform([3, 4, 4, 1], { min: -1, max: 1 }), random.uniform([3, 4, 4, 1], { min: -1, max: 1 }), 10], note: 'λ = 10, D rejects the outputs' },
    { args: [random.normal([1, 3, 3, 1]), random.uniform([1, 4, 4, 3], { min: -1, max: 1 }), random.uniform([1, 4, 4, 3], { min: -1, max: 1 }), 0], note: 'λ = 0 ("cGAN only")' },
  ],
  compare: { rtol: 1e-4, atol: 1e-4, gradients: 'tape' },
  hints: [
    ({ got, expected, args: [logits, output, target, lambda] }) =>
      isMistake(got, () => tf.softplus((logits as T).neg()).mean().add((target as T).sub(output as T).square().mean().mul(lambda as number)))
        ? `${yoursVsExpected('loss', got, expected)}: you used the squared error (L2); Pix2Pix uses the absolute error (L1), which blurs less.`
        : undefined,
    ({ got, expected, args: [logits, output, target, lambda] }) =>
      isMistake(got, () => tf.softplus((logits as T).neg()).mean().mul(lambda as number).add((target as T).sub(output as T).abs().mean()))
        ? `${yoursVsExpected('loss', got, expected)}: λ multiplies the L1 term, not the adversarial one.`
        : undefined,
    ({ got, expected, args: [logits, output, target, lambda] }) =>
      isMistake(got, () => tf.softplus(logits as T).mean().neg().add((target as T).sub(output as T).abs().mean().mul(lambda as number)))
        ? `${yoursVsExpected('loss', got, expected)}: the adversarial term is the minimax one; use the non-saturating mean softplus(−D(x, G(x))).`
        : undefined,
    ({ got, expected, args: [logits, output, target, lambda] }) =>
      isMistake(got, () => tf.softplus((logits as T).neg()).mean().add((target as T).sub(output as T).abs().sum().mul(lambda as number)))
        ? `${yoursVsExpected('loss', got, expected)}: you summed the absolute errors; take their mean.`
        : undefined,
  ],
});

// ---- 07.ssim -----------------------------------------------------------------------------------------

/** SSIM with one thing done differently, for the hints. */
function ssimVariant(a: T, b: T, variant: { box?: boolean; same?: boolean; c1?: number; c2?: number }): number {
  return tf.tidy(() => {
    const channels = a.shape[2] as number;
    const kernel = variant.box ? Array.from({ length: 121 }, () => 1 / 121) : gaussianKernel(1.5, 11).flat();
    const window = tf.tensor4d(kernel, [11, 11, 1, 1]).tile([1, 1, channels, 1]) as tf.Tensor4D;
    const filter = (t: T) => tf.depthwiseConv2d(t.expandDims(0) as tf.Tensor4D, window, 1, variant.same ? 'same' : 'valid');
    const [muA, muB] = [filter(a), filter(b)];
    const varA = filter(a.square()).sub(muA.square());
    const varB = filter(b.square()).sub(muB.square());
    const cov = filter(a.mul(b)).sub(muA.mul(muB));
    const c1 = variant.c1 ?? 1e-4;
    const c2 = variant.c2 ?? 9e-4;
    const num = muA.mul(muB).mul(2).add(c1).mul(cov.mul(2).add(c2));
    const den = muA.square().add(muB.square()).add(c1).mul(varA.add(varB).add(c2));
    return num.div(den).mean().dataSync()[0];
  });
}

const near = (x: number, y: number) => Number.isFinite(x) && Math.abs(x - y) <= 2e-3;

const ssimTask = implementTask({
  id: '07.ssim',
  title: 'SSIM with an 11 × 11 Gaussian window (σ = 1.5) inside the image',
  points: 3,
  reference: (a: T, b: T) => ssim(a, b),
  cases: (random) => {
    const grey = random.uniform([16, 16, 1]);
    const rgb = random.uniform([12, 13, 3]);
    const smooth = tf.tidy(() => tf.image.resizeBilinear(random.uniform([4, 4, 1]) as tf.Tensor3D, [14, 14]));
    return [
      { args: [tf.tidy(() => grey.add(random.normal(grey.shape, { std: 0.1 })).clipByValue(0, 1)), grey], note: 'a grey 16 × 16 image and a noisy copy' },
      { args: [tf.tidy(() => rgb.mul(0.5).add(0.25)), rgb], note: 'an RGB 12 × 13 image and a low-contrast copy' },
      { args: [smooth, random.uniform([14, 14, 1])], note: 'two unrelated images' },
      { args: [tf.fill([11, 11, 1], 0.5), tf.tidy(() => random.uniform([11, 11, 1], { min: 0.4, max: 0.6 }))], note: 'an 11 × 11 flat grey image (one window) against a noisy one' },
    ];
  },
  compare: { rtol: 1e-3, atol: 1e-3, gradients: false },
  hints: [
    ({ got }) =>
      got.length === 1 && !Number.isFinite(got[0])
        ? 'your SSIM is NaN or infinite: keep C1 = 0.01² and C2 = 0.03² in both the numerator and the denominator (a flat window has zero variance).'
        : undefined,
    ({ got, args: [a, b] }) =>
      near(got[0], ssimVariant(a as T, b as T, { box: true }))
        ? 'your window is a plain mean (a box); SSIM weights the window with an 11 × 11 Gaussian of σ = 1.5.'
        : undefined,
    ({ got, args: [a, b] }) =>
      near(got[0], ssimVariant(a as T, b as T, { same: true }))
        ? "your windows include positions that hang over the border ('same' padding); keep only the windows wholly inside the image ('valid')."
        : undefined,
    ({ got, args: [a, b] }) =>
      near(got[0], ssimVariant(a as T, b as T, { c1: 0.01, c2: 0.03 }))
        ? 'your constants are K1 and K2 themselves; C1 = (K1 · R)² = 0.01² and C2 = (K2 · R)² = 0.03².'
        : undefined,
  ],
});

export const tasks = [field, generatorLoss, ssimTask];
