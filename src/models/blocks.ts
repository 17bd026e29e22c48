/**
 * Building blocks of the image-to-image networks (Pix2Pix, CycleGAN).
 *
 *   InstanceNormalization   y = (x - mean_hw(x)) / sqrt(var_hw(x) + eps)   per image, per channel
 *                           (Ulyanov et al. 2016); optional learned gamma, beta.
 *   ReflectionPadding2D     pads H and W by mirroring the rows/columns next to the border,
 *                           without repeating the border itself (numpy.pad mode='reflect').
 *   SeededDropout           dropout whose mask is new at every training call yet reproducible
 *                           under a seed (tfjs's seeded dropout repeats one mask forever).
 *   convNormAct             conv (or transposed conv) -> norm -> activation
 *   residualBlock           x + [reflect-pad, conv3x3, norm, relu, reflect-pad, conv3x3, norm](x)
 *   unetDown / unetUp       the encoder and decoder steps of a U-Net; unetUp concatenates the skip
 *   patchGanDiscriminator   a fully convolutional critic whose every output scores one N x N
 *                           patch of the input; N (the receptive field) follows from nLayers.
 *
 * tfjs has neither instance normalisation nor reflection padding built in, so both are written
 * here as layers and registered with tf.serialization, so that a saved model loads again with
 * tf.loadLayersModel. Their class names ('InstanceNormalization', 'ReflectionPadding2D') are part
 * of the checkpoint format: do not rename them.
 *
 * Layer order follows the TensorFlow pix2pix tutorial (conv -> norm -> activation); the PyTorch
 * reference code (junyanz/pytorch-CycleGAN-and-pix2pix) puts the U-Net's activations before the
 * convolutions instead, which gives the same network up to where the first/last activation sits.
 */
import * as tf from '@tensorflow/tfjs';
import { layerSeed } from '../random';
import { GenlabError, checkNonNegativeInteger, checkNumber, checkPositiveInteger, fail, resolveOptions } from '../errors';

// ---------------------------------------------------------------------------------------------
// Custom layers

export interface InstanceNormalizationArgs {
  /** Added to the variance before the square root (default 1e-5, PyTorch's InstanceNorm2d). */
  epsilon?: number;
  /**
   * Learn a per-channel scale gamma and shift beta (default false: the reference CycleGAN and
   * pix2pix code builds InstanceNorm2d with affine=False).
   */
  affine?: boolean;
  name?: string;
  trainable?: boolean;
}

export const DEFAULT_INSTANCE_NORMALIZATION_ARGS = { epsilon: 1e-5, affine: false };

/** Instance normalisation over H and W of an NHWC tensor, separately for each image and channel. */
export class InstanceNormalization extends tf.layers.Layer {
  /** The name under which checkpoints store this layer: keep it stable. */
  static className = 'InstanceNormalization';
  readonly epsilon: number;
  readonly affine: boolean;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;

  constructor(args: InstanceNormalizationArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? DEFAULT_INSTANCE_NORMALIZATION_ARGS.epsilon;
    this.affine = args.affine ?? DEFAULT_INSTANCE_NORMALIZATION_ARGS.affine;
    if (!(this.epsilon > 0)) throw new GenlabError(`InstanceNormalization: epsilon must be > 0, got ${this.epsilon}`);
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 4) {
      throw new GenlabError(`InstanceNormalization: input must be [N, H, W, C], got ${JSON.stringify(shape)}`);
    }
    const channels = shape[3];
    if (this.affine) {
      if (channels === null) throw new GenlabError('InstanceNormalization: the channel dimension must be known when affine is true');
      this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
      this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D; // [N, H, W, C]
      const { mean, variance } = tf.moments(x, [1, 2], true); // [N, 1, 1, C] each
      let y = x.sub(mean).mul(tf.rsqrt(variance.add(this.epsilon))); // [N, H, W, C]
      if (this.gamma && this.beta) y = y.mul(this.gamma.read()).add(this.beta.read());
      return y;
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, affine: this.affine };
  }
}
tf.serialization.registerClass(InstanceNormalization);

export interface ReflectionPadding2DArgs {
  /** Rows added at top and bottom, columns added left and right: one number or [rows, columns]. */
  padding?: number | [number, number];
  name?: string;
}

