/**
 * The phased trainer: one training loop for every model of the course that trains by optimizer
 * updates, the GANs (the MLP GAN and cGAN of lessons 02-03, DCGAN and WGAN-GP of 05-06, Pix2Pix
 * and CycleGAN of 07-08) and the VAE (04, one phase).
 *
 * A model is a set of named networks and an ordered list of *phases*. A phase is one kind of
 * optimizer update: its own optimizer, an explicit list of the networks it trains (its
 * varList), a loss function returning named scalars, and how many times it repeats per step.
 * One *step* runs every phase in order, each `repeats` times, so
 *
 *   GAN (Goodfellow et al., 2014, Algorithm 1):  phases [d (repeats k), g]
 *   WGAN-GP (Gulrajani et al., 2017, Alg. 1):   phases [critic (repeats 5), g]
 *   CycleGAN (Zhu et al., 2017, reference code): phases [g (both generators), d (both discriminators)]
 *
 * The trainer computes gradients only for the phase's varList (so a D update cannot move G's
 * weights and vice versa), checks every returned number for NaN/Inf *before* applying the
 * update, records a history of every named value, and reports progress with an ETA.
 *
 * A custom GAN in a few lines (here a WGAN-GP critic; see train/gan.ts for the standard GAN):
 *
 *   const trainer = new PhasedTrainer({
 *     networks: { generator, critic },
 *     batch: batchSampler({ real: images }, { batchSize: 64 }),
 *     phases: [
 *       { name: 'critic', trains: ['critic'], repeats: 5, optimizer: tf.train.adam(1e-4, 0, 0.9),
 *         loss: ({ real }, ctx) => { const fake = ...; return { loss: wassersteinLoss + 10 * penalty, gp: penalty }; } },
 *       { name: 'g', trains: ['generator'], optimizer: tf.train.adam(1e-4, 0, 0.9),
 *         loss: (_batch, ctx) => ({ loss: ... }), afterUpdate: () => updateEma(emaGenerator, generator) },
 *     ],
 *   });
 *   await trainer.run({ steps: 5000, checkpoint: { path: course.checkpointPath('my-wgan'), every: 500, resume: true } });
 *
 * An EMA copy of G is simply one more entry of `networks` (so checkpoints include it); an
 * image history buffer goes in `extraState`.
 *
 * Reproducibility: randomness inside a loss comes from `context.randomNormal` and friends,
 * whose seeds depend only on (seed, step, phase, repeat, call number), and batch number i comes
 * from `batch(i)`, a pure function of i. So the same seed gives the same run, and a run resumed
 * from a checkpoint continues exactly as if it had never stopped.
 *
 * Kernel → Interrupt stops `run` after the current step (./interrupt.ts); the networks keep what
 * they learned, and with `checkpoint.resume` the cell run again continues to the same total.
 */
import * as tf from '@tensorflow/tfjs';
import { makeRandom } from '../random';
import type { Figure } from '../viz/figure';
import { ProgressLine } from './progress';
import { saveTrainerCheckpoint, loadTrainerCheckpoint, checkpointStep, type CheckpointOptions } from './checkpoint';
import { watchInterrupts } from './interrupt';

/** The networks of a GAN by name, e.g. `{ generator, discriminator }`. */
export type Networks = Record<string, tf.LayersModel>;

/** Named scalars returned by a phase's loss: `loss` is minimised, the rest are recorded. */
export type PhaseOutputs = { loss: tf.Scalar } & Record<string, tf.Scalar>;

/**
 * What a phase's loss returns when it also hands tensors to the next phase of the same step
 * (CycleGAN's phase g hands its fakes G(a), F(b) to phase d): the trainer keeps `handOff`,
 * gives it to the next phase's loss as its third argument and frees it after that phase.
 */
export interface PhaseOutputsWithHandOff {
  outputs: PhaseOutputs;
  handOff: tf.NamedTensorMap;
}

