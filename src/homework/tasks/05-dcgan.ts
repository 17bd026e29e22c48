/**
 * Homework 05 (DCGAN): the generator and the discriminator from their shape tables, and one
 * generator update with an explicit varList. References: models.buildDcganGenerator,
 * models.buildDcganDiscriminator and models.architectureTable; the generator phase of
 * train.createGanTrainer (losses.generatorLoss on D(G(z)) in training mode, varList = G's
 * trainable weights).
 */
import * as tf from '@tensorflow/tfjs';
import { generatorLoss } from '../../losses/gan';
import { architectureTable, buildDcganDiscriminator, buildDcganGenerator, type LayerRow } from '../../models/dcgan';
import { implementTask } from '../define';
import type { CaseRandom } from '../random';
import { fmt } from './common';

// ---- the shape tables ------------------------------------------------------------------------------

/** Activation layers carry no shape or weights of their own: a student may fold them into a conv. */
const ACTIVATIONS = new Set(['ReLU', 'LeakyReLU', 'Activation', 'InputLayer']);

function rowsOf(model: tf.LayersModel): LayerRow[] {
  return architectureTable(model).filter((row) => !ACTIVATIONS.has(row.type));
}

function shape(row: LayerRow): string {
  return `[${row.outputShape.map((d) => d ?? 'B').join(', ')}]`;
}

/** The last layer's activation, from its config or a following Activation layer. */
function finalActivation(model: tf.LayersModel): string {
  const last = model.layers[model.layers.length - 1];
  const config = last.getConfig() as { activation?: string };
  if (last.getClassName() === 'Activation' || config.activation) return String(config.activation ?? '');
  return 'linear';
}

/** What differs between a student's model and genlab's, in the words of the shape table. */
function compareTables(mine: tf.LayersModel, reference: tf.LayersModel, what: string): string | undefined {
  const got = rowsOf(mine);
  const want = rowsOf(reference);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (!g) return `${what}: your model stops after ${got.length} layers with weights or shapes; the table's next layer is a ${w.type} with output ${shape(w)}.`;
    if (g.type !== w.type) return `${what}: layer ${i + 1} (not counting activations) is a ${g.type} with output ${shape(g)}; the table has a ${w.type} with output ${shape(w)} there.`;
    if (shape(g) !== shape(w)) {
      const padding = /Conv/.test(w.type) ? " (4 × 4 kernels with padding: 'same' and stride 2 halve or double H and W exactly)" : '';
      return `${what}: the ${w.type} at layer ${i + 1} outputs ${shape(g)}, the table says ${shape(w)}${padding}.`;
    }
    if (g.parameters !== w.parameters) {
      const d = g.parameters - w.parameters;
      const channels = Number(w.outputShape[w.outputShape.length - 1]);
      const bias = d === channels ? ' — exactly one bias per output channel: this layer has no bias (useBias: false)' : d === -channels ? ' — one bias per output channel too few: this layer keeps its bias' : '';
      const kernel = /Conv/.test(w.type) && d !== channels && d !== -channels ? ' (the kernels are 4 × 4)' : '';
      return `${what}: the ${w.type} at layer ${i + 1} (output ${shape(w)}) has ${g.parameters.toLocaleString('en-US')} weights, the table says ${w.parameters.toLocaleString('en-US')}${bias}${kernel}.`;
    }
  }
  if (got.length > want.length) return `${what}: your model has ${got.length - want.length} layer(s) more than the table, after its last one: ${got.slice(want.length).map((r) => r.type).join(', ')}.`;
  return undefined;
}

// ---- 05.generator ------------------------------------------------------------------------------------

const generator = implementTask({
  id: '05.generator',
  title: "the DCGAN generator, matching lesson 05's shape table",
  points: 3,
  custom: (answer: unknown, random: CaseRandom) => {
    if (typeof answer !== 'function') return `expected your function buildGenerator, got ${typeof answer}`;
    const build = answer as (latentSize: number, filters: number) => tf.LayersModel;
    for (const [latentSize, filters] of [[100, 64], [random.int(8, 40), 4 * random.int(2, 6)]]) {
      const mine = build(latentSize, filters);
      const reference = buildDcganGenerator({ latentSize, filters });
      try {
        if (!(mine instanceof tf.LayersModel)) return `buildGenerator(${latentSize}, ${filters}) must return a tf.LayersModel (tf.model({ inputs, outputs })), got ${typeof mine}`;
        const difference = compareTables(mine, reference, `for L = ${latentSize}, F = ${filters}`);
        if (difference) return difference;
        const activation = finalActivation(mine);
        if (activation !== 'tanh') return `for L = ${latentSize}, F = ${filters}: the last layer's activation is ${activation}; the generator ends in tanh, so its images lie in [−1, 1] like the training data.`;
      } finally {
        if (mine instanceof tf.LayersModel) mine.dispose();
        reference.dispose();
      }
    }
    return undefined;
  },
});

// ---- 05.discriminator --------------------------------------------------------------------------------

