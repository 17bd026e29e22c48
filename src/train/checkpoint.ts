/**
 * Checkpoints of a training run: every network's weights, every optimizer's state, the step,
 * the history and any extra state.
 *
 * Layout of a checkpoint directory `dir`:
 *   dir/checkpoint.json        { "format": "genlab-checkpoint", "version": 1, "latest": "step-000120-…" }
 *   dir/step-000120-…/manifest.json   what is saved: names, layers, shapes, dtypes, byte offsets, sha256
 *   dir/step-000120-…/weights.bin     the tensors' bytes, one after another
 *
 * Atomic save: a snapshot is written into a temporary folder beside its final name, flushed and
 * renamed (`writeDirectoryAtomic`, ../files.ts), and only then does `checkpoint.json` (itself
 * written to a temporary file and renamed over the old one, `writeFileAtomic`) point to it; older
 * snapshots are removed last. A save killed at any point therefore leaves `checkpoint.json`
 * naming a complete snapshot (tests/disk-safety.test.ts kills one mid-write).
 *
 * A damaged checkpoint is reported with the file, what is wrong ("truncated: 1,204 of 40,016
 * bytes") and how to make it again (the lesson's training cell, for a lesson's checkpoint).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import * as tf from '@tensorflow/tfjs';
import { GenlabError, checkFunction, checkNumber, checkString, fail, resolveOptions, checkOptionValues } from '../errors';
import { TEMPORARY_SUFFIX, checkLength, damagedFile, readFileChecked, readJsonFile, syncDirectory, writeDirectoryAtomic, writeFileAtomic, type FileRole } from '../files';

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
      throw new GenlabError(`saveTrainerCheckpoint: tensor '${name}' has dtype ${tensor.dtype}; only float32 and int32 are saved`);
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
  checkDir('saveTrainerCheckpoint', dir);
  checkParts('saveTrainerCheckpoint', parts, true);
  const { keep } = resolveOptions('saveTrainerCheckpoint', DEFAULT_CHECKPOINT_OPTIONS, options);
  checkOptionValues('saveTrainerCheckpoint', { keep }, { keep: 'positiveInteger' });
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
  writeDirectoryAtomic(path.join(dir, snapshot), { 'weights.bin': bytes, 'manifest.json': JSON.stringify(manifest) });
  writeFileAtomic(path.join(dir, POINTER), JSON.stringify({ format: FORMAT, version: VERSION, latest: snapshot, step: parts.step }) + '\n');
  syncDirectory(dir);

  // Now the new snapshot is the checkpoint: tidy up older snapshots and leftovers of killed saves
  // (temporaries of other processes; `.tmp-<pid>` is how saves before ../files.ts named them).
  const snapshots = fs.readdirSync(dir).filter((f) => /^step-\d+-[0-9a-z]+$/.test(f) && f !== snapshot).sort().reverse();
  for (const old of snapshots.slice(keep - 1)) fs.rmSync(path.join(dir, old), { recursive: true, force: true });
  for (const f of fs.readdirSync(dir)) {
    const pid = (TEMPORARY_SUFFIX.exec(f) ?? /\.tmp-(\d+)$/.exec(f))?.[1];
    if (pid !== undefined && Number(pid) !== process.pid) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
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
  checkDir('loadTrainerCheckpoint', dir);
  checkParts('loadTrainerCheckpoint', parts, false);
  const { manifest, bytes } = readSnapshot(dir, 'loadTrainerCheckpoint');

  // Check everything before changing anything.
  const wanted = Object.keys(parts.networks).sort().join(', ');
  const saved = Object.keys(manifest.networks).sort().join(', ');
  if (wanted !== saved) throw new GenlabError(`loadTrainerCheckpoint: the checkpoint has networks [${saved}], the trainer has [${wanted}]`);
  const plan: Array<{ variable: tf.LayerVariable; entry: TensorEntry }> = [];
  for (const [name, model] of Object.entries(parts.networks)) {
    const weights = weightsOf(model);
    const entries = manifest.networks[name];
    if (weights.length !== entries.length) {
      throw new GenlabError(`loadTrainerCheckpoint: network '${name}' has ${weights.length} weights, the checkpoint has ${entries.length}`);
    }
    weights.forEach(({ layer, variable }, i) => {
      const entry = entries[i];
      if (!tf.util.arraysEqual(variable.shape as number[], entry.shape)) {
        throw new GenlabError(
          `loadTrainerCheckpoint: network '${name}', layer '${layer}', weight '${shortName(variable.name)}' has shape [${variable.shape.join(', ')}], ` +
            `the checkpoint's (layer '${entry.layer}', weight '${entry.name}') has [${entry.shape.join(', ')}]`,
        );
      }
      plan.push({ variable, entry });
    });
  }
  const optimizerNames = Object.keys(parts.optimizers).sort().join(', ');
  const savedOptimizers = Object.keys(manifest.optimizers).sort().join(', ');
  if (optimizerNames !== savedOptimizers) {
    throw new GenlabError(`loadTrainerCheckpoint: the checkpoint has optimizers for phases [${savedOptimizers}], the trainer has [${optimizerNames}]`);
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
    if (!parts.extraState) throw new GenlabError(`loadTrainerCheckpoint: the checkpoint has extra state (${manifest.extra.map((e) => e.name).join(', ')}) but the trainer has no extraState to load it into`);
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
  checkDir('loadNetworkWeights', dir);
  if (typeof network !== 'string' || network === '') fail('loadNetworkWeights', 'network', 'the name of a saved network', network);
  if (!(model instanceof tf.LayersModel)) fail('loadNetworkWeights', 'model', `a tf.LayersModel built like '${network}'`, model);
  const { manifest, bytes } = readSnapshot(dir, 'loadNetworkWeights');
  const entries = manifest.networks[network];
  if (entries === undefined) {
    throw new GenlabError(`loadNetworkWeights: the checkpoint in ${dir} has no network '${network}'; it has [${Object.keys(manifest.networks).sort().join(', ')}]`);
  }
  const weights = weightsOf(model);
  if (weights.length !== entries.length) {
    throw new GenlabError(`loadNetworkWeights: network '${network}' in ${dir} has ${entries.length} weights, the model has ${weights.length}: build the model like the saved network`);
  }
  weights.forEach(({ layer, variable }, i) => {
    const entry = entries[i];
    if (!tf.util.arraysEqual(variable.shape as number[], entry.shape)) {
      throw new GenlabError(
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
 * way a checkpoint can be missing or damaged is reported with its path, what is wrong and how to
 * save it again, naming `caller`.
 */