/** One optimizer update of one phase: its recorded numbers and what it hands to the next phase. */
export interface PhaseStepResult {
  /** `${name}Loss` and every other scalar the phase's loss returned. */
  values: Record<string, number>;
  /** The tensors handed to the next phase ({} when none); the caller frees them. */
  handOff: tf.NamedTensorMap;
}

/** What a phase's loss function receives besides the batch. */
export interface StepContext {
  /** The step (0-based): one step runs every phase. */
  step: number;
  /** Which repeat of the phase this is, 0 .. repeats - 1. */
  repeat: number;
  /** The phase's name. */
  phase: string;
  /** Seeded N(0, 1) noise of the given shape (a new seed for every call). */
  randomNormal(shape: number[]): tf.Tensor;
  /** Seeded U[min, max) floats of the given shape. */
  randomUniform(shape: number[], min?: number, max?: number): tf.Tensor;
  /** Seeded class labels, int32 [count], uniform over 0 .. numClasses - 1. */
  randomLabels(count: number, numClasses: number): tf.Tensor1D;
}

/** One kind of optimizer update. */
export interface Phase<Batch extends tf.TensorContainer> {
  /** Short name; the history records its loss as `${name}Loss` (e.g. 'd' -> dLoss). */
  name: string;
  /** This phase's own optimizer (never shared with another phase). */
  optimizer: tf.Optimizer;
  /** Names of the networks whose trainable weights this phase updates: its varList. */
  trains: string[];
  /**
   * The loss, built from the batch and seeded noise; return `{ loss, ...other scalars }`, or
   * `{ outputs: { loss, … }, handOff: { name: tensor, … } }` to hand tensors to the next phase.
   * `received` is what the previous phase of the step handed on ({} for none). Every tensor it
   * creates is freed by the trainer; the other scalars are recorded.
   */
  loss(batch: Batch, context: StepContext, received: tf.NamedTensorMap): PhaseOutputs | PhaseOutputsWithHandOff;
  /** Updates per step (default 1): e.g. k discriminator steps per generator step. */
  repeats?: number;
  /** Learning rate as a function of the step (e.g. CycleGAN's linear decay); default: fixed. */
  learningRate?: (step: number) => number;
  /** Runs after each update of this phase: weight clipping, an EMA of G, … */
  afterUpdate?(context: StepContext): void;
}

/** Extra state saved in checkpoints (e.g. CycleGAN's image history buffer). */
export interface ExtraState {
  save(): tf.NamedTensorMap;
  /** Receives tensors the trainer frees afterwards: copy what must be kept. */
  load(tensors: tf.NamedTensorMap): void;
}

export interface PhasedTrainerOptions<Batch extends tf.TensorContainer> {
  /** Every network of the model (all are saved in checkpoints), e.g. `{ generator, discriminator }`. */
  networks: Networks;
  /** The updates of one step, in order. */
  phases: Array<Phase<Batch>>;
  /**
   * Batch number `index` (0, 1, 2, …): must depend on `index` only (see `train.batchSampler`).
   * A step draws max(repeats) batches; repeat r of every phase uses the r-th (wrapping).
   * The trainer frees each batch after the step.
   */
  batch: (index: number) => Batch;
  /** Seed of all the noise the trainer hands out (default 0). */
  seed?: number;
  /** Extra state to save in checkpoints. */
  extraState?: ExtraState;
}

export const DEFAULT_PHASED_TRAINER_OPTIONS = { seed: 0 };

/** A call made every `every` steps during `run`. Return 'stop' to end the run. */
export interface TrainingCallback {
  every: number;
  call(trainer: PhasedTrainer<any>, record: HistoryRecord): void | 'stop' | Promise<void | 'stop'>;
}

