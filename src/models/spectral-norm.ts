/**
 * Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for GANs").
 *
 * A layer y = W x is L-Lipschitz with L = sigma(W), the largest singular value of W. Dividing
 * the weight by it, W_SN = W / sigma(W)  (Eq. 8), makes every layer 1-Lipschitz, and a
 * discriminator built from such layers and 1-Lipschitz activations (ReLU, LeakyReLU) is
 * 1-Lipschitz too. That keeps D's gradients bounded, which is what WGAN's weight clipping and
 * gradient penalty try to achieve, at the cost of one matrix-vector product per update.
 *
 * sigma(W) is estimated by power iteration (Algorithm 1), one step per training update, with
 * the vector u kept between updates as a non-trainable weight, so it is saved with the model:
 *   v <- W^T u / |W^T u|,   u <- W v / |W v|,   sigma ~= u^T W v
 * u and v are constants for the gradient (as in the paper's code); sigma is not.
 *
 * Code vs paper: the paper's W is [out, in]; tfjs kernels are [in, out] (conv: [kh, kw, in, out],
 * read as a [kh*kw*in, out] matrix, as the paper does for convolutions).
 * u only advances when the layer is called with `{ training: true }` (like batch norm's moving
 * statistics), so a model sampled or evaluated with training false leaves it alone.
 */
import * as tf from '@tensorflow/tfjs';
import { layerSeed } from '../random';
import { GenlabError, checkTensor } from '../errors';

/** The identity whose gradient is zero: power-iteration vectors are constants for the gradient. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  checkTensor('stopGradient', 'x', x, { empty: true });
  const identity = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: (inputs[0] as tf.Tensor).clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  return identity(x) as T;
}

function normalise(x: tf.Tensor2D, epsilon: number): tf.Tensor2D {
  return x.div(x.norm().add(epsilon));
}

/**
 * One or more power-iteration steps on a kernel read as a [fanIn, out] matrix.
 * Returns the spectrally normalised kernel (same shape as `kernel`), sigma and the new u [1, out].
 */
export function spectralNormalise(
  kernel: tf.Tensor,
  u: tf.Tensor2D,
  iterations = 1,
  epsilon = 1e-12,
): { kernel: tf.Tensor; sigma: tf.Scalar; u: tf.Tensor2D } {
  const out = kernel.shape[kernel.rank - 1];
  if (u.rank !== 2 || u.shape[0] !== 1 || u.shape[1] !== out) {
    throw new GenlabError(`spectralNormalise: u must be [1, ${out}] for a kernel of shape [${kernel.shape}], got [${u.shape}]`);
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new GenlabError(`spectralNormalise: iterations must be a positive integer, got ${iterations}`);
  }
  return tf.tidy(() => {
    const matrix = kernel.reshape([-1, out]) as tf.Tensor2D; // [fanIn, out]
    const frozen = stopGradient(matrix);
    let uHat: tf.Tensor2D = stopGradient(u); // [1, out]
    let vHat: tf.Tensor2D = uHat; // replaced below
    for (let i = 0; i < iterations; i++) {
      vHat = normalise(uHat.matMul(frozen, false, true) as tf.Tensor2D, epsilon); // [1, fanIn]   v = W^T u / |W^T u|
      uHat = normalise(vHat.matMul(frozen) as tf.Tensor2D, epsilon); // [1, out]                   u = W v / |W v|
    }
    const sigma = vHat.matMul(matrix).mul(uHat).sum() as tf.Scalar; // u^T W v, differentiable in W
    return { kernel: kernel.div(sigma), sigma, u: uHat };
  });
}

export interface SpectralNormOptions {
  /** Power-iteration steps per training call (Miyato et al. 2018: 1 is enough, u persists). */
  powerIterations?: number;
  /** Standard deviation of the N(0, s) kernel initialiser (DCGAN's 0.02, Radford et al. 2015). */
  stddev?: number;
  /** Seed of the kernel and u initialisers. */
  seed?: number;
  /** Add a bias (default true). */
  useBias?: boolean;
}

export const DEFAULT_SPECTRAL_NORM_OPTIONS: Required<Omit<SpectralNormOptions, 'seed'>> = {
  powerIterations: 1,
  stddev: 0.02,
  useBias: true,
};

/** Shared state and logic of the spectrally normalised layers. */
abstract class SpectralNormLayer extends tf.layers.Layer {
  protected kernel!: tf.LayerVariable;
  protected bias?: tf.LayerVariable;
  protected u!: tf.LayerVariable;
  protected readonly options: Required<Omit<SpectralNormOptions, 'seed'>> & { seed?: number };

  constructor(args: SpectralNormOptions & { name?: string; trainable?: boolean; inputShape?: tf.Shape }) {
    super(args);
    this.options = {
      powerIterations: args.powerIterations ?? DEFAULT_SPECTRAL_NORM_OPTIONS.powerIterations,
      stddev: args.stddev ?? DEFAULT_SPECTRAL_NORM_OPTIONS.stddev,
      useBias: args.useBias ?? DEFAULT_SPECTRAL_NORM_OPTIONS.useBias,
      seed: args.seed,
    };
  }

