/** The check that a value is a judge from metrics.judge (shared by the metrics that take a judge: quality.ts, generator.ts; not exported by the package). */
import { fail } from '../errors';
import type { Judge } from './judge';

export function checkJudge(fn: string, argument: string, judge: unknown): Judge {
  const j = judge as Judge;
  if (judge === null || typeof judge !== 'object' || typeof j.classify !== 'function' || typeof j.features !== 'function' || !Array.isArray(j.classes)) {
    fail(fn, argument, "a judge from await metrics.judge('mnist' | 'fashion')", judge);
  }
  return j;
}
