/**
 * Homework: assignments that reuse genlab, checked while the student works and graded for the
 * instructor. A notebook's check cell:
 *
 *   await homework.check('04.kl', klDivergence);   // ✔, ✘ with what differs, or "not implemented yet"
 *
 * Task definitions: src/homework/tasks/NN-slug.ts (see define.ts). Release and grading:
 * `npm run homework -- release | check NN | grade DIR` (scripts/homework.ts).
 */
export { check, allTasks, tasksOf, findTask, register, history, loadErrorOf, configure } from './check';
export type { CheckResult, CheckStatus } from './check';
export { implementTask, trainTask, NotImplemented, isNotImplemented, TASK_ID } from './define';
export type { Task, ImplementTask, TrainTask, Case, Hint, HintContext, CompareOptions, Measured } from './define';
export { caseRandom } from './random';
export type { CaseRandom } from './random';