  protected addSpectralWeights(kernelShape: number[]): void {
    const out = kernelShape[kernelShape.length - 1];
    const { stddev, seed, useBias } = this.options;
    this.kernel = this.addWeight('kernel', kernelShape, 'float32', tf.initializers.randomNormal({ mean: 0, stddev, seed: seed === undefined ? undefined : layerSeed(seed, 0) }));
    if (useBias) this.bias = this.addWeight('bias', [out], 'float32', tf.initializers.zeros());
    const uSeed = seed === undefined ? undefined : layerSeed(seed, 1);
    this.u = this.addWeight('u', [1, out], 'float32', tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: uSeed }), undefined, false);
  }

  /**
   * The kernel divided by its estimated largest singular value. With `advance` true, one
   * power-iteration step is taken and u is stored for the next call.
   */
  normalisedKernel(advance = false): tf.Tensor {
    return tf.tidy(() => {
      const result = spectralNormalise(this.kernel.read(), this.u.read() as tf.Tensor2D, this.options.powerIterations);
      if (advance) this.u.write(result.u);
      return result.kernel;
    });
  }

  /** The current estimate of sigma(W) (no power-iteration step). */
  sigma(): number {
    return tf.tidy(() => spectralNormalise(this.kernel.read(), this.u.read() as tf.Tensor2D, this.options.powerIterations).sigma.dataSync()[0]);
  }

  protected addBias(y: tf.Tensor): tf.Tensor {
    return this.bias ? y.add(this.bias.read()) : y;
  }

  getConfig(): tf.serialization.ConfigDict {
    const { powerIterations, stddev, useBias, seed } = this.options;
    return { ...super.getConfig(), powerIterations, stddev, useBias, ...(seed === undefined ? {} : { seed }) };
  }
}

export interface SpectralNormDenseArgs extends SpectralNormOptions {
  /** Output units. */
  units: number;
  name?: string;
  inputShape?: tf.Shape;
}

/** A dense layer y = x W_SN + b with spectrally normalised W. */
export class SpectralNormDense extends SpectralNormLayer {
  static className = 'SpectralNormDense';
  readonly units: number;

  constructor(args: SpectralNormDenseArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units < 1) {
      throw new GenlabError(`SpectralNormDense: units must be a positive integer, got ${args.units}`);
    }
    this.units = args.units;
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    this.addSpectralWeights([shape[shape.length - 1] as number, this.units]);
    this.built = true;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D; // [B, in]
      const kernel = this.normalisedKernel(kwargs?.training === true) as tf.Tensor2D; // [in, units]
      return this.addBias(x.matMul(kernel)); // [B, units]
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units };
  }
}

export interface SpectralNormConv2DArgs extends SpectralNormOptions {
  /** Output channels. */
  filters: number;
  /** Square kernel size. */
  kernelSize: number;
  /** Stride in both directions (default 1). */
  strides?: number;
  /** 'same' or 'valid' (default 'same'). */
  padding?: 'same' | 'valid';
  name?: string;
  inputShape?: tf.Shape;
}

/** A 2-D convolution (NHWC) whose kernel is spectrally normalised. */
export class SpectralNormConv2D extends SpectralNormLayer {
  static className = 'SpectralNormConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';

  constructor(args: SpectralNormConv2DArgs) {
    super(args);
    for (const key of ['filters', 'kernelSize'] as const) {
      if (!Number.isInteger(args[key]) || args[key] < 1) {
        throw new GenlabError(`SpectralNormConv2D: ${key} must be a positive integer, got ${args[key]}`);
      }
    }
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.padding = args.padding ?? 'same';
    if (this.padding !== 'same' && this.padding !== 'valid') {
      throw new GenlabError(`SpectralNormConv2D: padding must be 'same' or 'valid', got '${this.padding}'`);
    }
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 4) throw new GenlabError(`SpectralNormConv2D: input must be [B, H, W, C], got [${shape}]`);
    this.addSpectralWeights([this.kernelSize, this.kernelSize, shape[3] as number, this.filters]);
    this.built = true;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const size = (n: number | null) =>
      n === null ? null : this.padding === 'same' ? Math.ceil(n / this.strides) : Math.ceil((n - this.kernelSize + 1) / this.strides);
    return [shape[0], size(shape[1]), size(shape[2]), this.filters];
  }

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D; // [B, H, W, Cin]
      const kernel = this.normalisedKernel(kwargs?.training === true) as tf.Tensor4D; // [k, k, Cin, Cout]
      return this.addBias(tf.conv2d(x, kernel, this.strides, this.padding)); // [B, H', W', Cout]
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding };
  }
}

tf.serialization.registerClass(SpectralNormDense);
tf.serialization.registerClass(SpectralNormConv2D);
