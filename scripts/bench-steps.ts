/**
 * The training steps `npm run bench` times: the reference DCGAN step of issue 4 (built here,
 * op for op the same as scripts/bench-torch.py), and one step of each course model that the
 * installed genlab exports (found by name; a model not built yet is skipped).
 *
 * Every step is one optimizer update of each network it trains, on a fixed random batch
 * (the data pipeline is not what is measured), and ends by reading its losses, so the
 * time covers all the work.
 */
import { tf } from '../src/index';
import * as genlab from '../src/index';

/** A benchmark case: `prepare()` builds the networks and returns one step. */
export interface BenchCase {
  name: string;
  /** Its part of the ledger keys: bench.<key>.<runner>.msPerStep. */
  key: string;
  /** Images per step (what images/s counts). */
  batchSize: number;
  /** Tiny enough to time on the pure-JS cpu backend. */
  cpuFriendly: boolean;
  prepare(): BenchStep | undefined;
}

export interface BenchStep {
  /** One training step; returns its losses as plain numbers. */
  step(seed: number): number[];
  dispose(): void;
}

/** BCE with logits, mean over the batch: the same loss as torch's BCEWithLogitsLoss. */
function bceWithLogits(logits: tf.Tensor, target: 0 | 1): tf.Scalar {
  const labels = target === 1 ? tf.onesLike(logits) : tf.zerosLike(logits);
  return tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
}

/** The two-update GAN step: D on a real and a fake batch, then G. Two G forward passes. */
function ganStep(
  generator: tf.LayersModel,
  discriminator: tf.LayersModel,
  options: {
    generatorInput: (seed: number) => tf.Tensor;
    real: tf.Tensor;
    /** What D sees of a fake (default: the fake itself; pix2pix pairs it with its input). */
    discriminatorInput?: (fake: tf.Tensor, generatorInput: tf.Tensor) => tf.Tensor;
    realDiscriminatorInput?: tf.Tensor;
  },
): BenchStep {
  const dOptimizer = tf.train.adam(2e-4, 0.5);
  const gOptimizer = tf.train.adam(2e-4, 0.5);
  const dVars = discriminator.trainableWeights.map((w) => w.read() as tf.Variable);
  const gVars = generator.trainableWeights.map((w) => w.read() as tf.Variable);
  const asSeenByD = options.discriminatorInput ?? ((fake: tf.Tensor) => fake);
  const realForD = options.realDiscriminatorInput ?? options.real;
  return {
    step(seed) {
      const dLoss = tf.tidy(() => {
        const input = options.generatorInput(seed);
        return dOptimizer.minimize(() => {
          const fake = generator.apply(input, { training: true }) as tf.Tensor;
          const realLogits = discriminator.apply(realForD, { training: true }) as tf.Tensor;
          const fakeLogits = discriminator.apply(asSeenByD(fake, input), { training: true }) as tf.Tensor;
          return bceWithLogits(realLogits, 1).add(bceWithLogits(fakeLogits, 0)) as tf.Scalar;
        }, true, dVars) as tf.Scalar;
      });
      const gLoss = tf.tidy(() => {
        const input = options.generatorInput(seed + 1);
        return gOptimizer.minimize(() => {
          const fake = generator.apply(input, { training: true }) as tf.Tensor;
          const fakeLogits = discriminator.apply(asSeenByD(fake, input), { training: true }) as tf.Tensor;
          return bceWithLogits(fakeLogits, 1);
        }, true, gVars) as tf.Scalar;
      });
      const losses = [dLoss.dataSync()[0], gLoss.dataSync()[0]];
      tf.dispose([dLoss, gLoss]);
      return losses;
    },
    dispose() {
      dOptimizer.dispose();
      gOptimizer.dispose();
      generator.dispose();
      discriminator.dispose();
      tf.dispose([options.real, options.realDiscriminatorInput ?? []]);
    },
  };
}

