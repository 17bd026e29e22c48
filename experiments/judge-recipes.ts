/**
 * The measurement behind README's "How the Fashion-MNIST recipe was chosen" and "How the MNIST
 * recipe was chosen": trains one judge variant on MNIST or Fashion-MNIST and prints, per epoch,
 * the training time (wall clock and CPU), the mean loss, the test accuracy and the share of real test images judged with confidence >= 0.9
 * (recognisability); at the end, the recognisability of images that are no digit or garment at
 * all (uniform noise, blank images, blurred blobs), which an honest judge keeps near 0. The
 * evaluations are not counted in the training time.
 *
 *   npm run experiment -- judge-recipes '{"dataset":"fashion","convolutions":[[32,3,2],[64,3,2]],"flip":true,"learningRate":3e-3}' --name fashion-flip
 *   npm run experiment -- judge-recipes '{"dataset":"mnist","library":true}'   # the library's network and recipe
 *
 * It builds its own networks because it tries variants the judge does not have (dropout); with
 * "library": true it uses metrics.buildJudgeModel and the library's recipe for that data set, and
 * then reproduces the judge that `npm run judge:train -- <dataset> --retrain` trains. Settings
 * are JSON (Variant below); the augmentation is metrics.randomFlip and metrics.randomAffine.
 *
 * Records, after the last epoch, judge-recipes.<name>.testAccuracy and .recognisable (% of real
 * test images), .noise, .blank, .blobs (% of non-images judged recognisable) and .trainSeconds;
 * <name> is --name, by default the data set ('mnist-library' with "library": true).
 */
import * as os from 'os';
import { tf, initBackend, data, metrics, course } from '../src/index';
import { parseCommand, run, UsageError } from '../scripts/args';
import { keyPart } from '../scripts/ledger';

interface Variant {
  /** The data set: 'mnist' (8,000 training digits) or 'fashion' (60,000 training items). */
  dataset: metrics.JudgeName;
  /** Use the library's network and recipe for `dataset` (the other network fields are ignored). */
  library: boolean;
  /** Strided convolutions [filters, kernel size, stride], ReLU, 'same' padding. */
  convolutions: [number, number, number][];
  /** Units of the dense ReLU feature layer. */
  featureUnits: number;
  /** Dropout rate after the feature layer (0 = none). */
  dropout: number;
  epochs: number;
  batchSize: number;
  /** Adam learning rate at the start. */
  learningRate: number;
  /** 'constant' or 'cosine' (to finalFraction x learningRate at the last step). */
  schedule: 'constant' | 'cosine';
  finalFraction: number;
  /** Mirror each training image left-right with probability 1/2. */
  flip: boolean;
  /** Random shift (whole pixels), rotation (degrees) and size change (fraction) per image and step. */
  maxShift: number;
  maxRotation: number;
  maxScale: number;
  /** Noise images per batch with a uniform target (metrics.noiseImages; CEDA, Hein et al. 2019). */
  noiseImages: number;
  /** Label smoothing of the cross-entropy (0 = none; tf.losses.softmaxCrossEntropy's labelSmoothing). */
  labelSmoothing: number;
  seed: number;
  /** Time this many steps after 20 warm-up steps, print ms per step and stop (0: train fully). */
  benchSteps: number;
}

const DEFAULT_VARIANT: Variant = {
  dataset: 'fashion',
  library: false,
  convolutions: [[16, 5, 2], [32, 5, 2]],
  featureUnits: 128,
  dropout: 0,
  epochs: 3,
  batchSize: 64,
  learningRate: 1e-3,
  schedule: 'constant',
  finalFraction: 0.05,
  flip: false,
  maxShift: 0,
  maxRotation: 0,
  maxScale: 0,
  labelSmoothing: 0,
  noiseImages: 0,
  seed: 1,
  benchSteps: 0,
};

function buildVariant(v: Variant): tf.LayersModel {
  if (v.library) return metrics.buildJudgeModel(metrics.DEFAULT_JUDGE_MODEL_OPTIONS[v.dataset], v.seed);
  const init = (k: number) => tf.initializers.glorotUniform({ seed: v.seed * 100 + k });
  const model = tf.sequential();
  v.convolutions.forEach(([filters, kernelSize, strides], i) => {
    const input = i === 0 ? { inputShape: [28, 28, 1] } : {};
    model.add(tf.layers.conv2d({ ...input, filters, kernelSize, strides, padding: 'same', activation: 'relu', kernelInitializer: init(i + 1) }));
  });
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: v.featureUnits, activation: 'relu', kernelInitializer: init(20) }));
  if (v.dropout > 0) model.add(tf.layers.dropout({ rate: v.dropout, seed: v.seed + 1 }));
  model.add(tf.layers.dense({ units: 10, kernelInitializer: init(21) }));
  return model;
}

