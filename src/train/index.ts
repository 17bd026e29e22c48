// The public names of the train namespace, by name: internal helpers stay unexported (tests/public-api.test.ts lists them all).
export { DEFAULT_IMAGE_HISTORY_BUFFER_OPTIONS, ImageHistoryBuffer } from './image-buffer';
export type { ImageHistoryBufferOptions } from './image-buffer';
export {
  createCycleGanTrainer, createPix2PixTrainer, DEFAULT_CYCLE_GAN_TRAINER_OPTIONS,
  DEFAULT_PIX2PIX_TRAINER_OPTIONS, DEFAULT_TRANSLATE_OPTIONS, Pix2PixTrainer, translate,
} from './translation';
export type {
  CycleGanFakes, CycleGanTrainer, CycleGanTrainerOptions, PairedBatch, Pix2PixObjective,
  Pix2PixTrainerOptions, TranslateOptions, UnpairedBatch,
} from './translation';
export {
  DEFAULT_PHASED_TRAINER_OPTIONS, DEFAULT_RUN_CHECKPOINT, PhasedTrainer, TrainingDivergedError, TwoPlayerTrainer,
} from './phased';
export type {
  ExtraState, HistoryRecord, Networks, Phase, PhasedTrainerOptions, PhaseOutputs,
  PhaseOutputsWithHandOff, PhaseStepResult, ProgressOptions, RunCheckpoint, RunOptions, RunResult,
  StepContext, TrainingCallback,
} from './phased';
export { batchSampler, DEFAULT_BATCH_SAMPLER_OPTIONS } from './batches';
export type { BatchSamplerOptions, SampledBatch } from './batches';
export {
  checkpointStep, DEFAULT_CHECKPOINT_OPTIONS, loadNetworkWeights, loadTrainerCheckpoint, saveTrainerCheckpoint,
} from './checkpoint';
export type { CheckpointOptions, CheckpointParts } from './checkpoint';
export type { ProgressLineOptions, ProgressUpdate } from './progress';
export { interruptTraining, TrainingInterrupted, watchInterrupts } from './interrupt';
export type { InterruptWatch } from './interrupt';
export { createGanTrainer, DEFAULT_GAN_TRAINER_OPTIONS, GanTrainer } from './gan';
export type { GanBatch, GanTrainerOptions } from './gan';
export {
  cosineDecay, DEFAULT_COSINE_DECAY_OPTIONS, DEFAULT_LINEAR_DECAY_OPTIONS, linearDecay,
  linearDecayToZero,
} from './schedules';
export type {
  CosineDecayOptions, LearningRateSchedule, LinearDecayOptions, LinearDecayToZeroOptions,
} from './schedules';
export { createVaeTrainer, DEFAULT_VAE_TRAINER_OPTIONS } from './vae';
export type { VaeBatch, VaeTrainerOptions } from './vae';
export { copyWeights, DEFAULT_EMA_OPTIONS, updateEma } from './ema';
export type { EmaOptions } from './ema';