/** Mirror padding of H and W (the border row/column is not repeated): [N, H, W, C] -> [N, H + 2p, W + 2q, C]. */
export class ReflectionPadding2D extends tf.layers.Layer {
  static className = 'ReflectionPadding2D';
  readonly padding: [number, number];

  constructor(args: ReflectionPadding2DArgs = {}) {
    super(args);
    const p = args.padding ?? 1;
    this.padding = typeof p === 'number' ? [p, p] : [p[0], p[1]];
    if (!this.padding.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new GenlabError(`ReflectionPadding2D: padding must be a non-negative integer or [rows, columns], got ${JSON.stringify(p)}`);
    }
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const [p, q] = this.padding;
    return [s[0], s[1] === null ? null : s[1] + 2 * p, s[2] === null ? null : s[2] + 2 * q, s[3]];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D; // [N, H, W, C]
    const [p, q] = this.padding;
    // Reflection needs p < H and q < W: there must be p rows to mirror besides the border row.
    if (p >= x.shape[1] || q >= x.shape[2]) {
      throw new GenlabError(`ReflectionPadding2D: padding [${p}, ${q}] must be smaller than the image [${x.shape[1]}, ${x.shape[2]}]`);
    }
    return tf.tidy(() => reflectAxis(reflectAxis(x, 1, p), 2, q));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), padding: this.padding };
  }
}
tf.serialization.registerClass(ReflectionPadding2D);

export interface SeededDropoutArgs {
  /** Fraction of the values set to zero in training, in [0, 1) (the kept ones are scaled by 1 / (1 - rate)). */
  rate: number;
  /** Seed of the masks: mask number k is drawn with the seed `${seed}:${k}` (default: a random seed). */
  seed?: number;
  name?: string;
}

/**
 * Inverted dropout (Srivastava et al. 2014) with a fresh mask at every call in training mode,
 * reproducible under a seed; the identity when training is off.
 *
 * tf.layers.dropout({ seed }) hands the same seed to tf.randomUniform on every call, and a
 * seeded tf.randomUniform starts a new generator from that seed each time: every training step
 * then drops the same units of the same batch rows (tests/blocks.test.ts shows both). Here call k
 * uses the seed `${seed}:${k}`, so two models built with the same seed and run the same way draw
 * the same sequence of masks. The call counter is not saved with the weights: a model loaded from
 * disk starts its masks again from k = 0.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'SeededDropout';
  readonly rate: number;
  readonly seed: number;
  /** Masks drawn so far (the k of the next mask). */
  calls = 0;

  constructor(args: SeededDropoutArgs) {
    super(args);
    this.rate = args.rate;
    this.seed = args.seed ?? Math.floor(Math.random() * 2 ** 31); // unseeded like tf.layers.dropout
    if (!(this.rate >= 0 && this.rate < 1)) throw new GenlabError(`SeededDropout: rate must be in [0, 1), got ${this.rate}`);
    if (!Number.isInteger(this.seed)) throw new GenlabError(`SeededDropout: seed must be an integer, got ${this.seed}`);
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return x;
    return tf.dropout(x, this.rate, undefined, `${this.seed}:${this.calls++}`);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);

/**
 * Reflection padding of one axis, built from slices and concat rather than
 * tf.mirrorPad: the gradient tfjs 4.22 registers for MirrorPad only slices the centre out of dy
 * and drops the contributions of the mirrored copies, so a mirror-padded network would train on
 * wrong gradients. The ops used here all have exact gradients (tests/blocks.test.ts checks it).
 */
function reflectAxisByOps(x: tf.Tensor4D, axis: 1 | 2, pad: number): tf.Tensor4D {
  const size = x.shape[axis];
  const before = stripOf(x, axis, 1, pad, true); // rows 1..pad, mirrored, go before row 0
  const after = stripOf(x, axis, size - 1 - pad, pad, true); // rows size-1-pad..size-2, mirrored, go after the last row
  return tf.concat([before, x, after], axis);
}