export interface RunOptions {
  /** Steps to run in this call (default: unlimited when `seconds` is given, else required). */
  steps?: number;
  /** Stop after this many seconds of wall time (checked after each step). */
  seconds?: number;
  /** Calls every N steps: progress figures, sample grids, checkpoints. */
  callbacks?: TrainingCallback[];
  /**
   * The progress line with ETA: 'auto' (default) shows it once a run has taken 2 s, updated
   * in place (in a notebook through viz.liveDisplay, in a terminal with a carriage return);
   * an object does the same and can add a figure refreshed with the line (samples, curves);
   * false hides it.
   */
  progress?: 'auto' | false | ProgressOptions;
  /** Name shown at the start of the progress line (default 'training'). */
  label?: string;
  /** Save (and with `resume`, continue from) a checkpoint while training. */
  checkpoint?: RunCheckpoint;
}

/** The live view of a run (RunOptions.progress). */
export interface ProgressOptions {
  /**
   * Seconds between refreshes (default 5 in a notebook, 0.25 in a terminal, 10 in a log): the
   * figure is drawn only when the display refreshes, so its cost stays bounded however fast the
   * steps are.
   */
  every?: number;
  /** A figure shown under the progress line in a notebook, redrawn at each refresh (e.g. samples from fixed noise). */
  figure?: (trainer: PhasedTrainer<any>) => Figure;
}

/** Checkpoints during a run: `{ path: course.checkpointPath('05-dcgan'), every: 500, resume: true }`. */
export interface RunCheckpoint {
  /** The checkpoint directory (see `course.checkpointPath`). */
  path: string;
  /** Save every this many steps (default 500); a run also saves when it ends and when it is interrupted. */
  every?: number;
  /**
   * Load the checkpoint first, when `path` has one, and train on to the step this call would
   * have reached (its starting step + `steps`): a cell run again after an interrupt or a kernel
   * restart continues the same run instead of starting over (default false: the checkpoint is
   * overwritten by this run's).
   */
  resume?: boolean;
  /** Snapshots kept (default 1). */
  keep?: number;
}

export const DEFAULT_RUN_CHECKPOINT = { every: 500, resume: false, keep: 1 };

/** One step of the history: the step, the seconds since the trainer was created, and every recorded scalar. */
export type HistoryRecord = { step: number; seconds: number } & Record<string, number>;

export interface RunResult {
  /** Steps completed in this call. */
  steps: number;
  seconds: number;
  /** Why the run ended ('interrupt': Kernel → Interrupt, see ./interrupt.ts). */
  stoppedBy: 'steps' | 'time' | 'callback' | 'diverged' | 'interrupt';
  /** For 'diverged': which value went non-finite, at which step; for 'interrupt': the line printed. */
  message?: string;
}

/** Raised (or reported, see `run`) when a loss becomes NaN or infinite. */
export class TrainingDivergedError extends Error {}

/**
 * The phased trainer: `new PhasedTrainer({ networks, phases, batch, seed })`, then
 * `await trainer.run({ steps })` as often as you like; `trainer.history` grows with each step.
 */
export class PhasedTrainer<Batch extends tf.TensorContainer> {
  readonly networks: Networks;
  readonly phases: ReadonlyArray<Phase<Batch>>;
  /** Seed of the noise (restored by loadCheckpoint, so a resumed run draws the same noise). */
  seed: number;
  /** Steps completed so far (restored by loadCheckpoint). */
  step = 0;
  /** One record per completed step. */
  history: HistoryRecord[] = [];
  /** Seconds of training so far (restored by loadCheckpoint). */
  seconds = 0;
  /** True while `run` is training (a second run of the same trainer is refused meanwhile). */
  private running = false;
  private readonly batch: (index: number) => Batch;
  private readonly extraState?: ExtraState;
  private readonly varLists: tf.Variable[][];
  /** Updates made by hand (phaseStep) per phase: each call draws noise of its own. */
  private readonly callsByHand: Record<string, number> = {};

