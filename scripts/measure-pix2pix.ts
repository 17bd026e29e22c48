/**
 * Judge accuracy, L1 and SSIM of a Pix2Pix model on the held-out edges -> clothing pairs, as a
 * curve over training steps, with the time per training step (evaluation not counted):
 *
 *   npx tsx scripts/measure-pix2pix.ts [key=value ...]
 *
 * keys (defaults = lesson 07's full mode): steps=300 every=50 objective=full batch=16 lr=2e-3
 *   beta1=0.5 gf=16 df=32 dropout=3 train=6000 test=1000 seed=1 dataSeed=2 lambda=100 skips=1 name=run
 *   dlayers=(1 for edges, 2 for facades: stride-2 convs of the PatchGAN, 0 for 7 x 7 patches) gan=vanilla (or lsgan)
 *   ema=0 (a decay in (0, 1): also score an exponential moving average of G's weights, the
 *   trainer's emaGenerator option; emas=0.99,0.995 scores more averages, updated after each step)
 *   decay=0 decayStart=0 (steps of linear learning-rate decay to zero, starting at decayStart)
 *   save=0 (1 also writes the final held-out outputs, float32 [test, S, S, C], to results/pix2pix/<name>-outputs.f32)
 *   set=edges; set=facades trains labels -> facades at 64 x 64 instead (lesson 07 section 7:
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
    steps: '300', every: '50', objective: 'full', batch: '16', lr: '2e-3', beta1: '0.5', gf: '16', df: '32',
    dropout: '3', train: '6000', test: '1000', seed: '1', dataSeed: '2', lambda: '100', skips: '1', name: 'run', set: 'edges',
    dlayers: '', gan: 'vanilla', save: '0',
    ema: '0', emas: '', decay: '0', decayStart: '0',
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
  const generatorOptions = model.options;
  const emaGenerator = +a.ema > 0 ? models.unetGenerator(generatorOptions) : undefined;
  const extraDecays = a.emas ? a.emas.split(',').map(Number) : [];
  const extraEmas = extraDecays.map(() => models.unetGenerator(generatorOptions));
  extraEmas.forEach((m) => train.copyWeights(m, model.generator));
  const trainer = train.createPix2PixTrainer({
    model, inputs: clothing.train.inputs, targets: clothing.train.targets,
    objective: a.objective as train.Pix2PixObjective, batchSize: +a.batch, seed: +a.dataSeed,
    emaGenerator, emaDecay: +a.ema > 0 ? +a.ema : undefined, decaySteps: +a.decay, decayStart: +a.decayStart,
  });
  const scored: Array<[string, tf.LayersModel]> = [['', model.generator]];
  if (emaGenerator) scored.push([`ema${a.ema}`, emaGenerator]);
  extraEmas.forEach((m, i) => scored.push([`ema${extraDecays[i]}`, m]));
  const emaCallback: train.TrainingCallback = {
    every: 1,
    call: () => extraEmas.forEach((m, i) => train.updateEma(m, model.generator, { decay: extraDecays[i] })),
  };
  const curve: Record<string, number>[] = [];
  const evaluate = () => {
    const msPerStep = (trainer.seconds * 1000) / Math.max(trainer.step, 1);
    const point: Record<string, number> = { step: trainer.step, seconds: trainer.seconds, msPerStep };
    for (const [prefix, generator] of scored) {
      const outputs = train.translate(generator, clothing.test.inputs);
      const scores = metrics.translationScores(outputs, clothing.test.targets);
      const judgeAccuracy = judged(outputs);
      outputs.dispose();
      const key = (k: string) => (prefix ? `${prefix}_${k}` : k);
      Object.assign(point, { [key('judge')]: judgeAccuracy, [key('ofCeiling')]: judgeAccuracy / ceiling, [key('l1')]: scores.l1, [key('ssim')]: scores.ssim, [key('psnr')]: scores.psnr });
      console.log(`step ${point.step}${prefix ? ` ${prefix}` : ''}: judge ${judgeAccuracy.toFixed(3)} (${(100 * judgeAccuracy / ceiling).toFixed(1)}% of ceiling), L1 ${scores.l1.toFixed(4)}, SSIM ${scores.ssim.toFixed(4)}, PSNR ${scores.psnr.toFixed(2)}, ${trainer.seconds.toFixed(0)} s, ${msPerStep.toFixed(0)} ms/step`);
    }
    curve.push(point);
  };
  const total = +a.steps;
  const every = +a.every;
  while (trainer.step < total) {
    await trainer.run({ steps: Math.min(every, total - trainer.step), progress: false, callbacks: extraEmas.length ? [emaCallback] : [] });
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
  emaGenerator?.dispose();
  extraEmas.forEach((m) => m.dispose());
  data.disposePairedSet(clothing);
  judge.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
