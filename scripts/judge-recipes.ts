/**
 * The measurement behind README's "How the Fashion-MNIST recipe was chosen": trains one judge
 * variant on Fashion-MNIST and prints, per epoch, the training time, the mean loss, the test
 * accuracy and the share of real test items judged with confidence >= 0.9 (recognisability).
 * The evaluation after each epoch is not counted in the training time.
 *
 *   npx tsx scripts/judge-recipes.ts '{"convolutions":[[32,3,2],[64,3,2]],"flip":true,"learningRate":3e-3}'
 *   npx tsx scripts/judge-recipes.ts '{"library":true}'     # the library's network and recipe
 *
 * It builds its own networks because it tries variants the judge does not have (dropout); with
 * "library": true it uses metrics.buildJudgeModel and metrics.randomFlip, and then reproduces the
 * judge that `npm run judge:train -- fashion --retrain` trains. Settings are JSON (Variant below).
 */
import { tf, initBackend, data, metrics } from '../src/index';

interface Variant {
  /** Use the library's Fashion-MNIST network and flips (the other network fields are ignored). */
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
  seed: number;
  /** Time this many steps after 20 warm-up steps, print ms per step and stop (0: train fully). */
  benchSteps: number;
}

const DEFAULT_VARIANT: Variant = {
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
  seed: 1,
  benchSteps: 0,
};

function buildVariant(v: Variant): tf.LayersModel {
  if (v.library) return metrics.buildJudgeModel(metrics.DEFAULT_JUDGE_MODEL_OPTIONS.fashion, v.seed);
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

async function main() {
  const given: Partial<Variant> = JSON.parse(process.argv[2] ?? '{}');
  const r = metrics.DEFAULT_JUDGE_TRAINING_OPTIONS.fashion;
  const libraryRecipe: Partial<Variant> = {
    epochs: r.epochs,
    batchSize: r.batchSize,
    learningRate: r.learningRate,
    schedule: r.learningRateSchedule,
    finalFraction: r.finalLearningRate / r.learningRate,
    flip: r.flip,
    seed: r.seed,
  };
  const v: Variant = { ...DEFAULT_VARIANT, ...(given.library ? libraryRecipe : {}), ...given };
  const backend = await initBackend({ verbose: false });
  const fashion = await data.loadFashionMnist();
  const model = buildVariant(v);
  const optimizer = tf.train.adam(v.learningRate);
  const stepsPerEpoch = Math.floor(fashion.train.images.shape[0] / v.batchSize);
  // The library's own final rate when its recipe is used unchanged (5% of 3e-3 is not exactly 1.5e-4 in floating point).
  const libraryRate = v.library && v.learningRate === r.learningRate && v.finalFraction === libraryRecipe.finalFraction;
  const finalLearningRate = libraryRate ? r.finalLearningRate : v.finalFraction * v.learningRate;
  const recipe = { learningRate: v.learningRate, learningRateSchedule: v.schedule, finalLearningRate };
  const { convolutions, featureUnits, dropout, ...training } = v;
  const network = v.library ? 'the library network' : JSON.stringify({ convolutions, featureUnits, dropout });
  console.log(`${network}, ${JSON.stringify(training)}; ${model.countParams()} parameters; ${backend.name}, ${backend.threads} thread(s)`);
  let step = 0;
  let trainingMs = 0;
  for (let epoch = 0; epoch < v.epochs; epoch++) {
    const epochStart = Date.now();
    let benchStart = 0;
    let lossSum = 0;
    // The same random streams as the judge's own training (src/metrics/judge.ts).
    const random = data.makeRandom(`judge:${v.seed}:${epoch}`);
    for (const batch of data.batches(fashion.train, { batchSize: v.batchSize, seed: v.seed * 1000 + epoch })) {
      (optimizer as unknown as { learningRate: number }).learningRate = metrics.judgeLearningRate(recipe, step, v.epochs * stepsPerEpoch);
      const loss = optimizer.minimize(() => {
        const images = v.flip ? metrics.randomFlip(batch.images, random) : batch.images;
        const logits = model.apply(images, { training: true }) as tf.Tensor2D;
        return tf.losses.softmaxCrossEntropy(tf.oneHot(batch.labels, 10), logits) as tf.Scalar;
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
    trainingMs += ms;
    const e = evaluate(model, fashion.test);
    console.log(
      `epoch ${epoch + 1}/${v.epochs}: ${ms} ms (${(ms / stepsPerEpoch).toFixed(1)} ms/step), loss ${(lossSum / stepsPerEpoch).toFixed(4)}, ` +
        `test accuracy ${(100 * e.accuracy).toFixed(2)}%, recognisable ${(100 * e.recognisability).toFixed(1)}%, smallest class ${(100 * e.smallestShare).toFixed(1)}%`,
    );
  }
  console.log(`training ${(trainingMs / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