  constructor(options: PhasedTrainerOptions<Batch>) {
    const { networks, phases, batch, seed, extraState } = { ...DEFAULT_PHASED_TRAINER_OPTIONS, ...options };
    if (networks === null || typeof networks !== 'object' || Object.keys(networks).length === 0) {
      throw new Error('PhasedTrainer: options.networks must name at least one tf.LayersModel, e.g. { generator, discriminator }');
    }
    if (!Array.isArray(phases) || phases.length === 0) {
      throw new Error('PhasedTrainer: options.phases must be a non-empty array of phases');
    }
    if (typeof batch !== 'function') throw new Error(`PhasedTrainer: options.batch must be a function of the batch index, got ${typeof batch}`);
    if (!Number.isInteger(seed)) throw new Error(`PhasedTrainer: options.seed must be an integer, got ${seed}`);
    const names = new Set<string>();
    const optimizers = new Set<tf.Optimizer>();
    for (const phase of phases) {
      if (names.has(phase.name)) throw new Error(`PhasedTrainer: two phases are named '${phase.name}'`);
      names.add(phase.name);
      if (optimizers.has(phase.optimizer)) {
        throw new Error(`PhasedTrainer: phase '${phase.name}' shares its optimizer with another phase; give each phase its own`);
      }
      optimizers.add(phase.optimizer);
      const repeats = phase.repeats ?? 1;
      if (!Number.isInteger(repeats) || repeats < 1) {
        throw new Error(`PhasedTrainer: phase '${phase.name}' repeats must be a positive integer, got ${phase.repeats}`);
      }
      for (const n of phase.trains) {
        if (!(n in networks)) {
          throw new Error(`PhasedTrainer: phase '${phase.name}' trains '${n}', which is not one of the networks (${Object.keys(networks).join(', ')})`);
        }
      }
    }
    this.networks = networks;
    this.phases = phases;
    this.batch = batch;
    this.seed = seed;
    this.extraState = extraState;
    this.varLists = phases.map((phase) => {
      const vars = phase.trains.flatMap((n) => networks[n].trainableWeights.map((w) => w.read() as tf.Variable));
      if (vars.length === 0) throw new Error(`PhasedTrainer: phase '${phase.name}' has no trainable weights in ${phase.trains.join(', ')}`);
      return vars;
    });
  }

  /** Batches drawn per step: the largest `repeats` of any phase. */
  get batchesPerStep(): number {
    return Math.max(...this.phases.map((p) => p.repeats ?? 1));
  }

  /**
   * Runs one step (every phase, each `repeats` times) and returns its history record.
   * Throws TrainingDivergedError, before applying the update, when a value is NaN or infinite.
   */
  trainStep(): HistoryRecord {
    const started = now();
    const step = this.step;
    const perStep = this.batchesPerStep;
    const batches: Batch[] = [];
    const sums: Record<string, number> = {};
    const counts: Record<string, number> = {};
    let received: tf.NamedTensorMap = {}; // what the previous phase handed on
    try {
      for (let r = 0; r < perStep; r++) batches.push(this.batch(step * perStep + r));
      this.phases.forEach((phase, p) => {
        if (phase.learningRate) setLearningRate(phase.optimizer, phase.learningRate(step), phase.name);
        const repeats = phase.repeats ?? 1;
        for (let repeat = 0; repeat < repeats; repeat++) {
          const context = this.context(step, phase.name, repeat);
          const { values, handOff } = this.update(p, batches[repeat % perStep], context, received);
          if (repeat === repeats - 1) {
            tf.dispose(received); // the previous phase's, now used
            received = handOff; // only the last repeat's is handed on
          } else {
            tf.dispose(handOff);
          }
          for (const [key, value] of Object.entries(values)) {
            sums[key] = (sums[key] ?? 0) + value;
            counts[key] = (counts[key] ?? 0) + 1;
          }
          phase.afterUpdate?.(context);
        }
      });
    } finally {
      tf.dispose(received);
      tf.dispose(batches as unknown as tf.TensorContainer);
    }
    this.seconds += (now() - started) / 1000;
    const record: HistoryRecord = { step, seconds: this.seconds } as HistoryRecord;
    for (const key of Object.keys(sums)) record[key] = sums[key] / counts[key]; // mean over repeats
    this.history.push(record);
    this.step = step + 1;
    return record;
  }