const latent = (batch: number, size: number) => (seed: number) => tf.randomNormal([batch, size], 0, 1, 'float32', seed);
const fakeImages = (shape: number[], seed = 42) => tf.randomUniform(shape, -1, 1, 'float32', seed);

/**
 * The reference DCGAN of issue 4 (28x28 MNIST, batch 64, Adam(2e-4, beta1 0.5), BCE with
 * logits):
 *   G: dense(100 -> 7*7*128, no bias) + BN + LeakyReLU, reshape,            // [B, 7, 7, 128]
 *      conv2dTranspose(64, k5, s2, same, no bias) + BN + LeakyReLU,         // [B, 14, 14, 64]
 *      conv2dTranspose(1, k5, s2, same) + tanh                              // [B, 28, 28, 1]
 *   D: conv2d(64, k5, s2, same) + LeakyReLU,                                // [B, 14, 14, 64]
 *      conv2d(128, k5, s2, same) + LeakyReLU, flatten, dense(1)             // [B, 7, 7, 128] -> [B, 1]
 * LeakyReLU slope 0.2 (the DCGAN paper's).
 */
export function referenceDcgan(batchSize = 64): BenchStep {
  const slope = 0.2;
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const generator = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [100], units: 7 * 7 * 128, useBias: false, kernelInitializer: init(1) }),
      tf.layers.batchNormalization(),
      tf.layers.leakyReLU({ alpha: slope }),
      tf.layers.reshape({ targetShape: [7, 7, 128] }),
      tf.layers.conv2dTranspose({ filters: 64, kernelSize: 5, strides: 2, padding: 'same', useBias: false, kernelInitializer: init(2) }),
      tf.layers.batchNormalization(),
      tf.layers.leakyReLU({ alpha: slope }),
      tf.layers.conv2dTranspose({ filters: 1, kernelSize: 5, strides: 2, padding: 'same', activation: 'tanh', kernelInitializer: init(3) }),
    ],
  });
  const discriminator = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 64, kernelSize: 5, strides: 2, padding: 'same', kernelInitializer: init(4) }),
      tf.layers.leakyReLU({ alpha: slope }),
      tf.layers.conv2d({ filters: 128, kernelSize: 5, strides: 2, padding: 'same', kernelInitializer: init(5) }),
      tf.layers.leakyReLU({ alpha: slope }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1, kernelInitializer: init(6) }),
    ],
  });
  return ganStep(generator, discriminator, { generatorInput: latent(batchSize, 100), real: fakeImages([batchSize, 28, 28, 1]) });
}

/** Looks up a builder the course library may export (undefined until its branch lands). */
function exported<T>(name: string): T | undefined {
  const models = genlab.models as unknown as Record<string, unknown>;
  return typeof models[name] === 'function' ? (models[name] as T) : undefined;
}

type Builder = (options?: Record<string, unknown>) => tf.LayersModel;

