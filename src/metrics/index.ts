// The metrics module: each file adds its export line here.
export * from './image';
export * from './frechet';
export * from './judge';
export { JUDGE_VERSIONS, DEFAULT_JUDGE_MODEL_OPTIONS, buildJudgeModel } from './judge-model';
export type { JudgeName, JudgeConvolution, JudgeModelOptions } from './judge-model';
export { DEFAULT_JUDGE_TRAINING_OPTIONS, trainJudge, judgeLearningRate, randomFlip, randomAffine, noiseImages } from './judge-training';
export type { JudgeTrainingOptions, JudgeRecipe, JudgeInfo, TrainedJudge, JudgeAugmentation } from './judge-training';
export { judgeDir } from './judge-cache';
export * from './quality';
export * from './generator';
export * from './elbo';
export * from './latent';
export * from './domain';
export * from './translation';