/** `length` rows of x along `axis` from `start`, mirrored if asked (one row is its own mirror). */
function stripOf(x: tf.Tensor4D, axis: 1 | 2, start: number, length: number, mirrored = false): tf.Tensor4D {
  // Fresh begin/size arrays per slice: tfjs keeps them by reference for the backward pass.
  const begin = [0, 0, 0, 0];
  const extent = [-1, -1, -1, -1];
  begin[axis] = start;
  extent[axis] = length;
  if (!mirrored || length === 1) return tf.slice(x, begin, extent);
  // Mirrored: single rows, last to first (on wasm several times faster than tf.reverse).
  const rows = Array.from({ length }, (_, i) => {
    const rowBegin = [...begin];
    const rowExtent = [...extent];
    rowBegin[axis] = start + length - 1 - i;
    rowExtent[axis] = 1;
    return tf.slice(x, rowBegin, rowExtent);
  });
  return tf.concat(rows, axis);
}

/**
 * Reflection padding of one axis with its gradient written out. Differentiating the ops above
 * pads each strip's gradient back to the full size of x and adds the three (two full-size pads,
 * two full-size adds, a split of dy); folding the mirrored strips of dy back onto the rows they
 * copy touches only those rows:
 *
 *   dx = concat(dMid[0], dMid[1..pad] + mirror(dBefore), dMid[pad+1..size-2-pad],
 *               dMid[size-1-pad..size-2] + mirror(dAfter), dMid[size-1])
 *
 * where dBefore, dMid, dAfter are dy's first pad rows, middle size rows and last pad rows. When
 * the two mirrored ranges overlap (size < 2*pad + 2) the ops' own gradient is used.
 */
function reflectAxis(x: tf.Tensor4D, axis: 1 | 2, pad: number): tf.Tensor4D {
  if (pad === 0) return x;
  const size = x.shape[axis];
  if (size < 2 * pad + 2) return reflectAxisByOps(x, axis, pad);
  const padded = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: reflectAxisByOps(args[0] as tf.Tensor4D, axis, pad),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
      const g = dy as tf.Tensor4D;
      const middle = (start: number, length: number) => stripOf(g, axis, pad + start, length);
      const pieces = [
        middle(0, 1),
        tf.add(middle(1, pad), stripOf(g, axis, 0, pad, true)),
        ...(size - 2 - 2 * pad > 0 ? [middle(1 + pad, size - 2 - 2 * pad)] : []),
        tf.add(middle(size - 1 - pad, pad), stripOf(g, axis, pad + size, pad, true)),
        middle(size - 1, 1),
      ];
      return tf.concat(pieces, axis);
    },
  }));
  return padded(x) as tf.Tensor4D;
}

// ---------------------------------------------------------------------------------------------
// Blocks on symbolic tensors (functional API)

export type NormKind = 'instance' | 'batch' | 'none';
export type ActivationKind = 'relu' | 'leakyRelu' | 'tanh' | 'none';

export interface ConvBlockOptions {
  /** Output channels. */
  filters: number;
  /** Square kernel size (default 4, the pix2pix/PatchGAN kernel). */
  kernelSize?: number;
  /** Stride (default 2). */
  strides?: number;
  /** Transposed convolution (upsampling by `strides`) instead of convolution (default false). */
  transposed?: boolean;
  /** 'same' zero padding, 'reflect' (reflection-pad by kernelSize/2, then a 'valid' conv) or 'valid' (default 'same'). */
  padding?: 'same' | 'valid' | 'reflect';
  /** Normalisation after the convolution (default 'instance'). */
  norm?: NormKind;
  /** Activation at the end (default 'relu'). */
  activation?: ActivationKind;
  /** Slope of LeakyReLU for x < 0 (default 0.2, pix2pix/DCGAN). */
  leakySlope?: number;
  /** Dropout rate after the norm, 0 for none (default 0). */
  dropout?: number;
  /** Seed of the weight initialiser and the dropout mask. */
  seed?: number;
  /** Prefix of the layer names. */
  name?: string;
}

export const DEFAULT_CONV_BLOCK_OPTIONS = {
  kernelSize: 4,
  strides: 2,
  transposed: false,
  padding: 'same' as const,
  norm: 'instance' as NormKind,
  activation: 'relu' as ActivationKind,
  leakySlope: 0.2,
  dropout: 0,
};

/** Weights ~ N(0, 0.02), as in pix2pix and CycleGAN (init_type='normal', init_gain=0.02). */
export function paperInitializer(seed?: number) {
  if (seed !== undefined) checkNumber('paperInitializer', 'seed', seed);
  return tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: seed === undefined ? undefined : layerSeed(seed, 0) });
}