const discriminator = implementTask({
  id: '05.discriminator',
  title: "the DCGAN discriminator, matching lesson 05's shape table",
  points: 3,
  custom: (answer: unknown, random: CaseRandom) => {
    if (typeof answer !== 'function') return `expected your function buildDiscriminator, got ${typeof answer}`;
    const build = answer as (filters: number) => tf.LayersModel;
    for (const filters of [64, 4 * random.int(2, 6)]) {
      const mine = build(filters);
      const reference = buildDcganDiscriminator({ filters });
      try {
        if (!(mine instanceof tf.LayersModel)) return `buildDiscriminator(${filters}) must return a tf.LayersModel (tf.model({ inputs, outputs })), got ${typeof mine}`;
        const got = rowsOf(mine);
        if (got[1]?.type === 'BatchNormalization' && rowsOf(reference)[1]?.type !== 'BatchNormalization') {
          return `for F = ${filters}: batch norm follows your first convolution; DCGAN leaves it out on D's input layer (Radford et al. 2015, §3).`;
        }
        const difference = compareTables(mine, reference, `for F = ${filters}`);
        if (difference) return difference;
        const activation = finalActivation(mine);
        if (activation !== 'linear') return `for F = ${filters}: the last layer has activation ${activation}; D outputs a logit (no sigmoid): the losses take logits.`;
      } finally {
        if (mine instanceof tf.LayersModel) mine.dispose();
        reference.dispose();
      }
    }
    return undefined;
  },
});

// ---- 05.generatorStep -------------------------------------------------------------------------------

/** genlab's generator phase (train/gan.ts): D(G(z)) in training mode, non-saturating loss, varList = G. */
function referenceStep(g: tf.LayersModel, d: tf.LayersModel, optimizer: tf.Optimizer, z: tf.Tensor): number {
  const varList = g.trainableWeights.map((w) => w.read() as tf.Variable);
  const cost = optimizer.minimize(() => generatorLoss(d.apply(g.apply(z, { training: true }) as tf.Tensor, { training: true }) as tf.Tensor), true, varList)!;
  const value = cost.dataSync()[0];
  cost.dispose();
  return value;
}

function weightValues(model: tf.LayersModel): number[][] {
  return model.weights.map((w) => Array.from(w.read().dataSync()));
}

const generatorStep = implementTask({
  id: '05.generatorStep',
  title: "one generator update: the non-saturating loss, only G's weights change",
  points: 3,
  custom: async (answer: unknown, random: CaseRandom) => {
    if (typeof answer !== 'function') return `expected your function generatorStep, got ${typeof answer}`;
    const step = answer as (g: tf.LayersModel, d: tf.LayersModel, optimizer: tf.Optimizer, z: tf.Tensor) => unknown;
    const seed = random.int(1, 1000);
    const options = { latentSize: 8, filters: 4, imageShape: [8, 8, 1] as [number, number, number], seed };
    const [g1, d1, g2, d2] = [buildDcganGenerator(options), buildDcganDiscriminator(options), buildDcganGenerator(options), buildDcganDiscriminator(options)];
    const [o1, o2] = [tf.train.sgd(0.05), tf.train.sgd(0.05)];
    const z = random.normal([6, 8]);
    try {
      for (let k = 1; k <= 2; k++) {
        const dBefore = weightValues(d1);
        const gBefore = weightValues(g1);
        const count = tf.memory().numTensors;
        const got = await step(g1, d1, o1, z);
        const leaked = tf.memory().numTensors - count;
        const expected = referenceStep(g2, d2, o2, z);
        if (got instanceof tf.Tensor) return 'generatorStep returned a tensor; return the loss as a plain number (cost.dataSync()[0]) and dispose the tensor.';
        if (typeof got !== 'number') return `generatorStep must return the loss as a number, got ${typeof got}`;
        const dChanged = d1.weights.findIndex((w, i) => Array.from(w.read().dataSync()).some((x, j) => x !== dBefore[i][j]));
        if (dChanged >= 0 && d1.weights[dChanged].trainable) {
          return `step ${k}: your step changed D's weight ${d1.weights[dChanged].name}; pass G's variables as varList (generator.trainableWeights.map((w) => w.read() as tf.Variable)).`;
        }
        if (Math.abs(got - expected) > 1e-4 + 1e-4 * Math.abs(expected)) {
          const hint = Math.abs(got + expected) < 0.5 * Math.abs(expected) || got < 0
            ? ': the loss is mean softplus(−D(G(z))), the non-saturating form (losses.generatorLoss), not the minimax one'
            : ': run both networks in training mode (model.apply(x, { training: true })) and use losses.generatorLoss on the logits';
          return `step ${k}: your loss is ${fmt(got)}, expected ${fmt(expected)}${hint}.`;
        }
        const gUnchanged = g1.trainableWeights.length > 0 && g1.weights.every((w, i) => !w.trainable || Array.from(w.read().dataSync()).every((x, j) => x === gBefore[i][j]));
        if (gUnchanged) return `step ${k}: your step did not change G's weights; call optimizer.minimize(…, true, varList) with G's variables.`;
        for (let i = 0; i < g1.weights.length; i++) {
          const a = Array.from(g1.weights[i].read().dataSync());
          const b = Array.from(g2.weights[i].read().dataSync());
          const bad = b.findIndex((x, j) => Math.abs(a[j] - x) > 1e-5 + 1e-4 * Math.abs(x));
          if (bad >= 0) return `step ${k}: after your update G's weight ${g1.weights[i].name}[${bad}] is ${fmt(a[bad])}, expected ${fmt(b[bad])}: one optimizer.minimize of the loss with G's varList, nothing more.`;
        }
        if (leaked > 0) return `step ${k}: your step leaves ${leaked} tensors behind; dispose the cost tensor after reading it.`;
      }
      return undefined;
    } finally {
      tf.dispose([z]);
      o1.dispose();
      o2.dispose();
      for (const m of [g1, d1, g2, d2]) m.dispose();
    }
  },
});

export const tasks = [generator, discriminator, generatorStep];