export const BENCH_CASES: BenchCase[] = [
  {
    name: 'Reference DCGAN (issue 4), batch 64',
    key: 'reference',
    batchSize: 64,
    cpuFriendly: false,
    prepare: () => referenceDcgan(64),
  },
  {
    name: 'MLP GAN (lesson 02), batch 64',
    key: 'mlpGan',
    batchSize: 64,
    cpuFriendly: true,
    prepare() {
      const buildG = exported<Builder>('buildGanGenerator');
      const buildD = exported<Builder>('buildGanDiscriminator');
      if (!buildG || !buildD) return undefined;
      return ganStep(buildG(), buildD(), { generatorInput: latent(64, 100), real: fakeImages([64, 28, 28, 1]) });
    },
  },
  {
    name: 'VAE (lesson 04), batch 64',
    key: 'vae',
    batchSize: 64,
    cpuFriendly: true,
    prepare() {
      const buildVae = exported<(o?: object) => { encoder: tf.LayersModel; decoder: tf.LayersModel; options: { latentSize: number } }>('buildVae');
      if (!buildVae) return undefined;
      const vae = buildVae();
      const images = tf.randomUniform([64, 28, 28, 1], 0, 1, 'float32', 7);
      const optimizer = tf.train.adam(1e-3);
      const vars = [...vae.encoder.trainableWeights, ...vae.decoder.trainableWeights].map((w) => w.read() as tf.Variable);
      return {
        step(seed) {
          const loss = tf.tidy(() =>
            optimizer.minimize(() => {
              const [mean, logVar] = vae.encoder.apply(images, { training: true }) as tf.Tensor[];
              const eps = tf.randomNormal(mean.shape, 0, 1, 'float32', seed);
              const z = mean.add(logVar.mul(0.5).exp().mul(eps));
              const logits = vae.decoder.apply(z, { training: true }) as tf.Tensor;
              const reconstruction = tf.losses.sigmoidCrossEntropy(images, logits, undefined, undefined, tf.Reduction.SUM).div(64);
              const kl = tf.sum(tf.exp(logVar).add(mean.square()).sub(1).sub(logVar)).mul(0.5).div(64);
              return reconstruction.add(kl) as tf.Scalar;
            }, true, vars) as tf.Scalar,
          );
          const value = loss.dataSync()[0];
          loss.dispose();
          return [value];
        },
        dispose() {
          optimizer.dispose();
          vae.encoder.dispose();
          vae.decoder.dispose();
          images.dispose();
        },
      };
    },
  },
  {
    name: 'DCGAN (lesson 05, course defaults), batch 64',
    key: 'dcgan',
    batchSize: 64,
    cpuFriendly: false,
    prepare() {
      const buildG = exported<Builder>('buildDcganGenerator');
      const buildD = exported<Builder>('buildDcganDiscriminator');
      if (!buildG || !buildD) return undefined;
      return ganStep(buildG(), buildD(), { generatorInput: latent(64, 100), real: fakeImages([64, 28, 28, 1]) });
    },
  },
  {
    name: 'Pix2Pix U-Net + PatchGAN (lesson 07, course defaults), batch 16',
    key: 'pix2pix',
    batchSize: 16,
    cpuFriendly: false,
    prepare() {
      const buildG = exported<Builder>('unetGenerator');
      const buildD = exported<(o?: object) => { model: tf.LayersModel }>('conditionalPatchGan');
      if (!buildG || !buildD) return undefined;
      const generator = buildG();
      const [size, , inChannels] = generator.inputs[0].shape.slice(1) as number[];
      const outChannels = generator.outputs[0].shape[3] as number;
      const inputs = fakeImages([16, size, size, inChannels], 8);
      const targets = fakeImages([16, size, size, outChannels], 9);
      const pair = (output: tf.Tensor) => tf.concat([inputs, output], 3);
      return ganStep(generator, buildD().model, {
        generatorInput: () => inputs.clone(),
        real: targets,
        discriminatorInput: (fake) => pair(fake),
        realDiscriminatorInput: pair(targets),
      });
    },
  },
  {
    name: 'CycleGAN ResNet generator G_AB vs D_B (lesson 08, course defaults, adversarial part only), batch 16',
    key: 'cyclegan',
    batchSize: 16,
    cpuFriendly: false,
    prepare() {
      const create = exported<(o?: object) => { generatorAB: tf.LayersModel; generatorBA: tf.LayersModel; discriminatorA: tf.LayersModel; discriminatorB: tf.LayersModel }>('createCycleGan');
      if (!create) return undefined;
      const cycle = create();
      cycle.generatorBA.dispose();
      cycle.discriminatorA.dispose();
      const [size, , channels] = cycle.generatorAB.inputs[0].shape.slice(1) as number[];
      const imagesA = fakeImages([16, size, size, channels], 10);
      const outChannels = cycle.generatorAB.outputs[0].shape[3] as number;
      return ganStep(cycle.generatorAB, cycle.discriminatorB, {
        generatorInput: () => imagesA.clone(),
        real: fakeImages([16, size, size, outChannels], 11),
      });
    },
  },
];