/** Throws unless `input` is a symbolic tensor [B, H, W, C] (from tf.input or a layer's apply). */
function checkSymbolic(fn: string, input: unknown, argument = 'input'): void {
  if (!(input instanceof tf.SymbolicTensor) || input.shape.length !== 4) {
    fail(fn, argument, 'a symbolic tensor [B, H, W, C] (from tf.input or a layer)', input instanceof tf.SymbolicTensor ? `[${input.shape.join(', ')}]` : input);
  }
}

/** Conv (or transposed conv) -> norm -> [dropout] -> activation. */
export function convNormAct(input: tf.SymbolicTensor, options: ConvBlockOptions): tf.SymbolicTensor {
  checkSymbolic('convNormAct', input);
  const o = resolveOptions('convNormAct', DEFAULT_CONV_BLOCK_OPTIONS, options, ['filters', 'seed', 'name']);
  if (!Number.isInteger(o.filters) || o.filters < 1) {
    throw new GenlabError(`convNormAct: options.filters must be a positive integer, got ${o.filters}`);
  }
  const n = (suffix: string) => (o.name ? `${o.name}_${suffix}` : undefined);
  let x = input;
  if (o.padding === 'reflect') {
    x = new ReflectionPadding2D({ padding: Math.floor(o.kernelSize / 2), name: n('pad') }).apply(x) as tf.SymbolicTensor;
  }
  const convArgs = {
    filters: o.filters,
    kernelSize: o.kernelSize,
    strides: o.strides,
    padding: o.padding === 'reflect' ? ('valid' as const) : o.padding,
    // A norm right after the conv removes any bias, so the conv needs none.
    useBias: o.norm === 'none',
    kernelInitializer: paperInitializer(o.seed),
    name: n(o.transposed ? 'deconv' : 'conv'),
  };
  x = (o.transposed ? tf.layers.conv2dTranspose(convArgs) : tf.layers.conv2d(convArgs)).apply(x) as tf.SymbolicTensor;
  const norm = normLayer(o.norm, n('norm'));
  if (norm) x = norm.apply(x) as tf.SymbolicTensor;
  if (o.dropout > 0) x = new SeededDropout({ rate: o.dropout, seed: o.seed, name: n('dropout') }).apply(x) as tf.SymbolicTensor;
  const act = activationLayer(o.activation, o.leakySlope, n('act'));
  return act ? (act.apply(x) as tf.SymbolicTensor) : x;
}

function normLayer(kind: NormKind, name?: string): tf.layers.Layer | undefined {
  if (kind === 'instance') return new InstanceNormalization({ name });
  // Pix2pix's batch norm uses batch statistics at test time too (batch size 1 = instance norm);
  // tfjs's batchNormalization uses moving averages when training is false.
  if (kind === 'batch') return tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name });
  if (kind === 'none') return undefined;
  throw new GenlabError(`norm must be 'instance', 'batch' or 'none', got '${kind}'`);
}

function activationLayer(kind: ActivationKind, leakySlope: number, name?: string): tf.layers.Layer | undefined {
  if (kind === 'relu') return tf.layers.reLU({ name });
  if (kind === 'leakyRelu') return tf.layers.leakyReLU({ alpha: leakySlope, name });
  if (kind === 'tanh') return tf.layers.activation({ activation: 'tanh', name });
  if (kind === 'none') return undefined;
  throw new GenlabError(`activation must be 'relu', 'leakyRelu', 'tanh' or 'none', got '${kind}'`);
}

/**
 * The ResNet block of the CycleGAN generator (Johnson et al. 2016 as used by Zhu et al.):
 * y = x + IN(conv3x3(pad(relu(IN(conv3x3(pad(x))))))). Shape [B, H, W, C] -> [B, H, W, C].
 */
