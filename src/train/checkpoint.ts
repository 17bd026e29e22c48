/**
 * Checkpoints of a training run: every network's weights, every optimizer's state, the step,
 * the history and any extra state.
 *
 * Layout of a checkpoint directory `dir`:
 *   dir/checkpoint.json        { "format": "genlab-checkpoint", "version": 1, "latest": "step-000120-…" }
 *   dir/step-000120-…/manifest.json   what is saved: names, layers, shapes, dtypes, byte offsets, sha256
 *   dir/step-000120-…/weights.bin     the tensors' bytes, one after another
 *
 * Atomic save: a snapshot is written to `dir/<name>.tmp-<pid>/`, flushed, renamed to its final
 * name, and only then does `checkpoint.json` (itself written to a temporary file and renamed over
 * the old one, an atomic step on POSIX file systems) point to it; older snapshots are removed
 * last. A save killed at any point therefore leaves `checkpoint.json` naming a complete snapshot.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import * as tf from '@tensorflow/tfjs';

const FORMAT = 'genlab-checkpoint';
const VERSION = 1;
const POINTER = 'checkpoint.json';

export interface CheckpointOptions {
  /** Snapshots kept in the directory, newest first (default 1). */
  keep?: number;
}

export const DEFAULT_CHECKPOINT_OPTIONS: Required<CheckpointOptions> = { keep: 1 };

/** What a trainer hands to save/load. */
export interface CheckpointParts {
  networks: Record<string, tf.LayersModel>;
  optimizers: Record<string, tf.Optimizer>;
  step: number;
  seconds: number;
  seed: number;
  history: ReadonlyArray<Record<string, number>>;
  extraState?: { save(): tf.NamedTensorMap; load(tensors: tf.NamedTensorMap): void };
}

interface TensorEntry {
  /** For network weights: the layer's name. */
  layer?: string;
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  bytes: number;
}

interface Manifest {
  format: string;
  version: number;
  step: number;
  seconds: number;
  seed: number;
  history: Array<Record<string, number>>;
  networks: Record<string, TensorEntry[]>;
  optimizers: Record<string, TensorEntry[]>;
  extra: TensorEntry[];
  weightsBytes: number;
  weightsSha256: string;
}

/** A network's weights in a fixed order, with the name of the layer owning each one. */
function weightsOf(model: tf.LayersModel): Array<{ layer: string; variable: tf.LayerVariable }> {
  const seen = new Set<number>();
  const out: Array<{ layer: string; variable: tf.LayerVariable }> = [];
  for (const layer of model.layers) {
    for (const variable of layer.weights) {
      if (seen.has(variable.id)) continue; // a layer shared between two places
      seen.add(variable.id);
      out.push({ layer: layer.name, variable });
    }
  }
  return out;
}

/** Short name of a weight inside its layer: 'g_dense2/kernel_11' -> 'kernel' (tfjs appends _N to repeated names). */
function shortName(name: string): string {
  return (name.split('/').pop() ?? name).replace(/_\d+$/, '');
}

class BinaryWriter {
  readonly chunks: Buffer[] = [];
  offset = 0;
  add(tensor: tf.Tensor, name: string, layer?: string): TensorEntry {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') {
      throw new Error(`saveCheckpoint: tensor '${name}' has dtype ${tensor.dtype}; only float32 and int32 are saved`);
    }
    const data = tensor.dataSync() as Float32Array | Int32Array;
    const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const entry: TensorEntry = { name, shape: [...tensor.shape], dtype: tensor.dtype, offset: this.offset, bytes: buffer.length };
    if (layer !== undefined) entry.layer = layer;
    this.chunks.push(Buffer.from(buffer)); // a copy: the tensor's memory may be reused
    this.offset += buffer.length;
    return entry;
  }
}

