/**
 * The truncation trick measured: fidelity against diversity for a saved DCGAN. Loads the G (and
 * its EMA copy) that `npm run experiment -- dcgan-runs … --save DIR` kept, draws 1,000 samples for every
 * threshold psi (z ~ N(0, I) truncated to |z_i| <= psi, the same seed each time) and judges them.
 *
 *   npm run experiment -- dcgan-truncation --load results/dcgan/fashion-sc-4500 [--psi none,2,1.5,1,0.75,0.5] [--count 1000] [--seed 2024]
 *
 * Writes results/dcgan/truncation-<basename of DIR>.json and two figures: recognisability and
 * the rarest class's share against psi (.html), and samples of the same z at each psi (-1.html).
 * Records dcgan-truncation.<basename of DIR>.<G|ema>.psi<psi>.recognisable and .smallestShare (%), .frechet,
 * psi written with '_' for '.' (psi1_5) and psiNone for no truncation.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, initBackend, data, metrics, models, train, viz, course } from '../src/index';
import { parseCommand, run as runMain, UsageError } from '../scripts/args';
import { keyPart } from '../scripts/ledger';
import { readJsonFile, writeFileAtomic } from '../src/files';

interface SavedRun {
  settings: {
    dataset: 'mnist' | 'fashion';
    conditional: boolean;
    filters: number;
    seed: number;
    labelConditioning: models.DcganOptions['labelConditioning'];
    clusters: number;
    emaDecay: number;
    /** Absent in runs saved before the option existed: 'transposed'. */
    upsampling?: 'transposed' | 'resize';
  };
  step: number;
  clusterSizes?: number[];
}