function readSnapshot(dir: string, caller: string): { manifest: Manifest; bytes: Buffer } {
  const role: FileRole = { caller, rebuild: rebuildCommand(dir) };
  const pointerFile = path.join(dir, POINTER);
  if (!fs.existsSync(pointerFile)) throw new GenlabError(`${caller}: no checkpoint in ${dir} (${POINTER} is missing)`);
  const pointer = readPointer(role, pointerFile);
  const snapshotDir = path.join(dir, pointer.latest);
  const manifestFile = path.join(snapshotDir, 'manifest.json');
  const manifest = readJsonFile<Manifest>(role, manifestFile);
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== FORMAT) {
    throw damagedFile(role, manifestFile, `not a genlab checkpoint manifest (format ${JSON.stringify((manifest as Partial<Manifest> | null)?.format)})`);
  }
  if (manifest.version !== VERSION) throw new GenlabError(`${caller}: ${dir} has version ${manifest.version}, this genlab reads version ${VERSION}`);
  if (!Number.isInteger(manifest.weightsBytes) || typeof manifest.weightsSha256 !== 'string' || typeof manifest.networks !== 'object' || typeof manifest.optimizers !== 'object' || !Array.isArray(manifest.extra)) {
    throw damagedFile(role, manifestFile, 'damaged: its networks, optimizers, extra state or weight size are missing');
  }
  const weightsFile = path.join(snapshotDir, 'weights.bin');
  const bytes = readFileChecked(role, weightsFile);
  checkLength(role, weightsFile, bytes, { bytes: manifest.weightsBytes, sha256: manifest.weightsSha256 });
  return { manifest, bytes };
}

