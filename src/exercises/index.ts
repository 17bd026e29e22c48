// The exercises module: the checks of the lessons' exercises, one file per lesson subject.
export { compareImages } from './compare';
export type { CheckResult, CompareOptions } from './compare';
export * as rules from './rules';