  /**
   * Trains for a step and/or time budget. When a value becomes NaN or infinite the run stops
   * (weights as they were before the bad update), prints which value diverged and returns
   * `stoppedBy: 'diverged'`. Kernel → Interrupt stops the run after the current step: the
   * networks keep what they learned (and the checkpoint, if any, is saved), one line says so,
   * and the run returns `stoppedBy: 'interrupt'` (the cell then ends as interrupted, see
   * ./interrupt.ts).
   */
  async run(options: RunOptions): Promise<RunResult> {
    const { steps, seconds, callbacks = [], progress = 'auto', label = 'training' } = options;
    if (steps === undefined && seconds === undefined) throw new Error('run: give options.steps, options.seconds or both');
    if (steps !== undefined && !(Number.isInteger(steps) && steps >= 0)) throw new Error(`run: options.steps must be a non-negative integer, got ${steps}`);
    if (seconds !== undefined && !(seconds > 0)) throw new Error(`run: options.seconds must be positive, got ${seconds}`);
    for (const c of callbacks) {
      if (!Number.isInteger(c.every) || c.every < 1) throw new Error(`run: every callback needs a positive integer 'every', got ${c.every}`);
    }
    if (progress !== 'auto' && progress !== false && (progress === null || typeof progress !== 'object')) {
      throw new Error(`run: options.progress must be 'auto', false or { every, figure }, got ${JSON.stringify(progress)}`);
    }
    const checkpoint = options.checkpoint === undefined ? undefined : { ...DEFAULT_RUN_CHECKPOINT, ...options.checkpoint };
    if (checkpoint !== undefined) {
      if (typeof checkpoint.path !== 'string' || checkpoint.path === '') throw new Error(`run: options.checkpoint.path must be a directory (course.checkpointPath('name')), got ${JSON.stringify(checkpoint.path)}`);
      if (!Number.isInteger(checkpoint.every) || checkpoint.every < 1) throw new Error(`run: options.checkpoint.every must be a positive integer, got ${checkpoint.every}`);
    }
    if (this.running) {
      throw new Error('run: this trainer is already training (a run started earlier has not finished; await trainer.run(...) before starting another)');
    }
    this.running = true;
    const interrupts = await watchInterrupts(); // waits for an interrupted run that is still stopping
    try {
      // An earlier run of this cell was interrupted: the whole cell stops, silently after its one line.
      if (interrupts.cellInterrupted) return { steps: 0, seconds: 0, stoppedBy: 'interrupt', message: `${label}: not run, the cell was interrupted` };
      const target = steps === undefined ? undefined : this.step + steps; // the step this call trains to
      if (checkpoint?.resume && checkpointStep(checkpoint.path) !== undefined) {
        await this.loadCheckpoint(checkpoint.path);
        console.log(`${label}: resumed from ${checkpoint.path} at step ${formatCount(this.step)}${target === undefined ? '' : ` of ${formatCount(target)}`}`);
      }
      const line = progress === false ? undefined : new ProgressLine(label, progressOptions(progress, this));
      const started = now();
      const elapsed = () => (now() - started) / 1000;
      let done = 0;
      let stoppedBy: RunResult['stoppedBy'] = 'steps';
      let message: string | undefined;
      let saved = checkpoint?.resume ? checkpointStep(checkpoint.path) : undefined;
      while (true) {
        if (target !== undefined && this.step >= target) break;
        if (seconds !== undefined && elapsed() >= seconds) {
          stoppedBy = 'time';
          break;
        }
        // One turn of the event loop per step: it delivers Kernel → Interrupt (SIGINT) and the
        // kernel's display sends, and keeps the cell's synchronous part (which tslab cannot
        // interrupt cleanly) to the first step's start.
        await yieldToEventLoop();
        if (interrupts.requested) {
          stoppedBy = 'interrupt';
          break;
        }
        let record: HistoryRecord;
        try {
          record = this.trainStep();
        } catch (error) {
          if (!(error instanceof TrainingDivergedError)) throw error;
          stoppedBy = 'diverged';
          message = error.message;
          break;
        }
        done++;
        line?.update({ done, total: target === undefined ? undefined : done + target - this.step, elapsed: elapsed(), budget: seconds, step: this.step, record });
        let stop = false;
        for (const c of callbacks) {
          if (this.step % c.every !== 0) continue;
          if ((await c.call(this, record)) === 'stop') stop = true;
          await yieldToEventLoop();
        }
        if (checkpoint && this.step % checkpoint.every === 0) {
          await this.saveCheckpoint(checkpoint.path, { keep: checkpoint.keep });
          saved = this.step;
        }
        if (stop) {
          stoppedBy = 'callback';
          break;
        }
      }
      line?.finish({ done, elapsed: elapsed(), step: this.step, stoppedBy });
      // A diverged run keeps its last good checkpoint: saving now would resume into the same NaN.
      if (checkpoint && stoppedBy !== 'diverged' && saved !== this.step) await this.saveCheckpoint(checkpoint.path, { keep: checkpoint.keep });
      await yieldToEventLoop();
      if (stoppedBy === 'interrupt') {
        const of = target === undefined ? '' : ` of ${formatCount(target)}`;
        const saving = checkpoint ? ` (saved in ${checkpoint.path})` : '';
        const next = checkpoint?.resume ? 'run the cell again to continue' : 'run the cell again to train on from here';
        message = `${label}: interrupted at step ${formatCount(this.step)}${of}: the networks keep what they learned${saving}; ${next}`;
        console.error(message);
        return { steps: done, seconds: elapsed(), stoppedBy, message };
      }
      if (message) console.log(message);
      return { steps: done, seconds: elapsed(), stoppedBy, message };
    } finally {
      interrupts.close();
      this.running = false;
    }
  }

