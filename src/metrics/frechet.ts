/**
 * The Fréchet distance between two Gaussians fitted to feature vectors (Heusel et al. 2017,
 * "GANs trained by a two time-scale update rule converge to a local Nash equilibrium", the
 * FID; here with the features of genlab's judge instead of Inception-v3's):
 *
 *   d^2 = |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr( (S1^(1/2) S2 S1^(1/2))^(1/2) )
 *
 * Tr((S1 S2)^(1/2)) equals Tr((S1^(1/2) S2 S1^(1/2))^(1/2)) because the two matrices are similar;
 * the second form is symmetric positive semi-definite, so both square roots come from a
 * symmetric eigendecomposition: sqrt(A) = V diag(sqrt(max(lambda, 0))) V^T.
 *
 * The eigendecomposition is the cyclic Jacobi method (Golub & Van Loan, "Matrix Computations",
 * 4th ed., Sec. 8.5), in float64. It is written here rather than taken from a library because it
 * is ~40 lines, needs no dependency, and is accurate for the small eigenvalues that covariance
 * matrices of ReLU features have. Feature sizes here are ~128, where one call takes milliseconds.
 */
import { GenlabError, checkPositiveInteger, describeValue } from '../errors';

/** Mean and covariance of a set of feature vectors. */
export interface GaussianStats {
  /** Feature dimension d. */
  dimension: number;
  /** Number of vectors the statistics were computed from. */
  count: number;
  /** [d] */
  mean: Float64Array;
  /** [d, d], row-major, unbiased (divides by count - 1, as numpy.cov does). */
  covariance: Float64Array;
}

/** Eigenvalues and eigenvectors of a symmetric matrix: A = V diag(values) V^T. */
export interface SymmetricEigen {
  /** [n], in no particular order. */
  values: Float64Array;
  /** [n, n] row-major; column k is the eigenvector of values[k]. */
  vectors: Float64Array;
}

/**
 * Eigendecomposition of a symmetric n x n matrix (row-major) by cyclic Jacobi rotations.
 * Each rotation zeroes one off-diagonal pair; sweeps repeat until the off-diagonal mass is
 * below `tolerance` times the matrix's Frobenius norm.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number, tolerance = 1e-13, maxSweeps = 100): SymmetricEigen {
  if (matrix.length !== n * n) {
    throw new GenlabError(`symmetricEigen: matrix must have n * n = ${n * n} entries, got ${matrix.length}`);
  }
  const a = Float64Array.from(matrix);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const scale = Math.max(Math.abs(a[i * n + j]), Math.abs(a[j * n + i]), 1e-300);
      if (Math.abs(a[i * n + j] - a[j * n + i]) > 1e-8 * scale) {
        throw new GenlabError(`symmetricEigen: matrix must be symmetric, got A[${i},${j}] = ${a[i * n + j]} but A[${j},${i}] = ${a[j * n + i]}`);
      }
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm += a[i] * a[i];
  const threshold = tolerance * tolerance * norm;

  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let offDiagonal = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) offDiagonal += 2 * a[p * n + q] * a[p * n + q];
    if (offDiagonal <= threshold) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // The rotation angle that zeroes A[p,q]: tan(2 theta) = 2 A[p,q] / (A[q,q] - A[p,p]),
        // taking the smaller root t = tan(theta) for stability (Golub & Van Loan Alg. 8.5.1).
        const tau = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        // A <- J^T A J, touching only rows and columns p and q.
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0;
        a[q * n + p] = 0;
        // V <- V J accumulates the eigenvectors.
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/**
 * The square root of a symmetric positive semi-definite matrix: V diag(sqrt(lambda)) V^T.
 * Eigenvalues that rounding made slightly negative are taken as 0.
 */
export function sqrtSymmetric(matrix: ArrayLike<number>, n: number): Float64Array {
  checkPositiveInteger('sqrtSymmetric', 'n', n);
  if (matrix === null || typeof matrix !== 'object' || (matrix as ArrayLike<number>).length !== n * n) {
    throw new GenlabError(`sqrtSymmetric: matrix must have n * n = ${n * n} entries, got ${describeValue(matrix)}`);
  }
  const { values, vectors } = symmetricEigen(matrix, n);
  const roots = values.map((x) => Math.sqrt(Math.max(x, 0)));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += vectors[i * n + k] * roots[k] * vectors[j * n + k];
      out[i * n + j] = sum;
      out[j * n + i] = sum;
    }
  }
  return out;
}

/** Mean and unbiased covariance of `count` vectors of size `dimension` (row-major `values`). */
export function gaussianStats(values: ArrayLike<number>, count: number, dimension: number): GaussianStats {
  if (values.length !== count * dimension) {
    throw new GenlabError(`gaussianStats: values must hold count * dimension = ${count * dimension} numbers, got ${values.length}`);
  }
  if (count < 2) throw new GenlabError(`gaussianStats: count must be at least 2 (vectors for a covariance), got ${count}`);
  const mean = new Float64Array(dimension);
  for (let i = 0; i < count; i++) for (let j = 0; j < dimension; j++) mean[j] += values[i * dimension + j];
  for (let j = 0; j < dimension; j++) mean[j] /= count;
  const covariance = new Float64Array(dimension * dimension);
  const centred = new Float64Array(dimension);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dimension; j++) centred[j] = values[i * dimension + j] - mean[j];
    for (let j = 0; j < dimension; j++) {
      const cj = centred[j];
      if (cj === 0) continue;
      for (let k = j; k < dimension; k++) covariance[j * dimension + k] += cj * centred[k];
    }
  }
  for (let j = 0; j < dimension; j++) {
    for (let k = j; k < dimension; k++) {
      const c = covariance[j * dimension + k] / (count - 1);
      covariance[j * dimension + k] = c;
      covariance[k * dimension + j] = c;
    }
  }
  return { dimension, count, mean, covariance };
}

/** The Fréchet distance d^2 between N(a.mean, a.covariance) and N(b.mean, b.covariance). */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  if (a.dimension !== b.dimension) {
    throw new GenlabError(`frechetDistance: both statistics must have the same dimension, got ${a.dimension} and ${b.dimension}`);
  }
  const n = a.dimension;
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
  let traces = 0;
  for (let i = 0; i < n; i++) traces += a.covariance[i * n + i] + b.covariance[i * n + i];
  // M = S1^(1/2) S2 S1^(1/2), symmetric PSD; Tr(M^(1/2)) = sum of sqrt of its eigenvalues.
  const root = sqrtSymmetric(a.covariance, n);
  const product = multiply(multiply(root, b.covariance, n), root, n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const m = 0.5 * (product[i * n + j] + product[j * n + i]); // remove rounding asymmetry
      product[i * n + j] = m;
      product[j * n + i] = m;
    }
  }
  const { values } = symmetricEigen(product, n);
  let traceRoot = 0;
  for (const x of values) traceRoot += Math.sqrt(Math.max(x, 0));
  // Rounding can leave a tiny negative number when the two Gaussians coincide.
  return Math.max(0, meanTerm + traces - 2 * traceRoot);
}

function multiply(x: Float64Array, y: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const xik = x[i * n + k];
      if (xik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += xik * y[k * n + j];
    }
  }
  return out;
}