/** Test accuracy, recognisability and the smallest share of judged classes. */
function evaluate(model: tf.LayersModel, test: data.LabelledImages) {
  const n = test.images.shape[0];
  const truth = test.labels.dataSync();
  const counts = new Array(10).fill(0);
  let correct = 0;
  let confident = 0;
  for (let start = 0; start < n; start += 500) {
    const size = Math.min(500, n - start);
    const [labels, confidences] = tf.tidy(() => {
      const probabilities = tf.softmax(model.predict(test.images.slice(start, size)) as tf.Tensor2D);
      return [probabilities.argMax(1).dataSync(), probabilities.max(1).dataSync()];
    });
    for (let i = 0; i < size; i++) {
      if (labels[i] === truth[start + i]) correct++;
      if (confidences[i] >= 0.9) confident++;
      counts[labels[i]]++;
    }
  }
  return { accuracy: correct / n, recognisability: confident / n, smallestShare: Math.min(...counts) / n };
}

/**
 * 1,000 images of each kind that is no digit or garment, pixels in [0, 1] (seeded):
 *   noise: every pixel uniform in [0, 1];
 *   blank: all 0, the background alone;
 *   blobs: 1 to 3 Gaussian spots (sigma 1.5 to 5 pixels) at random places, the brightest pixel 1.
 */
function garbage(kind: 'noise' | 'blank' | 'blobs', n = 1000): tf.Tensor4D {
  if (kind === 'noise') return tf.randomUniform([n, 28, 28, 1], 0, 1, 'float32', 11) as tf.Tensor4D;
  if (kind === 'blank') return tf.zeros([n, 28, 28, 1]);
  const random = data.makeRandom('judge-recipes:blobs');
  const pixels = new Float32Array(n * 28 * 28);
  for (let i = 0; i < n; i++) {
    const spots = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ x: 4 + random() * 20, y: 4 + random() * 20, sigma: 1.5 + random() * 3.5 }));
    let max = 0;
    for (let p = 0; p < 784; p++) {
      const x = p % 28;
      const y = Math.floor(p / 28);
      const value = spots.reduce((sum, s) => sum + Math.exp(-((x - s.x) ** 2 + (y - s.y) ** 2) / (2 * s.sigma ** 2)), 0);
      pixels[i * 784 + p] = value;
      max = Math.max(max, value);
    }
    for (let p = 0; p < 784; p++) pixels[i * 784 + p] /= max;
  }
  return tf.tensor4d(pixels, [n, 28, 28, 1]);
}

/** Share of `images` the model judges with confidence >= 0.9. */
function recognisability(model: tf.LayersModel, images: tf.Tensor4D): number {
  return tf.tidy(() => {
    const confidences = tf.softmax(model.predict(images) as tf.Tensor2D).max(1);
    return confidences.greaterEqual(0.9).cast('float32').mean().dataSync()[0];
  });
}