  /** The recorded values as columns, for viz.lossCurves: `{ step: [...], dLoss: [...], … }`. */
  historyColumns(): Record<string, number[]> {
    const columns: Record<string, number[]> = {};
    this.history.forEach((record, i) => {
      for (const [key, value] of Object.entries(record)) (columns[key] ??= new Array(this.history.length).fill(NaN))[i] = value;
    });
    return columns;
  }

  /**
   * Saves every network's weights, every optimizer's state, the step, the history and the
   * extra state into `dir`, atomically: a killed save leaves the previous checkpoint loadable.
   */
  async saveCheckpoint(dir: string, options: CheckpointOptions = {}): Promise<string> {
    return saveTrainerCheckpoint(dir, this.checkpointParts(), options);
  }

  /**
   * Restores what saveCheckpoint wrote: weights, optimizer state, step, history and the noise
   * seed (the batch function is the caller's: give it the same data to resume the same run).
   * A network, layer or weight whose shape differs is named in the error, and nothing changes.
   */
  async loadCheckpoint(dir: string): Promise<void> {
    const state = await loadTrainerCheckpoint(dir, this.checkpointParts());
    this.step = state.step;
    this.seconds = state.seconds;
    this.seed = state.seed;
    this.history = state.history as HistoryRecord[];
  }

  /** Frees the optimizers' state (the networks belong to the caller). */
  dispose(): void {
    for (const phase of this.phases) phase.optimizer.dispose();
  }

