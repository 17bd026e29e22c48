// The public names of the metrics namespace, by name: internal helpers stay unexported (tests/public-api.test.ts lists them all).
export { DEFAULT_IMAGE_METRIC_OPTIONS, DEFAULT_SSIM_OPTIONS, mse, psnr, ssim } from './image';
export type { ImageMetricOptions, SsimOptions } from './image';
export { frechetDistance, gaussianStats } from './frechet';
export type { GaussianStats, SymmetricEigen } from './frechet';
export { judge } from './judge';
export type { Judge, JudgeOptions, Verdict } from './judge';
export { JUDGE_VERSIONS, DEFAULT_JUDGE_MODEL_OPTIONS, buildJudgeModel } from './judge-model';
export type { JudgeName, JudgeConvolution, JudgeModelOptions } from './judge-model';
export { DEFAULT_JUDGE_TRAINING_OPTIONS, trainJudge, judgeLearningRate, randomFlip, randomAffine, noiseImages } from './judge-training';
export type { JudgeTrainingOptions, JudgeRecipe, JudgeInfo, TrainedJudge, JudgeAugmentation } from './judge-training';
export { judgeDir } from './judge-cache';
export {
  DEFAULT_SAMPLE_QUALITY_OPTIONS, featureStats, formatQuality, midtoneFraction, sampleQuality,
} from './quality';
export type { Coverage, SampleQuality, SampleQualityOptions } from './quality';
export {
  codePurity, DEFAULT_QUALITY_TRACKING_OPTIONS, measureGenerator, midpointQuality, trackQuality,
} from './generator';
export type { MidpointQuality, QualityRecord, QualityTrackingOptions } from './generator';
export { DEFAULT_EVALUATE_ELBO_OPTIONS, evaluateElbo } from './elbo';
export type { ElboEstimate, EvaluateElboOptions } from './elbo';
export { knnAccuracy, silhouetteScore } from './latent';
export { DEFAULT_DOMAIN_CLASSIFIER_OPTIONS, trainDomainClassifier } from './domain';
export type { DomainClassifier, DomainClassifierOptions } from './domain';
export { DEFAULT_TRANSLATION_SCORE_OPTIONS, translationScores } from './translation';
export type { TranslationScoreOptions, TranslationScores } from './translation';
