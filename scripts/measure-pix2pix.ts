/**
 * Judge accuracy, L1 and SSIM of a Pix2Pix model on the held-out edges -> clothing pairs, as a
 * curve over training steps, with the time per training step (evaluation not counted):
 *
 *   npx tsx scripts/measure-pix2pix.ts [key=value ...]
 *
 * keys (defaults = lesson 06's full mode): steps=300 every=50 objective=full batch=16 lr=2e-4
 *   beta1=0.5 gf=16 df=32 dropout=3 train=6000 test=1000 seed=1 dataSeed=2 lambda=100 skips=1 name=run
 *   dlayers=(1 for edges, 2 for facades: stride-2 convs of the PatchGAN) gan=vanilla (or lsgan)
 *   save=0 (1 also writes the final held-out outputs, float32 [test, S, S, C], to results/pix2pix/<name>-outputs.f32)
 *   set=edges; set=facades trains labels -> facades at 64 x 64 instead (lesson 06 section 7:
 *   discriminator with 2 stride-2 convs; pass train=800 test=100 batch=8 seed=3 dataSeed=4), no judge.
 *
 * Prints one line per evaluation and writes results/pix2pix/<name>.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, initBackend, data, models, train, metrics } from '../src/index';

const OUT = path.resolve(__dirname, '..', 'results', 'pix2pix');

function parseArgs(): Record<string, string> {
  const defaults: Record<string, string> = {
    steps: '300', every: '50', objective: 'full', batch: '16', lr: '2e-4', beta1: '0.5', gf: '16', df: '32',
    dropout: '3', train: '6000', test: '1000', seed: '1', dataSeed: '2', lambda: '100', skips: '1', name: 'run', set: 'edges',
    dlayers: '', gan: 'vanilla', save: '0',
  };
  for (const arg of process.argv.slice(2)) {
    const [key, value] = arg.split('=');
    if (!(key in defaults) || value === undefined) throw new Error(`measure-pix2pix: unknown argument '${arg}'; keys: ${Object.keys(defaults).join(', ')}`);
    defaults[key] = value;
  }
  return defaults;
}

async function main() {
  const a = parseArgs();
  const backend = await initBackend();
  const facades = a.set === 'facades';
  const clothing = facades
    ? data.labelsToFacades({ trainCount: +a.train, testCount: +a.test, size: 64 })
    : await data.edgesToClothing({ trainCount: +a.train, testCount: +a.test });
  const judge = await metrics.judge('fashion');
  const testLabels = Array.from(clothing.test.labels.dataSync());
  const judged = (images: tf.Tensor4D) => {
    if (facades) return NaN;
    const unit = data.unpadToUnit(images);
    const predicted = judge.classify(unit).labels;
    unit.dispose();
    return predicted.filter((label, i) => label === testLabels[i]).length / testLabels.length;
  };
  const ceiling = judged(clothing.test.targets);
  console.log(`backend ${backend.name} ${backend.threads} threads; judge on the real held-out targets: ${ceiling.toFixed(3)}; input copy ${judged(clothing.test.inputs).toFixed(3)}`);

  const model = models.createPix2Pix({
    imageSize: facades ? 64 : 32, inputChannels: facades ? 3 : 1, outputChannels: facades ? 3 : 1, discriminatorLayers: a.dlayers ? +a.dlayers : facades ? 2 : 1, ganMode: a.gan as 'vanilla' | 'lsgan',
    generatorFilters: +a.gf, discriminatorFilters: +a.df, dropoutSteps: +a.dropout,
    learningRate: +a.lr, beta1: +a.beta1, lambdaL1: +a.lambda, skipConnections: a.skips === '1', seed: +a.seed,
  });
  const trainer = train.createPix2PixTrainer({
    model, inputs: clothing.train.inputs, targets: clothing.train.targets,
    objective: a.objective as train.Pix2PixObjective, batchSize: +a.batch, seed: +a.dataSeed,
  });
  const curve: Record<string, number>[] = [];
  const evaluate = () => {
    const outputs = train.translate(model.generator, clothing.test.inputs);
    const scores = metrics.translationScores(outputs, clothing.test.targets);
    const judgeAccuracy = judged(outputs);
    outputs.dispose();
    const msPerStep = (trainer.seconds * 1000) / Math.max(trainer.step, 1);
    const point = { step: trainer.step, seconds: trainer.seconds, msPerStep, judge: judgeAccuracy, ofCeiling: judgeAccuracy / ceiling, ...scores };
    curve.push(point);
    console.log(`step ${point.step}: judge ${judgeAccuracy.toFixed(3)} (${(100 * point.ofCeiling).toFixed(1)}% of ceiling), L1 ${scores.l1.toFixed(4)}, SSIM ${scores.ssim.toFixed(4)}, PSNR ${scores.psnr.toFixed(2)}, ${trainer.seconds.toFixed(0)} s, ${msPerStep.toFixed(0)} ms/step`);
  };
  const total = +a.steps;
  const every = +a.every;
  while (trainer.step < total) {
    await trainer.run({ steps: Math.min(every, total - trainer.step), progress: false });
    evaluate();
  }
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${a.name}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ args: a, backend, ceiling, curve }, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
  if (a.save === '1') {
    const outputs = train.translate(model.generator, clothing.test.inputs);
    const raw = path.join(OUT, `${a.name}-outputs.f32`);
    fs.writeFileSync(`${raw}.tmp`, Buffer.from((outputs.dataSync() as Float32Array).buffer));
    fs.renameSync(`${raw}.tmp`, raw);
    outputs.dispose();
  }
  trainer.dispose();
  model.generator.dispose();
  model.discriminator.dispose();
  data.disposePairedSet(clothing);
  judge.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