export function residualBlock(
  input: tf.SymbolicTensor,
  options: { norm?: NormKind; seed?: number; name?: string } = {},
): tf.SymbolicTensor {
  checkSymbolic('residualBlock', input);
  resolveOptions('residualBlock', {}, options, ['norm', 'seed', 'name']);
  const filters = input.shape[3];
  if (filters === null) throw new GenlabError('residualBlock: the channel dimension of input must be known');
  const common = { filters, kernelSize: 3, strides: 1, padding: 'reflect' as const, norm: options.norm ?? 'instance', seed: options.seed };
  const name = options.name;
  let y = convNormAct(input, { ...common, activation: 'relu', name: name && `${name}_a` });
  y = convNormAct(y, { ...common, activation: 'none', name: name && `${name}_b` });
  return tf.layers.add({ name: name && `${name}_add` }).apply([input, y]) as tf.SymbolicTensor;
}

/** U-Net encoder step: conv4x4 stride 2 -> norm -> LeakyReLU(0.2). [B, H, W, C] -> [B, H/2, W/2, filters]. */
export function unetDown(
  input: tf.SymbolicTensor,
  options: { filters: number; norm?: NormKind; seed?: number; name?: string },
): tf.SymbolicTensor {
  checkSymbolic('unetDown', input);
  resolveOptions('unetDown', {}, options, ['filters', 'norm', 'seed', 'name']);
  checkPositiveInteger('unetDown', 'options.filters', options.filters);
  return convNormAct(input, { ...options, kernelSize: 4, strides: 2, activation: 'leakyRelu', norm: options.norm ?? 'instance' });
}

/**
 * U-Net decoder step: transposed conv4x4 stride 2 -> norm -> [dropout] -> ReLU, then concatenate
 * the encoder feature map of the same size (the skip connection) on the channel axis.
 * [B, H, W, C] + skip [B, 2H, 2W, S] -> [B, 2H, 2W, filters + S].
 */
export function unetUp(
  input: tf.SymbolicTensor,
  skip: tf.SymbolicTensor | null,
  options: { filters: number; dropout?: number; norm?: NormKind; seed?: number; name?: string },
): tf.SymbolicTensor {
  checkSymbolic('unetUp', input);
  if (skip !== null) checkSymbolic('unetUp', skip, 'skip');
  resolveOptions('unetUp', {}, options, ['filters', 'dropout', 'norm', 'seed', 'name']);
  checkPositiveInteger('unetUp', 'options.filters', options.filters);
  if (options.dropout !== undefined) checkNumber('unetUp', 'options.dropout', options.dropout, { min: 0, below: 1 });
  const y = convNormAct(input, {
    ...options,
    kernelSize: 4,
    strides: 2,
    transposed: true,
    activation: 'relu',
    norm: options.norm ?? 'instance',
  });
  if (skip === null) return y;
  if (y.shape[1] !== skip.shape[1] || y.shape[2] !== skip.shape[2]) {
    throw new GenlabError(`unetUp: skip must be [B, ${y.shape[1]}, ${y.shape[2]}, C] to match the upsampled input, got ${JSON.stringify(skip.shape)}`);
  }
  return tf.layers.concatenate({ axis: -1, name: options.name && `${options.name}_skip` }).apply([y, skip]) as tf.SymbolicTensor;
}

// ---------------------------------------------------------------------------------------------
// PatchGAN

export interface PatchGanOptions {
  /** Input height and width (default 64). */
  imageSize?: number;
  /** Input channels; for a conditional D, input + output channels (default 3). */
  channels?: number;
  /** Filters of the first conv; doubled at every stride-2 conv, capped at 8x (default 64, the paper's ndf). */
  baseFilters?: number;
  /** Number of stride-2 convs: 0 -> 7x7 patches, 1 -> 16x16, 2 -> 34x34, 3 -> 70x70 (default 3, the paper's). */
  nLayers?: number;
  /** Norm after every conv but the first and the last (default 'instance'). */
  norm?: NormKind;
  /** Seed of the weight initialiser. */
  seed?: number;
  /** Model name. */
  name?: string;
}

export const DEFAULT_PATCH_GAN_OPTIONS: Required<Omit<PatchGanOptions, 'seed' | 'name'>> = {
  imageSize: 64,
  channels: 3,
  baseFilters: 64,
  nLayers: 3,
  norm: 'instance',
};

