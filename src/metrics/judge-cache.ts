/**
 * The judges' cache: datasets/judges/<name>/ (or $GENLAB_JUDGE_DIR/<name>/) holds model.json,
 * weights.bin, reference.bin (the feature statistics of the real test split, float64: mean then
 * covariance) and judge.json (JudgeInfo: version, dataset checksum, recipe, test accuracy).
 *
 * Writes are atomic: everything goes into a temporary folder beside the judge's, which is then
 * renamed into place, so a reader finds the old judge or the new one, never half of one.
 * Reading tells four cases apart: no cached judge (missing), a judge of another version or
 * dataset (stale), a damaged or truncated one (corrupt: an unreadable judge.json, a missing file,
 * a weights.bin or reference.bin of the wrong size, a model tfjs cannot load), or a judge.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { datasetDir } from '../data/datasets';
import type { GaussianStats } from './frechet';
import { JUDGE_VERSIONS, type JudgeName } from './judge-model';
import { DEFAULT_JUDGE_TRAINING_OPTIONS, type JudgeInfo, type TrainedJudge } from './judge-training';

/** The cache folder: $GENLAB_JUDGE_DIR, else <datasets>/judges. */
export function judgeDir(): string {
  return process.env.GENLAB_JUDGE_DIR ? path.resolve(process.env.GENLAB_JUDGE_DIR) : path.join(datasetDir(), 'judges');
}

/**
 * Writes model.json, weights.bin, reference.bin (float64: mean then covariance) and judge.json
 * into a temporary folder beside `dir`, then renames it into place: a reader sees the old judge
 * or the new one, never half of one.
 */
export async function saveJudge(dir: string, trained: TrainedJudge): Promise<void> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(tmp);
  try {
    await trained.model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightData = artifacts.weightData!;
        const bytes = Array.isArray(weightData) ? tf.io.concatenateArrayBuffers(weightData) : weightData;
        fs.writeFileSync(path.join(tmp, 'weights.bin'), Buffer.from(bytes));
        const modelJson = {
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        };
        fs.writeFileSync(path.join(tmp, 'model.json'), JSON.stringify(modelJson));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const { mean, covariance } = trained.reference;
    const reference = new Float64Array(mean.length + covariance.length);
    reference.set(mean, 0);
    reference.set(covariance, mean.length);
    fs.writeFileSync(path.join(tmp, 'reference.bin'), Buffer.from(reference.buffer));
    const info = { ...trained.info, referenceCount: trained.reference.count, referenceDimension: trained.reference.dimension };
    fs.writeFileSync(path.join(tmp, 'judge.json'), JSON.stringify(info, null, 2) + '\n');
    // Replace the previous judge: move it aside, move the new one in, then delete the old one.
    // (A crash between the two renames leaves no judge folder: the cache is rebuilt on next use.)
    const old = `${dir}.old-${process.pid}-${Date.now()}`;
    if (fs.existsSync(dir)) fs.renameSync(dir, old);
    fs.renameSync(tmp, dir);
    fs.rmSync(old, { recursive: true, force: true });
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** What the cache holds for one judge. */
export type CachedJudge =
  | { state: 'loaded'; info: JudgeInfo; model: tf.LayersModel; reference: GaussianStats }
  | { state: 'missing' }
  /** Written by another version of the judge, or trained on another copy of the dataset. */
  | { state: 'stale'; reason: string }
  /** Damaged: a file unreadable, missing or of the wrong size. */
  | { state: 'corrupt'; reason: string };

/**
 * Reads the cached judge in `dir` (the folder of one judge) if it is there, current (its
 * version and the dataset's checksum `sha`) and whole, and otherwise says which of these it is not.
 */
export async function loadCachedJudge(dir: string, name: JudgeName, sha: string): Promise<CachedJudge> {
  const file = (base: string) => path.join(dir, base);
  if (!fs.existsSync(file('judge.json'))) {
    return fs.existsSync(dir) && fs.readdirSync(dir).length > 0 ? { state: 'corrupt', reason: 'judge.json is missing' } : { state: 'missing' };
  }
  let info: JudgeInfo & { referenceCount: number; referenceDimension: number };
  try {
    info = JSON.parse(fs.readFileSync(file('judge.json'), 'utf8'));
  } catch (error) {
    return { state: 'corrupt', reason: `judge.json cannot be read: ${firstLine(error)}` };
  }
  if (info === null || typeof info !== 'object') return { state: 'corrupt', reason: 'judge.json holds no judge record' };
  if (info.name !== name) return { state: 'stale', reason: `judge.json is the record of the ${JSON.stringify(info.name)} judge` };
  if (info.version !== JUDGE_VERSIONS[name]) return { state: 'stale', reason: `written by version ${info.version} of the judge; this is version ${JUDGE_VERSIONS[name]}` };
  if (info.datasetSha256 !== sha) return { state: 'stale', reason: 'trained on another copy of the dataset (its checksum differs)' };
  // Caches written before the recipe gained flips and a schedule, or (Fashion-MNIST version 3)
  // rotations, size changes and noise images, were trained without them: the defaults fill in.
  const { verbose: _verbose, ...defaultRecipe } = DEFAULT_JUDGE_TRAINING_OPTIONS[name];
  info.training = { ...defaultRecipe, ...info.training };
  let modelJson: { modelTopology: unknown; weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }> };
  let weights: Buffer;
  let referenceBytes: Buffer;
  try {
    modelJson = JSON.parse(fs.readFileSync(file('model.json'), 'utf8'));
    weights = fs.readFileSync(file('weights.bin'));
    referenceBytes = fs.readFileSync(file('reference.bin'));
  } catch (error) {
    return { state: 'corrupt', reason: firstLine(error) };
  }
  const specs = modelJson?.weightsManifest?.[0]?.weights;
  if (!Array.isArray(specs)) return { state: 'corrupt', reason: 'model.json lists no weights' };
  // Every weight of the judge is float32 (4 bytes a value).
  const weightBytes = specs.reduce((sum, spec) => sum + 4 * spec.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.length !== weightBytes) return { state: 'corrupt', reason: `weights.bin has ${weights.length} bytes, model.json's weights take ${weightBytes}` };
  const d = info.referenceDimension;
  if (referenceBytes.length !== 8 * (d + d * d)) {
    return { state: 'corrupt', reason: `reference.bin has ${referenceBytes.length} bytes, a ${d}-dimensional mean and covariance take ${8 * (d + d * d)}` };
  }
  const referenceValues = new Float64Array(referenceBytes.buffer.slice(referenceBytes.byteOffset, referenceBytes.byteOffset + referenceBytes.length));
  const reference: GaussianStats = {
    dimension: d,
    count: info.referenceCount,
    mean: referenceValues.slice(0, d),
    covariance: referenceValues.slice(d),
  };
  try {
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: specs,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
      }),
    );
    return { state: 'loaded', info, model, reference };
  } catch (error) {
    return { state: 'corrupt', reason: `tfjs cannot load model.json and weights.bin: ${firstLine(error)}` };
  }
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0];
}