  /**
   * One optimizer update of phase `name` by hand, as `run` makes them: on `batch` (default: the
   * batch of the current step), with what the previous phase handed on (`received`, default
   * none). Noise comes from the current step's seeds under a key of their own, a fresh one per
   * call, so updates by hand never repeat `run`'s noise. `step` and `history` stay as they
   * are: `run` (or `trainStep`) advances them. Returns the recorded numbers and the tensors this
   * phase hands on (the caller frees them).
   */
  phaseStep(name: string, options: { batch?: Batch; received?: tf.NamedTensorMap } = {}): PhaseStepResult {
    const p = this.phases.findIndex((phase) => phase.name === name);
    if (p < 0) throw new Error(`phaseStep: no phase is named '${name}' (the phases: ${this.phases.map((phase) => phase.name).join(', ')})`);
    const phase = this.phases[p];
    const call = (this.callsByHand[name] = (this.callsByHand[name] ?? 0) + 1) - 1;
    const perStep = this.batchesPerStep;
    const batch = options.batch ?? this.batch(this.step * perStep + (call % perStep));
    try {
      if (phase.learningRate) setLearningRate(phase.optimizer, phase.learningRate(this.step), phase.name);
      const context = this.context(this.step, phase.name, call, 'by hand');
      const result = this.update(p, batch, context, options.received ?? {});
      phase.afterUpdate?.(context);
      return result;
    } finally {
      if (options.batch === undefined) tf.dispose(batch as unknown as tf.TensorContainer);
    }
  }

  private checkpointParts() {
    return {
      networks: this.networks,
      optimizers: Object.fromEntries(this.phases.map((p) => [p.name, p.optimizer])),
      step: this.step,
      seconds: this.seconds,
      seed: this.seed,
      history: this.history,
      extraState: this.extraState,
    };
  }

  /** The seeded noise of one update; `byHand` gives updates made by hand seeds of their own. */
  private context(step: number, phase: string, repeat: number, byHand?: string): StepContext {
    let call = 0;
    const key = byHand === undefined ? `${this.seed}:${step}:${phase}:${repeat}` : `${this.seed}:${step}:${phase}:${byHand} ${repeat}`;
    const nextSeed = () => seedOf(`${key}:${call++}`);
    return {
      step,
      repeat,
      phase,
      randomNormal: (shape) => tf.randomNormal(shape, 0, 1, 'float32', nextSeed()),
      randomUniform: (shape, min = 0, max = 1) => tf.randomUniform(shape, min, max, 'float32', nextSeed()),
      randomLabels: (count, numClasses) => tf.randomUniform([count], 0, numClasses, 'int32', nextSeed()) as tf.Tensor1D,
    };
  }

  /** One optimizer update of phase number `p`: gradients of its loss w.r.t. its varList only. */
  private update(p: number, batch: Batch, context: StepContext, received: tf.NamedTensorMap): PhaseStepResult {
    const phase = this.phases[p];
    let outputs: PhaseOutputs | undefined;
    let handOff: tf.NamedTensorMap = {};
    const { value, grads } = tf.variableGrads(() => {
      const result = phase.loss(batch, context, received);
      if (hasHandOff(result)) ({ outputs, handOff } = result);
      else outputs = result;
      if (!outputs || !(outputs.loss instanceof tf.Tensor)) {
        throw new Error(`phase '${phase.name}': loss() must return { loss: tf.Scalar, ... }, got ${outputs && Object.keys(outputs)}`);
      }
      for (const [key, t] of Object.entries(outputs)) if (key !== 'loss') tf.keep(t);
      for (const t of Object.values(handOff)) tf.keep(t);
      return outputs.loss;
    }, this.varLists[p]);
    const values: Record<string, number> = {};
    let applied = false;
    try {
      values[`${phase.name}Loss`] = value.dataSync()[0];
      for (const [key, t] of Object.entries(outputs!)) {
        if (key === 'loss') continue;
        if (t.size !== 1) throw new Error(`phase '${phase.name}': recorded value '${key}' must be a scalar, got shape [${t.shape.join(', ')}]`);
        values[key] = t.dataSync()[0];
      }
      for (const [key, v] of Object.entries(values)) {
        if (!Number.isFinite(v)) {
          const last = this.history.length > 0 ? this.history[this.history.length - 1][key] : undefined;
          throw new TrainingDivergedError(
            `training diverged at step ${context.step}: ${key} (phase '${phase.name}') is ${v}` +
              (last !== undefined ? ` (it was ${last.toPrecision(4)} at step ${context.step - 1})` : '') +
              '; the update was not applied. Try a lower learning rate or check the loss for log(0).',
          );
        }
      }
      phase.optimizer.applyGradients(grads);
      applied = true;
    } finally {
      tf.dispose([value, grads as unknown as tf.TensorContainer]);
      for (const [key, t] of Object.entries(outputs ?? {})) if (key !== 'loss') t.dispose();
      if (!applied) tf.dispose(handOff);
    }
    return { values, handOff };
  }
}

