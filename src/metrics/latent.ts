/**
 * Judge-free measures of how well a latent space separates classes, for claims such as "the 2-D
 * latent space of the VAE puts each digit in its own region":
 *
 *   knnAccuracy:      share of query points whose k nearest reference points (Euclidean) vote for
 *                     their true label (Cover & Hart 1967); chance is 1 / (number of classes).
 *   silhouetteScore:  mean over points of s = (b - a) / max(a, b), where a is the mean distance to
 *                     the point's own class and b the smallest mean distance to another class
 *                     (Rousseeuw 1987); 1 = tight, separated clusters, 0 = overlapping, < 0 = wrong.
 *
 * Both work on plain arrays of points (any dimension): latent codes leave the tensor world here.
 */
import * as tf from '@tensorflow/tfjs';
import { GenlabError } from '../errors';

type Points = tf.Tensor2D | ReadonlyArray<ReadonlyArray<number>>;
type Labels = tf.Tensor1D | ReadonlyArray<number>;

function toRows(points: Points, caller: string, name: string): number[][] {
  if (points instanceof tf.Tensor) {
    if (points.rank !== 2) throw new GenlabError(`${caller}: ${name} must be [N, D], got [${points.shape.join(', ')}]`);
    return points.arraySync() as number[][];
  }
  return points.map((p) => [...p]);
}

function toLabels(labels: Labels, count: number, caller: string, name: string): number[] {
  const out = labels instanceof tf.Tensor ? Array.from(labels.dataSync()) : [...labels];
  if (out.length !== count) throw new GenlabError(`${caller}: ${name} must have one label per point (${count}), got ${out.length}`);
  return out;
}

function distance(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Share of `queries` whose k nearest `references` (majority vote, ties to the nearest) have their label. */
export function knnAccuracy(references: Points, referenceLabels: Labels, queries: Points, queryLabels: Labels, k = 5): number {
  const refs = toRows(references, 'knnAccuracy', 'references');
  const refLabels = toLabels(referenceLabels, refs.length, 'knnAccuracy', 'referenceLabels');
  const qs = toRows(queries, 'knnAccuracy', 'queries');
  const qLabels = toLabels(queryLabels, qs.length, 'knnAccuracy', 'queryLabels');
  if (!Number.isInteger(k) || k < 1 || k > refs.length) throw new GenlabError(`knnAccuracy: k must be an integer in 1..${refs.length}, got ${k}`);
  let correct = 0;
  const bestDistance = new Float64Array(k);
  const bestLabel = new Array<number>(k);
  qs.forEach((q, i) => {
    // The k nearest so far, sorted by distance (insertion: k is small, references many).
    bestDistance.fill(Infinity);
    for (let j = 0; j < refs.length; j++) {
      const d = distance(q, refs[j]);
      if (d >= bestDistance[k - 1]) continue;
      let slot = k - 1;
      while (slot > 0 && bestDistance[slot - 1] > d) {
        bestDistance[slot] = bestDistance[slot - 1];
        bestLabel[slot] = bestLabel[slot - 1];
        slot--;
      }
      bestDistance[slot] = d;
      bestLabel[slot] = refLabels[j];
    }
    const votes = new Map<number, number>();
    for (const label of bestLabel) votes.set(label, (votes.get(label) ?? 0) + 1);
    const top = Math.max(...votes.values());
    // Among tied labels, the one whose member is nearest wins (first in the sorted list).
    const winner = bestLabel.find((label) => votes.get(label) === top)!;
    if (winner === qLabels[i]) correct++;
  });
  return correct / qs.length;
}

/** The mean silhouette of labelled points (Euclidean distance). Needs at least two classes. */
export function silhouetteScore(points: Points, labels: Labels): number {
  const rows = toRows(points, 'silhouetteScore', 'points');
  const ls = toLabels(labels, rows.length, 'silhouetteScore', 'labels');
  const classes = [...new Set(ls)];
  if (classes.length < 2) throw new GenlabError(`silhouetteScore: labels must name at least 2 classes, got ${classes.length}`);
  const sizes = new Map(classes.map((c) => [c, ls.filter((l) => l === c).length]));
  let total = 0;
  rows.forEach((p, i) => {
    const sums = new Map(classes.map((c) => [c, 0]));
    rows.forEach((q, j) => {
      if (i !== j) sums.set(ls[j], sums.get(ls[j])! + distance(p, q));
    });
    const own = sizes.get(ls[i])!;
    if (own === 1) return; // s = 0 for a point alone in its class (Rousseeuw 1987)
    const a = sums.get(ls[i])! / (own - 1);
    let b = Infinity;
    for (const c of classes) if (c !== ls[i]) b = Math.min(b, sums.get(c)! / sizes.get(c)!);
    total += (b - a) / Math.max(a, b);
  });
  return total / rows.length;
}
