/**
 * Judge accuracy, L1 and SSIM of a Pix2Pix model on the held-out edges -> clothing pairs, as a
 * curve over training steps, with the time per training step (evaluation not counted):
 *
 *   npm run experiment -- measure-pix2pix [--steps 300] [--name run] [flags]   (--help lists them)
 *
 * Defaults are lesson 07's full mode: --steps 300 --every 50 --objective full --batch 16 --lr 2e-3
 *   --beta1 0.5 --gf 16 --df 32 --dropout 3 --train 6000 --test 1000 --seed 1 --data-seed 2 --lambda 100 --skips 1
 *   --dlayers (1 for edges, 2 for facades: stride-2 convs of the PatchGAN, 0 for 7 x 7 patches) --gan vanilla (or lsgan)
 *   --ema 0 (a decay in (0, 1): also score an exponential moving average of G's weights, the
 *   trainer's emaGenerator option; --emas 0.99,0.995 scores more averages, updated after each step)
 *   --decay 0 --decay-start 0 (steps of linear learning-rate decay to zero, starting at --decay-start)
 *   --save (also write the final held-out outputs, float32 [test, S, S, C], to results/pix2pix/<name>-outputs.f32)
 *   --set edges; --set facades trains labels -> facades at 64 x 64 instead (lesson 07 section 7:
 *   discriminator with 2 stride-2 convs; pass --train 800 --test 100 --batch 8 --seed 3 --data-seed 4), no judge.
 *
 * Prints one line per evaluation and writes results/pix2pix/<name>.json. Records, at the last
 * evaluation of G: measure-pix2pix.<name>.judge, .ofCeiling and .ceiling (%, edges only), .l1,
 * .ssim, .msPerStep.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, initBackend, data, models, train, metrics, course } from '../src/index';
import { parseCommand, run } from '../scripts/args';
import { keyPart } from '../scripts/ledger';
import { writeFileAtomic } from '../src/files';

const OUT = path.resolve(__dirname, '..', 'results', 'pix2pix');

function parseSettings() {
  return parseCommand('measure-pix2pix', process.argv.slice(2), {
    flags: {
      steps: { kind: 'positiveInteger', default: 300, help: 'training steps' },
      every: { kind: 'positiveInteger', default: 50, help: 'steps between evaluations' },
      objective: { kind: 'string', default: 'full', help: 'train.Pix2PixObjective' },
      batch: { kind: 'positiveInteger', default: 16, help: 'pairs per batch' },
      lr: { kind: 'positive', default: 2e-3, help: 'Adam learning rate' },
      beta1: { kind: 'nonNegative', default: 0.5, help: 'Adam beta1' },
      gf: { kind: 'positiveInteger', default: 16, help: "G's filters" },
      df: { kind: 'positiveInteger', default: 32, help: "D's filters" },
      dropout: { kind: 'nonNegativeInteger', default: 3, help: "decoder steps of G with dropout" },
      train: { kind: 'positiveInteger', default: 6000, help: 'training pairs' },
      test: { kind: 'positiveInteger', default: 1000, help: 'held-out pairs' },
      seed: { kind: 'nonNegativeInteger', default: 1, help: 'weights seed' },
      'data-seed': { kind: 'nonNegativeInteger', default: 2, help: 'batch order seed' },
      lambda: { kind: 'nonNegative', default: 100, help: 'weight of the L1 term' },
      skips: { kind: 'nonNegativeInteger', default: 1, help: '1: U-Net skip connections, 0: none' },
      name: { kind: 'string', default: 'run', help: 'results/pix2pix/NAME.json and the keys measure-pix2pix.NAME.…' },
      set: { kind: 'string', default: 'edges', choices: ['edges', 'facades'], help: 'edges -> clothing, or labels -> facades at 64 x 64' },
      dlayers: { kind: 'nonNegativeInteger', help: 'stride-2 convs of the PatchGAN (default 1 for edges, 2 for facades)' },
      gan: { kind: 'string', default: 'vanilla', choices: ['vanilla', 'lsgan'], help: 'adversarial loss' },
      save: { kind: 'boolean', help: 'also write the final held-out outputs (float32) to results/pix2pix/NAME-outputs.f32' },
      ema: { kind: 'nonNegative', default: 0, help: "a decay in (0, 1): also score an EMA of G's weights (the trainer's emaGenerator)" },
      emas: { kind: 'numbers', help: 'more EMA decays to score, updated after each step' },
      decay: { kind: 'nonNegativeInteger', default: 0, help: 'steps of linear learning-rate decay to zero' },
      'decay-start': { kind: 'nonNegativeInteger', default: 0, help: 'the step where the decay starts' },
    },
  });
}

async function main() {
  const a = parseSettings();
  const backend = await initBackend();
  const facades = a.set === 'facades';
  const clothing = facades
    ? data.labelsToFacades({ trainCount: a.train, testCount: a.test, size: 64, range: 'symmetric' })
    : await data.edgesToClothing({ trainCount: a.train, testCount: a.test, range: 'symmetric' });
  const judge = await metrics.judge('fashion');
  const testLabels = Array.from(clothing.test.labels.dataSync());
  const judged = (images: tf.Tensor4D) => {
    if (facades) return NaN;
    const unit = data.unpadToUnit(images, { range: 'symmetric' });
    const predicted = judge.classify(unit).labels;
    unit.dispose();
    return predicted.filter((label, i) => label === testLabels[i]).length / testLabels.length;
  };
  const ceiling = judged(clothing.test.targets);
  console.log(`backend ${backend.name} ${backend.threads} threads; judge on the real held-out targets: ${ceiling.toFixed(3)}; input copy ${judged(clothing.test.inputs).toFixed(3)}`);

  const model = models.createPix2Pix({
    imageSize: facades ? 64 : 32, inputChannels: facades ? 3 : 1, outputChannels: facades ? 3 : 1, discriminatorLayers: a.dlayers ?? (facades ? 2 : 1),
    generatorFilters: a.gf, discriminatorFilters: a.df, dropoutSteps: a.dropout, skipConnections: a.skips === 1, seed: a.seed,
  });
  const generatorOptions = model.options;
  const emaGenerator = a.ema > 0 ? models.unetGenerator(generatorOptions) : undefined;
  const extraDecays = a.emas ? [...a.emas] : [];
  const extraEmas = extraDecays.map(() => models.unetGenerator(generatorOptions));
  extraEmas.forEach((m) => train.copyWeights(m, model.generator));
  const trainer = train.createPix2PixTrainer({
    model, inputs: clothing.train.inputs, targets: clothing.train.targets,
    objective: a.objective as train.Pix2PixObjective, batchSize: a.batch, seed: a['data-seed'],
    learningRate: a.lr, beta1: a.beta1, lambdaL1: a.lambda, ganMode: a.gan as 'vanilla' | 'lsgan',
    emaGenerator, emaDecay: a.ema > 0 ? a.ema : undefined, decaySteps: a.decay, decayStart: a['decay-start'],
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
      const scores = metrics.translationScores(outputs, clothing.test.targets, { range: 'symmetric' });
      const judgeAccuracy = judged(outputs);
      outputs.dispose();
      const key = (k: string) => (prefix ? `${prefix}_${k}` : k);
      Object.assign(point, { [key('judge')]: judgeAccuracy, [key('ofCeiling')]: judgeAccuracy / ceiling, [key('l1')]: scores.l1, [key('ssim')]: scores.ssim, [key('psnr')]: scores.psnr });
      console.log(`step ${point.step}${prefix ? ` ${prefix}` : ''}: judge ${judgeAccuracy.toFixed(3)} (${(100 * judgeAccuracy / ceiling).toFixed(1)}% of ceiling), L1 ${scores.l1.toFixed(4)}, SSIM ${scores.ssim.toFixed(4)}, PSNR ${scores.psnr.toFixed(2)}, ${trainer.seconds.toFixed(0)} s, ${msPerStep.toFixed(0)} ms/step`);
    }
    curve.push(point);
  };
  const total = a.steps;
  const every = a.every;
  while (trainer.step < total) {
    await trainer.run({ steps: Math.min(every, total - trainer.step), progress: false, callbacks: extraEmas.length ? [emaCallback] : [] });
    evaluate();
  }
  const last = curve[curve.length - 1];
  const key = `measure-pix2pix.${keyPart(a.name)}`;
  if (!facades) {
    course.record(`${key}.ceiling`, 100 * ceiling, { unit: '%', digits: 1, label: 'judge on the real held-out targets' });
    course.record(`${key}.judge`, 100 * last.judge, { unit: '%', digits: 1, label: `outputs judged as their garment after ${last.step} steps` });
    course.record(`${key}.ofCeiling`, 100 * last.ofCeiling, { unit: '%', digits: 1, label: 'of the ceiling' });
  }
  course.record(`${key}.l1`, last.l1, { digits: 4, label: 'L1 to the held-out targets' });
  course.record(`${key}.ssim`, last.ssim, { digits: 3, label: 'SSIM to the held-out targets' });
  course.record(`${key}.msPerStep`, last.msPerStep, { unit: ' ms', digits: 0, label: 'training time per step' });
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${a.name}.json`);
  writeFileAtomic(file, JSON.stringify({ args: { ...a, given: undefined }, backend, ceiling, curve }, null, 2) + '\n');
  if (a.save) {
    const outputs = train.translate(model.generator, clothing.test.inputs);
    const raw = path.join(OUT, `${a.name}-outputs.f32`);
    writeFileAtomic(raw, Buffer.from((outputs.dataSync() as Float32Array).buffer));
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

run(main);