/** `dir/checkpoint.json`, checked. */
function readPointer(role: FileRole, file: string): { latest: string; step: number } {
  const pointer = readJsonFile<{ format?: unknown; latest?: unknown; step?: unknown }>(role, file);
  if (pointer === null || typeof pointer !== 'object' || pointer.format !== FORMAT || typeof pointer.latest !== 'string' || !/^step-\d+-[0-9a-z]+$/.test(pointer.latest)) {
    throw damagedFile(role, file, `not a genlab checkpoint pointer (format ${JSON.stringify((pointer as { format?: unknown } | null)?.format)}, latest ${JSON.stringify((pointer as { latest?: unknown } | null)?.latest)})`);
  }
  if (!Number.isInteger(pointer.step) || (pointer.step as number) < 0) throw damagedFile(role, file, `damaged: its step is ${JSON.stringify(pointer.step)}`);
  return { latest: pointer.latest, step: pointer.step as number };
}

/** How to make the checkpoint in `dir` again: a lesson's ('02-mlp-gan') by its training cell. */
function rebuildCommand(dir: string): string {
  const lesson = /^(\d\d)-/.exec(path.basename(dir))?.[1];
  if (lesson) return `save it again: re-run the training cell of lesson ${lesson} (or \`npm run course:full -- ${lesson}\`)`;
  return `save it again: re-run the training that saves it (trainer.run with checkpoint: { path: '${dir}' })`;
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
  checkDir('checkpointStep', dir);
  const file = path.join(dir, POINTER);
  if (!fs.existsSync(file)) return undefined;
  return readPointer({ caller: 'checkpointStep', rebuild: rebuildCommand(dir) }, file).step;
}

function checkDir(fn: string, dir: unknown): void {
  checkString(fn, 'dir', dir);
  if (dir === '') fail(fn, 'dir', 'a checkpoint directory path', dir);
}

/** The parts a trainer hands over: networks and optimizers by name; for a save, also the step, time, seed and history. */
function checkParts(fn: string, parts: unknown, saving: boolean): void {
  if (parts === null || typeof parts !== 'object' || Array.isArray(parts)) fail(fn, 'parts', 'an object { networks, optimizers, step, seconds, seed, history }', parts);
  const p = parts as Partial<CheckpointParts>;
  if (p.networks === null || typeof p.networks !== 'object' || Object.keys(p.networks).length === 0) fail(fn, 'parts.networks', 'an object of named tf.LayersModels', p.networks);
  for (const [name, model] of Object.entries(p.networks)) if (!(model instanceof tf.LayersModel)) fail(fn, `parts.networks.${name}`, 'a tf.LayersModel', model);
  if (p.optimizers === null || typeof p.optimizers !== 'object') fail(fn, 'parts.optimizers', 'an object of named tf.Optimizers', p.optimizers);
  for (const [name, optimizer] of Object.entries(p.optimizers)) if (!(optimizer instanceof tf.Optimizer)) fail(fn, `parts.optimizers.${name}`, 'a tf.Optimizer', optimizer);
  if (p.extraState !== undefined) {
    if (p.extraState === null || typeof p.extraState !== 'object') fail(fn, 'parts.extraState', 'an object { save, load }', p.extraState);
    checkFunction(fn, 'parts.extraState.save', p.extraState.save);
    checkFunction(fn, 'parts.extraState.load', p.extraState.load);
  }
  if (!saving) return;
  checkNumber(fn, 'parts.step', p.step, { integer: true, min: 0 });
  checkNumber(fn, 'parts.seconds', p.seconds, { min: 0 });
  checkNumber(fn, 'parts.seed', p.seed);
  if (!Array.isArray(p.history)) fail(fn, 'parts.history', 'an array of { name: number } records', p.history);
}
