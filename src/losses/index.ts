// The public names of the losses namespace, by name: internal helpers stay unexported (tests/public-api.test.ts lists them all).
export {
  cycleGanDiscriminatorLoss, cycleGanGeneratorLoss, DEFAULT_CYCLE_GAN_LOSS_OPTIONS,
  DEFAULT_PIX2PIX_LOSS_OPTIONS, meanAbsoluteError, pix2pixDiscriminatorLoss, pix2pixGeneratorLoss,
} from './translation';
export type {
  CycleGanGeneratorLoss, CycleGanGeneratorTerms, CycleGanLossOptions, Pix2PixGanMode,
  Pix2PixGeneratorLoss, Pix2PixLossOptions,
} from './translation';
export {
  bceWithLogits, DEFAULT_DISCRIMINATOR_LOSS_OPTIONS, DEFAULT_GENERATOR_LOSS_OPTIONS,
  discriminatorLoss, discriminatorLossTerms, generatorLoss, meanProbability,
} from './gan';
export type {
  DiscriminatorLossOptions, DiscriminatorLossTerms, GeneratorLossForm, GeneratorLossOptions,
} from './gan';
export {
  DEFAULT_GRADIENT_PENALTY_OPTIONS, DEFAULT_LSGAN_OPTIONS, DEFAULT_WGAN_GP, gradientPenalty,
  hingeDiscriminatorLoss, hingeGeneratorLoss, lsganDiscriminatorLoss, lsganGeneratorLoss,
  wassersteinCriticLoss, wassersteinGeneratorLoss,
} from './stabilisers';
export type { CriticLossParts, GradientPenaltyOptions, LsganOptions } from './stabilisers';
export { bernoulliLogLikelihood, DEFAULT_ELBO_OPTIONS, elbo, gaussianLogLikelihood, klNormal } from './vae';
export type { ElboOptions, ElboParts } from './vae';
export { ADVERSARIAL_LOSS_NAMES, ADVERSARIAL_LOSSES } from './adversarial';
export type {
  AdversarialLoss, AdversarialLossDefaults, AdversarialLossName, DiscriminatorLossInputs,
  DiscriminatorLossResult,
} from './adversarial';
