/**
 * Quick mode (GENLAB_QUICK=1): every lesson runs every cell, with training shrunk to seconds.
 * Used by the headless notebook check and for a fast first pass through a lesson.
 */

/** True when GENLAB_QUICK is set to 1/true/yes. */
export function quickMode(): boolean {
  return /^(1|true|yes)$/i.test(process.env.GENLAB_QUICK ?? '');
}

/** `quick` in quick mode, else `full`: `const steps = pick({ full: 3000, quick: 50 })`. */
export function pick<T>(values: { full: T; quick: T }): T {
  return quickMode() ? values.quick : values.full;
}
