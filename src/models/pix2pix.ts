/**
 * Pix2Pix: paired image-to-image translation (Isola et al. 2017, "Image-to-Image Translation
 * with Conditional Adversarial Networks").
 *
 *   G* = arg min_G max_D  L_cGAN(G, D) + lambda * L_L1(G)                         (Eq. 4)
 *   L_cGAN(G, D) = E_{x,y}[log D(x, y)] + E_x[log(1 - D(x, G(x)))]                 (Eq. 1)
 *   L_L1(G)      = E_{x,y}[ |y - G(x)|_1 ]                                         (Eq. 3)
 *
 * x is the input (edge map, label map), y the target photo. G is a U-Net (encoder-decoder with
 * skip connections between mirrored layers); D is a conditional PatchGAN that sees x and y (or
 * G(x)) concatenated on the channel axis and scores every N x N patch. The losses live in
 * losses/translation.ts; the training phases and their settings (lambda, Adam's rate and
 * beta1, the adversarial loss) in train/translation.ts.
 *
 * Paper defaults (256 x 256 images): lambda = 100, Adam(lr 2e-4, beta1 0.5), ngf = ndf = 64,
 * 8 encoder steps (256 -> 1), dropout 0.5 in the first 3 decoder steps, 70 x 70 PatchGAN
 * (3 stride-2 convs), batch norm with batch size 1 (= instance norm), weights ~ N(0, 0.02).
 *
 * Scaled for small images (stated departures):
 *   - the U-Net still goes down to 1 x 1, so it has log2(imageSize) steps: 5 for 32 x 32,
 *     6 for 64 x 64 (the paper's 8 for 256);
 *   - ngf = ndf = 32 by default (half the paper's width) to fit a 2-core CPU budget;
 *   - the PatchGAN has 1 stride-2 conv, a 16 x 16 receptive field: half of a 32 x 32 image,
 *     a quarter of a 64 x 64 one (the paper's 70 x 70 is 27% of 256);
 *   - instance norm instead of batch norm (the paper's batch size 1 makes them the same; we use
 *     batches of 16-32 for speed, and instance norm keeps each image's statistics separate);
 *   - dropout is used during training only, with a new seeded mask at every pass
 *     (blocks.ts SeededDropout); the paper also keeps it at test time as noise.
 *
 * Code vs paper: `input` is x, `target` is y, `generator` is G, `discriminator` is D.
 */
import * as tf from '@tensorflow/tfjs';
import { layerSeed } from '../random';
import { convNormAct, unetDown, unetUp, patchGanDiscriminator, type NormKind } from './blocks';
import { checkOptionValues, checkTensor, GenlabError, resolveOptions } from '../errors';

export interface Pix2PixOptions {
  /** Height and width of input and output, a power of two >= 8 (default 32). */
  imageSize?: number;
  /** Channels of the input x (default 1: an edge map). */
  inputChannels?: number;
  /** Channels of the output G(x) and the target y (default 1). */
  outputChannels?: number;
  /** Filters of G's first encoder step, doubled per step up to 8x (default 32; the paper's ngf is 64). */
  generatorFilters?: number;
  /** Filters of D's first conv (default 32; the paper's ndf is 64). */
  discriminatorFilters?: number;
  /** Stride-2 convs of the PatchGAN: 0 -> 7 x 7 patches, 1 -> 16 x 16, 2 -> 34, 3 -> 70 (default 1; the paper's is 3 at 256 x 256). */
  discriminatorLayers?: number;
  /** Decoder steps with dropout 0.5, counted from the bottleneck (default 3, the paper's). */
  dropoutSteps?: number;
  /** Normalisation in G and D (default 'instance'; see the header). */
  norm?: NormKind;
  /** U-Net skip connections (default true); false gives the plain encoder-decoder of the paper's Fig. 3 ablation. */
  skipConnections?: boolean;
  /** Seed of the weight initialisers and dropout masks (default 0). */
  seed?: number;
}

export const DEFAULT_PIX2PIX_OPTIONS: Required<Pix2PixOptions> = {
  imageSize: 32,
  inputChannels: 1,
  outputChannels: 1,
  generatorFilters: 32,
  discriminatorFilters: 32,
  discriminatorLayers: 1,
  dropoutSteps: 3,
  norm: 'instance',
  skipConnections: true,
  seed: 0,
};

/** The two networks of a Pix2Pix model. */
export interface Pix2Pix {
  /** G: [B, S, S, inputChannels] -> [B, S, S, outputChannels] in [-1, 1] (tanh). */
  generator: tf.LayersModel;
  /** D: [B, S, S, inputChannels + outputChannels] -> [B, S', S', 1] logits, one per patch. */
  discriminator: tf.LayersModel;
  /** Side of the input patch each of D's outputs judges. */
  receptiveField: number;
  /** The options with every default filled in. */
  options: Required<Pix2PixOptions>;
}