async function main() {
  const args = parseCommand('dcgan-truncation', process.argv.slice(2), {
    flags: {
      load: { kind: 'string', help: 'a directory saved by dcgan-runs --save (with run.json)' },
      psi: { kind: 'string', default: 'none,2,1.5,1,0.75,0.5', help: "thresholds: positive numbers or 'none', comma-separated" },
      count: { kind: 'positiveInteger', default: 1000, help: 'samples judged per threshold' },
      seed: { kind: 'nonNegativeInteger', default: metrics.DEFAULT_QUALITY_TRACKING_OPTIONS.seed, help: 'noise seed' },
    },
  });
  const dir = args.load ?? '';
  const runFile = path.join(dir, 'run.json');
  if (dir === '' || !fs.existsSync(runFile)) throw new UsageError(`dcgan-truncation: --load must name a directory saved by dcgan-runs --save (with run.json), got '${dir}'`);
  const run = readJsonFile<SavedRun>({ caller: 'dcgan-truncation', rebuild: `save the run again with \`npm run experiment -- dcgan-runs … --save ${dir}\`` }, runFile);
  const thresholds = args.psi.split(',').map((s) => (s === 'none' ? Infinity : s.trim() === '' ? NaN : Number(s)));
  if (thresholds.some((psi) => !(psi > 0))) throw new UsageError(`dcgan-truncation: --psi must be a list of positive numbers or 'none', got '${args.psi}'`);
  const { count, seed } = args;
  const runKey = `dcgan-truncation.${keyPart(path.basename(path.resolve(dir)))}`;
  await initBackend();

  const s = run.settings;
  const options = { filters: s.filters, seed: s.seed, labelConditioning: s.labelConditioning, numClasses: s.clusters || 10, upsampling: s.upsampling ?? 'transposed' } as const;
  const build = () => (s.conditional ? models.buildConditionalDcganGenerator(options) : models.buildDcganGenerator(options));
  const networks: Record<string, tf.LayersModel> = s.emaDecay > 0 ? { generator: build(), emaGenerator: build() } : { generator: build() };
  await train.loadTrainerCheckpoint(dir, { networks, optimizers: {}, step: 0, seconds: 0, seed: s.seed, history: [] });
  const judge = await metrics.judge(s.dataset);
  // A self-conditioned G draws each cluster as often as it occurs in the data; a conditional one every label equally often.
  const clusters = run.clusterSizes ? data.proportionalLabels(run.clusterSizes, count) : undefined;

  const rows: Array<Record<string, number | string>> = [];
  for (const psi of thresholds) {
    for (const [name, generator] of Object.entries(networks)) {
      const r = metrics.measureGenerator(generator, judge, { count, seed, clusters, truncation: psi });
      const key = `${runKey}.${name === 'generator' ? 'G' : 'ema'}.psi${psi === Infinity ? 'None' : keyPart(psi)}`;
      const label = `${name === 'generator' ? 'G' : 'EMA of G'}, psi ${psi === Infinity ? 'none' : psi}`;
      course.record(`${key}.recognisable`, 100 * r.recognisability, { unit: '%', digits: 1, label: `${label}, recognisable` });
      course.record(`${key}.smallestShare`, 100 * r.smallestShare, { unit: '%', digits: 1, label: `${label}, rarest class share` });
      course.record(`${key}.frechet`, r.frechet, { digits: 2, label: `${label}, judge-Fréchet` });
      rows.push({ generator: name === 'generator' ? 'G' : 'EMA of G', psi: psi === Infinity ? 'none' : psi, recognisability: r.recognisability, classes: r.classes, smallestShare: r.smallestShare, entropy: r.entropy, frechet: r.frechet, ...(r.conditionalAccuracy === undefined ? {} : { conditionalAccuracy: r.conditionalAccuracy }) });
      console.log(
        `psi ${psi === Infinity ? 'none' : psi}, ${name === 'generator' ? 'G' : 'EMA of G'}: recognisable ${(100 * r.recognisability).toFixed(1)}%, classes ${r.classes}/10, ` +
          `rarest ${(100 * r.smallestShare).toFixed(1)}%, entropy ${r.entropy.toFixed(3)}, judge-Fréchet ${r.frechet.toFixed(2)}` +
          (r.conditionalAccuracy === undefined ? '' : `, conditional accuracy ${(100 * r.conditionalAccuracy).toFixed(1)}%`),
      );
    }
  }

  // Figures: the trade-off against psi (finite thresholds), and the same z at each threshold.
  const finite = thresholds.filter((psi) => psi !== Infinity);
  const curve = viz.lossCurves(
    finite.map((psi) => {
      const of = (g: string) => rows.find((r) => r.psi === psi && r.generator === g)!;
      const point: Record<string, number> = { step: psi };
      for (const g of Array.from(new Set(rows.map((r) => r.generator as string)))) {
        point[`recognisable (${g})`] = of(g).recognisability as number;
        point[`rarest class (${g})`] = of(g).smallestShare as number;
      }
      return point;
    }),
    { title: `Truncation trick: fidelity against diversity (step ${run.step})`, xLabel: 'threshold psi (|z_i| <= psi)', yLabel: 'share of samples' },
  );
  const sampler = networks.emaGenerator ?? networks.generator;
  const shown = 10;
  const codes = clusters ? Array.from({ length: shown }, (_, i) => clusters[Math.floor((i * count) / shown)]) : Array.from({ length: shown }, (_, i) => i % 10);
  const grid = tf.tidy(() =>
    tf.concat(
      thresholds.map((psi) => (s.conditional ? models.generateConditional(sampler, codes, 7, { truncation: psi }) : models.generateImages(sampler, shown, 7, { truncation: psi }))),
    ),
  );
  const samples = viz.imageGrid(grid, { columns: shown, range: 'symmetric', title: `The same z at psi = ${thresholds.map((p) => (p === Infinity ? 'none' : p)).join(', ')} (one row each)` });
  grid.dispose();

  const out = path.join(__dirname, '..', 'results', 'dcgan');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, `truncation-${path.basename(path.resolve(dir))}.json`);
  writeFileAtomic(file, JSON.stringify({ load: dir, step: run.step, settings: s, count, seed, command: process.argv.slice(2).join(' '), rows }, null, 2));
  viz.saveFigure(curve, file.replace(/\.json$/, '.html'));
  viz.saveFigure(samples, file.replace(/\.json$/, '-1.html'));
  console.log(`wrote ${file}`);
  Object.values(networks).forEach((m) => m.dispose());
  judge.dispose();
}

runMain(main);