/** Writes a snapshot and points `dir/checkpoint.json` at it; returns the snapshot's path. */
export async function saveTrainerCheckpoint(dir: string, parts: CheckpointParts, options: CheckpointOptions = {}): Promise<string> {
  const { keep } = { ...DEFAULT_CHECKPOINT_OPTIONS, ...options };
  if (typeof dir !== 'string' || dir === '') throw new Error(`saveCheckpoint: dir must be a directory path, got ${JSON.stringify(dir)}`);
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`saveCheckpoint: options.keep must be a positive integer, got ${keep}`);
  fs.mkdirSync(dir, { recursive: true });

  const writer = new BinaryWriter();
  const networks: Record<string, TensorEntry[]> = {};
  for (const [name, model] of Object.entries(parts.networks)) {
    networks[name] = weightsOf(model).map(({ layer, variable }) => writer.add(variable.read(), shortName(variable.name), layer));
  }
  const optimizers: Record<string, TensorEntry[]> = {};
  for (const [name, optimizer] of Object.entries(parts.optimizers)) {
    const weights = await optimizer.getWeights();
    optimizers[name] = weights.map((w) => writer.add(w.tensor, w.name));
    weights[0]?.tensor.dispose(); // the iteration count is a fresh scalar; the rest are the optimizer's own variables
  }
  const extra: TensorEntry[] = [];
  if (parts.extraState) {
    const tensors = parts.extraState.save();
    for (const [name, t] of Object.entries(tensors)) extra.push(writer.add(t, name));
  }
  const bytes = Buffer.concat(writer.chunks);
  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    step: parts.step,
    seconds: parts.seconds,
    seed: parts.seed,
    history: parts.history.map((r) => ({ ...r })),
    networks,
    optimizers,
    extra,
    weightsBytes: bytes.length,
    weightsSha256: crypto.createHash('sha256').update(bytes).digest('hex'),
  };

  const snapshot = `step-${String(parts.step).padStart(6, '0')}-${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
  const tmp = path.join(dir, `${snapshot}.tmp-${process.pid}`);
  fs.mkdirSync(tmp);
  writeDurably(path.join(tmp, 'weights.bin'), bytes);
  writeDurably(path.join(tmp, 'manifest.json'), JSON.stringify(manifest));
  fs.renameSync(tmp, path.join(dir, snapshot));
  const pointerTmp = path.join(dir, `${POINTER}.tmp-${process.pid}`);
  writeDurably(pointerTmp, JSON.stringify({ format: FORMAT, version: VERSION, latest: snapshot, step: parts.step }) + '\n');
  fs.renameSync(pointerTmp, path.join(dir, POINTER));
  syncDirectory(dir);

  // Now the new snapshot is the checkpoint: tidy up older snapshots and leftovers of killed saves.
  const snapshots = fs.readdirSync(dir).filter((f) => /^step-\d+-[0-9a-z]+$/.test(f) && f !== snapshot).sort().reverse();
  for (const old of snapshots.slice(keep - 1)) fs.rmSync(path.join(dir, old), { recursive: true, force: true });
  for (const f of fs.readdirSync(dir)) {
    if (/\.tmp-\d+$/.test(f) && !f.endsWith(`.tmp-${process.pid}`)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  }
  return path.join(dir, snapshot);
}

/**
 * Reads the checkpoint `dir/checkpoint.json` points to, checks it against the networks and
 * optimizers (the same names; every weight the same shape, else the error names network, layer
 * and weight), then writes the values in. Nothing is changed when a check fails.
 */
export async function loadTrainerCheckpoint(
  dir: string,
  parts: CheckpointParts,
): Promise<{ step: number; seconds: number; seed: number; history: Array<Record<string, number>> }> {
  const { manifest, bytes } = readSnapshot(dir, 'loadCheckpoint');

  // Check everything before changing anything.
  const wanted = Object.keys(parts.networks).sort().join(', ');
  const saved = Object.keys(manifest.networks).sort().join(', ');
  if (wanted !== saved) throw new Error(`loadCheckpoint: the checkpoint has networks [${saved}], the trainer has [${wanted}]`);
  const plan: Array<{ variable: tf.LayerVariable; entry: TensorEntry }> = [];
  for (const [name, model] of Object.entries(parts.networks)) {
    const weights = weightsOf(model);
    const entries = manifest.networks[name];
    if (weights.length !== entries.length) {
      throw new Error(`loadCheckpoint: network '${name}' has ${weights.length} weights, the checkpoint has ${entries.length}`);
    }
    weights.forEach(({ layer, variable }, i) => {
      const entry = entries[i];
      if (!tf.util.arraysEqual(variable.shape as number[], entry.shape)) {
        throw new Error(
          `loadCheckpoint: network '${name}', layer '${layer}', weight '${shortName(variable.name)}' has shape [${variable.shape.join(', ')}], ` +
            `the checkpoint's (layer '${entry.layer}', weight '${entry.name}') has [${entry.shape.join(', ')}]`,
        );
      }
      plan.push({ variable, entry });
    });
  }
  const optimizerNames = Object.keys(parts.optimizers).sort().join(', ');
  const savedOptimizers = Object.keys(manifest.optimizers).sort().join(', ');
  if (optimizerNames !== savedOptimizers) {
    throw new Error(`loadCheckpoint: the checkpoint has optimizers for phases [${savedOptimizers}], the trainer has [${optimizerNames}]`);
  }

  const read = (entry: TensorEntry): tf.Tensor => tensorOf(bytes, entry);
  for (const { variable, entry } of plan) {
    const value = read(entry);
    variable.write(value);
    value.dispose();
  }
  for (const [name, optimizer] of Object.entries(parts.optimizers)) {
    const previous = await optimizer.getWeights();
    const loaded = manifest.optimizers[name].map((entry) => ({ name: entry.name, tensor: read(entry) }));
    await optimizer.setWeights(loaded);
    // setWeights makes new variables from copies: free our tensors and the replaced state.
    tf.dispose(loaded.map((w) => w.tensor));
    tf.dispose(previous.map((w) => w.tensor));
  }
  if (manifest.extra.length > 0) {
    if (!parts.extraState) throw new Error(`loadCheckpoint: the checkpoint has extra state (${manifest.extra.map((e) => e.name).join(', ')}) but the trainer has no extraState to load it into`);
    const tensors: tf.NamedTensorMap = {};
    for (const entry of manifest.extra) tensors[entry.name] = read(entry);
    parts.extraState.load(tensors);
    tf.dispose(Object.values(tensors));
  }
  return { step: manifest.step, seconds: manifest.seconds, seed: manifest.seed, history: manifest.history };
}