/** Whether a phase's loss returned `{ outputs, handOff }` rather than its outputs alone. */
function hasHandOff(result: PhaseOutputs | PhaseOutputsWithHandOff): result is PhaseOutputsWithHandOff {
  const r = result as unknown as Record<string, unknown> | undefined;
  return r !== null && typeof r === 'object' && !(r.loss instanceof tf.Tensor) && typeof r.outputs === 'object' && typeof r.handOff === 'object';
}

/**
 * Lets the event loop run once. A training step is synchronous work; the event loop is where
 * a notebook kernel completes its ZeroMQ sends (progress line, refreshed figures) and where
 * Node delivers SIGINT (Kernel → Interrupt). A turn costs microseconds against milliseconds
 * per step, so the loop takes one every step.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** 1234 -> "1,234". */
function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** The ProgressLine's options from RunOptions.progress. */
function progressOptions(progress: 'auto' | ProgressOptions, trainer: PhasedTrainer<any>): { every?: number; figure?: () => string } {
  if (progress === 'auto') return {};
  const { every, figure } = progress;
  if (every !== undefined && !(every > 0)) throw new Error(`run: options.progress.every must be a positive number of seconds, got ${every}`);
  if (figure !== undefined && typeof figure !== 'function') throw new Error(`run: options.progress.figure must be a function of the trainer returning a figure, got ${typeof figure}`);
  return { every, figure: figure && (() => figure(trainer).html) };
}

/** Sets an optimizer's learning rate (tfjs optimizers read `learningRate` on every update). */
function setLearningRate(optimizer: tf.Optimizer, rate: number, phase: string): void {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`phase '${phase}': learningRate(step) must be a positive number, got ${rate}`);
  const o = optimizer as unknown as { learningRate?: number };
  if (typeof o.learningRate !== 'number') throw new Error(`phase '${phase}': this optimizer has no numeric learningRate to schedule`);
  o.learningRate = rate;
}

/** A 31-bit integer seed from a string, via seedrandom. */
function seedOf(key: string): number {
  return Math.floor(makeRandom(key)() * 2147483647);
}

function now(): number {
  return performance.now();
}

/**
 * A trainer of two players whose phases are named 'd' (the discriminator or critic) and 'g'
 * (the generator): `discriminatorStep` and `generatorStep` make one update each, by hand, as
 * tfjs-examples and the pix2pix/CycleGAN reference code write their loops, and return the
 * phase's recorded numbers (dLoss, dReal, dFake, … or gLoss, …). The other player's weights do
 * not move. `batch` defaults to the current step's.
 */
export class TwoPlayerTrainer<Batch extends tf.TensorContainer> extends PhasedTrainer<Batch> {
  /** One update of D on a batch of real samples and as many fresh fakes. */
  discriminatorStep(batch?: Batch): Record<string, number> {
    return this.phaseStep('d', { batch }).values;
  }

  /** One update of G against the current D, on fresh fakes. */
  generatorStep(batch?: Batch): Record<string, number> {
    return this.phaseStep('g', { batch }).values;
  }
}