/** The (kernel, stride) of every conv of a PatchGAN with `nLayers` stride-2 convs, input to output. */
export function patchGanLayers(nLayers: number): { kernelSize: number; strides: number }[] {
  checkNonNegativeInteger('patchGanLayers', 'nLayers', nLayers);
  const layers = [];
  for (let i = 0; i < nLayers; i++) layers.push({ kernelSize: 4, strides: 2 });
  layers.push({ kernelSize: 4, strides: 1 }); // the last feature conv
  layers.push({ kernelSize: 4, strides: 1 }); // the 1-channel output conv
  return layers;
}

/**
 * Receptive field of a stack of convs, walking back from one output pixel: r = 1, then for each
 * layer from the last to the first r = (r - 1) * stride + kernel. For the PatchGAN this is
 * r(n) = 9 * 2^n - 2: 16, 34, 70 for n = 1, 2, 3.
 */
export function receptiveField(layers: { kernelSize: number; strides: number }[]): number {
  if (!Array.isArray(layers)) fail('receptiveField', 'layers', 'an array of { kernelSize, strides }', layers);
  layers.forEach((layer, i) => {
    if (layer === null || typeof layer !== 'object') fail('receptiveField', `layers[${i}]`, 'an object { kernelSize, strides }', layer);
    checkPositiveInteger('receptiveField', `layers[${i}].kernelSize`, layer.kernelSize);
    checkPositiveInteger('receptiveField', `layers[${i}].strides`, layer.strides);
  });
  let r = 1;
  for (let i = layers.length - 1; i >= 0; i--) r = (r - 1) * layers[i].strides + layers[i].kernelSize;
  return r;
}

/** A PatchGAN and what it sees. */
export interface PatchGan {
  /** [B, H, W, channels] -> [B, H', W', 1] raw scores (logits; no sigmoid: the loss decides). */
  model: tf.LayersModel;
  /** Side of the square input patch each output score depends on. */
  receptiveField: number;
  /** Output grid [H', W']. */
  outputSize: [number, number];
}

/**
 * The PatchGAN discriminator of pix2pix/CycleGAN: C64 - C128 - C256 - C512 - 1 for nLayers = 3
 * (Ck = conv4x4 -> norm -> LeakyReLU(0.2); no norm on the first). 'same' padding keeps sizes
 * simple (H / 2^n at the output); the receptive field does not depend on the padding.
 */
export function patchGanDiscriminator(options: PatchGanOptions = {}): PatchGan {
  const o = resolveOptions('patchGanDiscriminator', DEFAULT_PATCH_GAN_OPTIONS, options, ['seed', 'name']);
  if (!Number.isInteger(o.nLayers) || o.nLayers < 0) {
    throw new GenlabError(`patchGanDiscriminator: options.nLayers must be an integer >= 0, got ${o.nLayers}`);
  }
  if (o.imageSize % 2 ** o.nLayers !== 0) {
    throw new GenlabError(`patchGanDiscriminator: options.imageSize must be divisible by 2^nLayers = ${2 ** o.nLayers}, got ${o.imageSize}`);
  }
  const seedAt = (i: number) => (o.seed === undefined ? undefined : layerSeed(o.seed, i));
  const input = tf.input({ shape: [o.imageSize, o.imageSize, o.channels] }); // [B, S, S, C]
  let x = input;
  let filters = o.baseFilters;
  for (let i = 0; i < o.nLayers; i++) {
    // [B, S / 2^i, ., .] -> [B, S / 2^(i+1), ., filters]
    x = convNormAct(x, { filters, strides: 2, norm: i === 0 ? 'none' : o.norm, activation: 'leakyRelu', seed: seedAt(i) });
    filters = Math.min(filters * 2, o.baseFilters * 8);
  }
  // With nLayers = 0 this is D's first conv, which has no norm (like the first stride-2 conv otherwise).
  x = convNormAct(x, { filters, strides: 1, norm: o.nLayers === 0 ? 'none' : o.norm, activation: 'leakyRelu', seed: seedAt(o.nLayers) });
  const scores = convNormAct(x, { filters: 1, strides: 1, norm: 'none', activation: 'none', seed: seedAt(o.nLayers + 1) });
  const model = tf.model({ inputs: input, outputs: scores, name: o.name }); // [B, S / 2^n, S / 2^n, 1]
  const side = o.imageSize / 2 ** o.nLayers;
  return { model, receptiveField: receptiveField(patchGanLayers(o.nLayers)), outputSize: [side, side] };
}