/**
 * Loads the weights of one network of a trainer checkpoint into `model`, without the trainer that
 * saved it: e.g. lesson 02's EMA generator, for lesson 04 to sample from. `model` must be built
 * like the saved network (same layers, same shapes). Returns the step the checkpoint was saved at.
 */
export async function loadNetworkWeights(dir: string, network: string, model: tf.LayersModel): Promise<{ step: number }> {
  if (typeof network !== 'string' || network === '') throw new Error(`loadNetworkWeights: network must be the name of a saved network, got ${JSON.stringify(network)}`);
  if (!(model instanceof tf.LayersModel)) throw new Error(`loadNetworkWeights: model must be a tf.LayersModel built like '${network}', got ${typeof model}`);
  const { manifest, bytes } = readSnapshot(dir, 'loadNetworkWeights');
  const entries = manifest.networks[network];
  if (entries === undefined) {
    throw new Error(`loadNetworkWeights: the checkpoint in ${dir} has no network '${network}'; it has [${Object.keys(manifest.networks).sort().join(', ')}]`);
  }
  const weights = weightsOf(model);
  if (weights.length !== entries.length) {
    throw new Error(`loadNetworkWeights: network '${network}' in ${dir} has ${entries.length} weights, the model has ${weights.length}: build the model like the saved network`);
  }
  weights.forEach(({ layer, variable }, i) => {
    const entry = entries[i];
    if (!tf.util.arraysEqual(variable.shape as number[], entry.shape)) {
      throw new Error(
        `loadNetworkWeights: layer '${layer}', weight '${shortName(variable.name)}' of the model has shape [${variable.shape.join(', ')}], ` +
          `network '${network}' in ${dir} has (layer '${entry.layer}', weight '${entry.name}') [${entry.shape.join(', ')}]`,
      );
    }
  });
  weights.forEach(({ variable }, i) => {
    const value = tensorOf(bytes, entries[i]);
    variable.write(value);
    value.dispose();
  });
  return { step: manifest.step };
}

/**
 * The manifest and weight bytes of the snapshot `dir/checkpoint.json` points to, checked: every
 * way a checkpoint can be missing or damaged is reported with its path, naming `caller`.
 */
function readSnapshot(dir: string, caller: string): { manifest: Manifest; bytes: Buffer } {
  if (typeof dir !== 'string' || dir === '') throw new Error(`${caller}: dir must be a checkpoint directory, got ${JSON.stringify(dir)}`);
  const pointerFile = path.join(dir, POINTER);
  if (!fs.existsSync(pointerFile)) throw new Error(`${caller}: no checkpoint in ${dir} (${POINTER} is missing)`);
  const pointer = readJson(pointerFile, caller);
  if (pointer.format !== FORMAT || typeof pointer.latest !== 'string') {
    throw new Error(`${caller}: ${pointerFile} is not a genlab checkpoint (format ${JSON.stringify(pointer.format)})`);
  }
  const snapshotDir = path.join(dir, pointer.latest);
  const manifestFile = path.join(snapshotDir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) throw new Error(`${caller}: ${manifestFile} is missing: the checkpoint is damaged`);
  const manifest = readJson(manifestFile, caller) as unknown as Manifest;
  if (manifest.version !== VERSION) throw new Error(`${caller}: ${dir} has version ${manifest.version}, this genlab reads version ${VERSION}`);
  const weightsFile = path.join(snapshotDir, 'weights.bin');
  if (!fs.existsSync(weightsFile)) throw new Error(`${caller}: ${weightsFile} is missing: the checkpoint is damaged`);
  const bytes = fs.readFileSync(weightsFile);
  const digest = crypto.createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== manifest.weightsBytes || digest !== manifest.weightsSha256) {
    throw new Error(`${caller}: ${weightsFile} is corrupt (size or sha256 does not match its manifest)`);
  }
  return { manifest, bytes };
}

function readJson(file: string, caller: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${caller}: ${file} is corrupt (${(error as Error).message})`);
  }
}

/** One saved tensor, copied out of the weight bytes. */
function tensorOf(bytes: Buffer, entry: TensorEntry): tf.Tensor {
  const slice = bytes.subarray(entry.offset, entry.offset + entry.bytes);
  const copy = new Uint8Array(slice).buffer; // aligned copy
  const values = entry.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
  return tf.tensor(values, entry.shape, entry.dtype);
}

/** The step a checkpoint directory holds, or undefined when it holds none. */
export function checkpointStep(dir: string): number | undefined {
  const file = path.join(dir, POINTER);
  if (!fs.existsSync(file)) return undefined;
  return readJson(file, 'checkpointStep').step as number;
}

function writeDurably(file: string, content: Buffer | string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch {
    // Some file systems cannot fsync a directory; the renames are still atomic.
  }
}