async function main() {
  const args = parseCommand('judge-recipes', process.argv.slice(2), {
    usage: "usage: npm run experiment -- judge-recipes '{\"dataset\":\"mnist\",...}' [--name NAME]",
    positionals: { help: 'the variant as JSON (fields of Variant; default {})', max: 1 },
    flags: { name: { kind: 'string', help: "the keys' part: judge-recipes.NAME.… (default: the data set, with -library for the library's recipe)" } },
  });
  let given: Partial<Variant>;
  try {
    given = JSON.parse(args.positionals[0] ?? '{}');
  } catch {
    throw new UsageError(`judge-recipes: the variant must be JSON, got '${args.positionals[0]}'`);
  }
  const dataset = given.dataset ?? DEFAULT_VARIANT.dataset;
  if (dataset !== 'mnist' && dataset !== 'fashion') throw new Error(`judge-recipes: dataset must be 'mnist' or 'fashion', got ${JSON.stringify(dataset)}`);
  const r = metrics.DEFAULT_JUDGE_TRAINING_OPTIONS[dataset];
  const libraryRecipe: Partial<Variant> = {
    epochs: r.epochs,
    batchSize: r.batchSize,
    learningRate: r.learningRate,
    schedule: r.learningRateSchedule,
    finalFraction: r.finalLearningRate / r.learningRate,
    flip: r.flip,
    maxShift: r.maxShift,
    maxRotation: r.maxRotation,
    maxScale: r.maxScale,
    noiseImages: r.noiseImages,
    seed: r.seed,
  };
  const v: Variant = { ...DEFAULT_VARIANT, ...(given.library ? libraryRecipe : {}), ...given };
  const backend = await initBackend({ verbose: false });
  const images = await data.loadDataset(v.dataset);
  const model = buildVariant(v);
  const optimizer = tf.train.adam(v.learningRate);
  const stepsPerEpoch = Math.floor(images.train.images.shape[0] / v.batchSize);
  // The library's own final rate when its recipe is used unchanged (5% of 3e-3 is not exactly 1.5e-4 in floating point).
  const libraryRate = v.library && v.learningRate === r.learningRate && v.finalFraction === libraryRecipe.finalFraction;
  const finalLearningRate = libraryRate ? r.finalLearningRate : v.finalFraction * v.learningRate;
  const recipe = { learningRate: v.learningRate, learningRateSchedule: v.schedule, finalLearningRate };
  const { convolutions, featureUnits, dropout, dataset: _dataset, ...training } = v;
  const network = v.library ? 'the library network' : JSON.stringify({ convolutions, featureUnits, dropout });
  console.log(`${v.dataset}: ${network}, ${JSON.stringify(training)}; ${model.countParams()} parameters; ${backend.name}, ${backend.threads} thread(s)`);
  let step = 0;
  let trainingMs = 0;
  let trainingCpuMs = 0;
  for (let epoch = 0; epoch < v.epochs; epoch++) {
    const epochStart = Date.now();
    const epochCpu = process.cpuUsage();
    let benchStart = 0;
    let lossSum = 0;
    // The same random streams as the judge's own training (src/metrics/judge-training.ts).
    const random = data.makeRandom(`judge:${v.seed}:${epoch}`);
    for (const batch of data.batches(images.train, { batchSize: v.batchSize, seed: v.seed * 1000 + epoch })) {
      (optimizer as unknown as { learningRate: number }).learningRate = metrics.judgeLearningRate(recipe, step, v.epochs * stepsPerEpoch);
      const loss = optimizer.minimize(() => {
        let inputs = v.flip ? metrics.randomFlip(batch.images, random) : batch.images;
        if (v.maxShift > 0 || v.maxRotation > 0 || v.maxScale > 0) inputs = metrics.randomAffine(inputs, v, random);
        const noise = v.noiseImages > 0 ? metrics.noiseImages(batch.images, v.noiseImages, random) : undefined;
        const logits = model.apply(noise ? tf.concat([inputs, noise], 0) : inputs, { training: true }) as tf.Tensor2D;
        const imageLogits = logits.slice([0, 0], [batch.images.shape[0], 10]);
        const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(batch.labels, 10), imageLogits, undefined, v.labelSmoothing);
        if (!noise) return loss as tf.Scalar;
        const noiseLogits = logits.slice([batch.images.shape[0], 0], [noise.shape[0], 10]);
        return loss.add(tf.losses.softmaxCrossEntropy(tf.fill([noise.shape[0], 10], 0.1), noiseLogits)) as tf.Scalar;
      }, true)!;
      lossSum += loss.dataSync()[0];
      tf.dispose([loss, batch.images, batch.labels]);
      step++;
      if (v.benchSteps > 0 && step === 20) benchStart = Date.now();
      if (v.benchSteps > 0 && step === 20 + v.benchSteps) {
        console.log(`${((Date.now() - benchStart) / v.benchSteps).toFixed(1)} ms per step (batch ${v.batchSize})`);
        return;
      }
    }
    const ms = Date.now() - epochStart;
    const cpu = process.cpuUsage(epochCpu);
    trainingMs += ms;
    trainingCpuMs += (cpu.user + cpu.system) / 1000;
    const e = evaluate(model, images.test);
    console.log(
      `epoch ${epoch + 1}/${v.epochs}: ${ms} ms (${(ms / stepsPerEpoch).toFixed(1)} ms/step), loss ${(lossSum / stepsPerEpoch).toFixed(4)}, ` +
        `test accuracy ${(100 * e.accuracy).toFixed(2)}%, recognisable ${(100 * e.recognisability).toFixed(1)}%, smallest class ${(100 * e.smallestShare).toFixed(1)}%`,
    );
  }
  const key = `judge-recipes.${keyPart(args.name ?? (v.library ? `${v.dataset}-library` : v.dataset))}`;
  const last = evaluate(model, images.test);
  course.record(`${key}.testAccuracy`, 100 * last.accuracy, { unit: '%', digits: 2, label: 'test accuracy' });
  course.record(`${key}.recognisable`, 100 * last.recognisability, { unit: '%', digits: 1, label: 'real test images judged recognisable' });
  course.record(`${key}.trainSeconds`, trainingMs / 1000, { unit: ' s', digits: 0, label: 'training time (wall clock)' });
  const noise = (['noise', 'blank', 'blobs'] as const).map((kind) => {
    const probe = garbage(kind);
    const share = recognisability(model, probe);
    probe.dispose();
    course.record(`${key}.${kind}`, 100 * share, { unit: '%', digits: 1, label: `${kind} judged recognisable` });
    return `${kind} ${(100 * share).toFixed(1)}%`;
  });
  console.log(`recognisable non-images: ${noise.join(', ')}`);
  console.log(`training ${(trainingMs / 1000).toFixed(1)} s wall clock, ${(trainingCpuMs / 1000).toFixed(1)} s CPU; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

run(main);