/**
 * The U-Net generator. For imageSize 32 and ngf f (depth 5):
 *   x [B,32,32,Cin] -> d1 [B,16,16,f] -> d2 [B,8,8,2f] -> d3 [B,4,4,4f] -> d4 [B,2,2,8f] -> d5 [B,1,1,8f]
 *   u1 [B,2,2,8f]+d4 -> u2 [B,4,4,4f]+d3 -> u3 [B,8,8,2f]+d2 -> u4 [B,16,16,f]+d1 -> out [B,32,32,Cout]
 * d1 has no norm (as in the paper), nor has the 1 x 1 bottleneck (instance norm of a single
 * pixel would be zero).
 */
/** The options completed by their defaults, each checked. */
function pix2pixOptions(fn: string, options: Pix2PixOptions): Required<Pix2PixOptions> {
  const o = resolveOptions(fn, DEFAULT_PIX2PIX_OPTIONS, options);
  checkOptionValues(fn, o, {
    imageSize: 'positiveInteger', inputChannels: 'positiveInteger', outputChannels: 'positiveInteger', generatorFilters: 'positiveInteger',
    discriminatorFilters: 'positiveInteger', discriminatorLayers: 'positiveInteger', dropoutSteps: 'nonNegativeInteger',
    norm: ['instance', 'batch', 'none'], skipConnections: 'boolean', seed: 'finite',
  });
  return o;
}

export function unetGenerator(options: Pix2PixOptions = {}): tf.LayersModel {
  const o = pix2pixOptions('unetGenerator', options);
  const depth = Math.log2(o.imageSize);
  if (!Number.isInteger(depth) || depth < 3) {
    throw new GenlabError(`unetGenerator: options.imageSize must be a power of two >= 8, got ${o.imageSize}`);
  }
  const f = o.generatorFilters;
  const filtersAt = (i: number) => f * Math.min(2 ** i, 8); // encoder step i (0-based)
  const input = tf.input({ shape: [o.imageSize, o.imageSize, o.inputChannels], name: 'input' });
  const skips: tf.SymbolicTensor[] = [];
  let x = input;
  for (let i = 0; i < depth; i++) {
    const innermost = i === depth - 1;
    x = unetDown(x, { filters: filtersAt(i), norm: i === 0 || innermost ? 'none' : o.norm, seed: layerSeed(o.seed, i), name: `down${i + 1}` });
    skips.push(x); // [B, S / 2^(i+1), S / 2^(i+1), filtersAt(i)]
  }
  for (let j = depth - 2; j >= 0; j--) {
    const step = depth - 2 - j; // 0 for the first decoder step
    x = unetUp(x, o.skipConnections ? skips[j] : null, {
      filters: filtersAt(j),
      dropout: step < o.dropoutSteps ? 0.5 : 0,
      norm: o.norm,
      seed: layerSeed(o.seed, 100 + step),
      name: `up${step + 1}`,
    }); // [B, S / 2^(j+1), ., 2 * filtersAt(j)]
  }
  const output = convNormAct(x, {
    filters: o.outputChannels,
    transposed: true,
    kernelSize: 4,
    strides: 2,
    norm: 'none',
    activation: 'tanh',
    seed: layerSeed(o.seed, 200),
    name: 'output',
  }); // [B, S, S, outputChannels]
  return tf.model({ inputs: input, outputs: output, name: 'pix2pixGenerator' });
}

/** The conditional PatchGAN: D(x, y) scores concat(x, y) patch by patch. */
export function conditionalPatchGan(options: Pix2PixOptions = {}): { model: tf.LayersModel; receptiveField: number } {
  const o = pix2pixOptions('conditionalPatchGan', options);
  const d = patchGanDiscriminator({
    imageSize: o.imageSize,
    channels: o.inputChannels + o.outputChannels,
    baseFilters: o.discriminatorFilters,
    nLayers: o.discriminatorLayers,
    norm: o.norm,
    seed: o.seed + 300,
    name: 'pix2pixDiscriminator',
  });
  return { model: d.model, receptiveField: d.receptiveField };
}

/** Builds G and D with the given options (defaults: DEFAULT_PIX2PIX_OPTIONS). */
export function createPix2Pix(options: Pix2PixOptions = {}): Pix2Pix {
  const o = pix2pixOptions('createPix2Pix', options);
  const d = conditionalPatchGan(o);
  return { generator: unetGenerator(o), discriminator: d.model, receptiveField: d.receptiveField, options: o };
}

/** D's input: x and y (or G(x)) side by side on the channel axis. [B,S,S,Cin] + [B,S,S,Cout] -> [B,S,S,Cin+Cout]. */
export function pairForDiscriminator(input: tf.Tensor4D, output: tf.Tensor4D): tf.Tensor4D {
  checkTensor('pairForDiscriminator', 'input', input, { rank: 4, layout: '[B, H, W, C]', dtype: 'float32' });
  checkTensor('pairForDiscriminator', 'output', output, { rank: 4, layout: '[B, H, W, C]', dtype: 'float32' });
  if (input.shape[0] !== output.shape[0] || input.shape[1] !== output.shape[1] || input.shape[2] !== output.shape[2]) {
    throw new GenlabError(`pairForDiscriminator: input [${input.shape}] and output [${output.shape}] must agree in batch, height and width`);
  }
  return tf.concat([input, output], 3);
}
