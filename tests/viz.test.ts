import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { tf, initBackend, viz } from '../src/index';
import { assertNoLeak } from './helpers';

test.before(async () => {
  await initBackend({ verbose: false });
});

const count = (html: string, what: RegExp) => (html.match(what) ?? []).length;

function pngsOf(html: string): PNG[] {
  return [...html.matchAll(/data:image\/png;base64,([A-Za-z0-9+/=]+)/g)].map((m) => PNG.sync.read(Buffer.from(m[1], 'base64')));
}

test.serial('imageGrid draws one pixelated image per input, with labels and title', async (t) => {
  const images = tf.tidy(() => tf.linspace(0, 1, 12 * 28 * 28).reshape([12, 28, 28, 1]));
  let figure!: viz.Figure;
  await assertNoLeak(t, () => {
    figure = viz.imageGrid(images, { columns: 5, labels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 'a', 'b'], title: 'Twelve' });
  }, 'imageGrid');
  t.is(count(figure.html, /<image /g), 12);
  t.regex(figure.html, /image-rendering="pixelated"|image-rendering: pixelated/);
  t.regex(figure.html, /<h2>Twelve<\/h2>/);
  t.true(figure.html.includes('>b</text>'));
  const pngs = pngsOf(figure.html);
  t.is(pngs.length, 12);
  t.is(pngs[0].width, 28);
  // The first pixel of image 0 is 0 (black); the last pixel of image 11 is 1 (white).
  t.is(pngs[0].data[0], 0);
  t.is(pngs[11].data[pngs[11].data.length - 2], 255);
  images.dispose();
});

test.serial('imageGrid maps [-1, 1] images with the range option and draws colour images', (t) => {
  const rgb = tf.tidy(() => tf.stack([tf.fill([4, 4, 3], -1), tf.fill([4, 4, 3], 1)]));
  const figure = viz.imageGrid(rgb, { range: 'symmetric' });
  const pngs = pngsOf(figure.html);
  t.deepEqual([pngs[0].data[0], pngs[1].data[0]], [0, 255]);
  rgb.dispose();
});

test.serial("figures share one default range, 'unit', and refuse [-1, 1] images shown as 'unit'", (t) => {
  const symmetric = tf.tidy(() => tf.stack([tf.fill([4, 4, 1], -1), tf.fill([4, 4, 1], 0), tf.fill([4, 4, 1], 1)])) as tf.Tensor4D;
  const unit = tf.tidy(() => symmetric.add(1).div(2)) as tf.Tensor4D;
  t.is(viz.DEFAULT_IMAGE_GRID_OPTIONS.range, 'unit');
  t.is(viz.DEFAULT_COMPARISON_GRID_OPTIONS.range, 'unit');
  // The same picture from the same images in either range, when the figure is told the range.
  const shown = (html: string) => pngsOf(html).map((png) => png.data[0]);
  t.deepEqual(shown(viz.imageGrid(unit).html), [0, 128, 255]);
  t.deepEqual(shown(viz.imageGrid(symmetric, { range: 'symmetric' }).html), [0, 128, 255]);
  t.deepEqual(
    shown(viz.comparisonGrid([{ name: 'x', images: symmetric }], { rows: 3, range: 'symmetric' }).html),
    shown(viz.comparisonGrid([{ name: 'x', images: unit }], { rows: 3 }).html),
  );
  t.throws(() => viz.imageGrid(symmetric), { message: /imageGrid: images must have values in \[0, 1\] \(range 'unit'\), got values from -1 to 1 \(a tanh generator's \[-1, 1\] images\? say so with range: 'symmetric'\)/ });
  t.throws(() => viz.comparisonGrid([{ name: 'x', images: symmetric }], { rows: 3 }), { message: /imageGrid: images must have values in \[0, 1\]/ });
  t.throws(() => viz.imageGrid(unit, { range: [-1, 1] as unknown as 'symmetric' }), { message: /options\.range must be 'unit' \(\[0, 1\]\) or 'symmetric' \(\[-1, 1\]\), got \[-1, 1\] \(for \[-1, 1\] write 'symmetric'\)/ });
  tf.dispose([symmetric, unit]);
});

test.serial('imageGrid rejects a wrong-rank tensor naming the expected shape', (t) => {
  const flat = tf.zeros([28, 28]);
  t.throws(() => viz.imageGrid(flat), {
    message: 'imageGrid: images must be [N, H, W, C] (or one [H, W, C] image) with C = 1 or 3, got [28, 28]',
  });
  const labels = tf.zeros([2, 28, 28, 1]);
  t.throws(() => viz.imageGrid(labels, { labels: [1] }), { message: /one entry per image \(2\), got 1/ });
  tf.dispose([flat, labels]);
});

test.serial('lossCurves draws one line per series with labelled axes', (t) => {
  const figure = viz.lossCurves({ d: [1.4, 1.2, 1.1], g: [0.7, 0.9, 1.0] }, { title: 'GAN' });
  t.is(count(figure.html, /<path /g) - count(figure.html, /<path [^>]*aria-label="(x|y)-axis/g) >= 2, true);
  t.regex(figure.html, /training step/);
  t.regex(figure.html, /loss/);
  const records = viz.lossCurves([{ step: 10, loss: 2 }, { step: 20, loss: 1 }]);
  t.regex(records.html, /aria-label="line"/);
  t.throws(() => viz.lossCurves({}), { message: /history has no series to draw/ });
});

/** Runs `draw` and returns what it passed to console.warn (Plot reports its warnings there). */
function warningsOf(draw: () => unknown): string[] {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  try {
    draw();
  } finally {
    console.warn = original;
  }
  return warnings;
}

test.serial('lossCurves draws short series without Plot warnings (one point per series, as in a quick run)', (t) => {
  // Two series of one point each: Plot's implicit z (from the stroke) has as many values as
  // points, and Plot warns that it looks quantitative unless z is given.
  const warnings = warningsOf(() => viz.lossCurves({ step: [150], 'non-saturating': [0], minimax: [0] }, { title: 'Modes covered' }));
  t.deepEqual(warnings, []);
  const longer = warningsOf(() => viz.lossCurves({ step: [0, 1, 2], a: [1, 2, 3], b: [3, 2, 1], c: [2, 2, 2] }));
  t.deepEqual(longer, []);
});

test.serial('lossCurves draws a long history at most maxPoints per series, ending at its last step', (t) => {
  const steps = 14000;
  const history = { step: Array.from({ length: steps }, (_, i) => i), d: Array.from({ length: steps }, (_, i) => Math.sin(i / 500)) };
  const points = (html: string) => (html.match(/<path [^>]*d="M([^"]*)"/g) ?? []).filter((p) => !/aria-label="(x|y)-axis/.test(p)).map((p) => p.split(/[ML]/).length - 1);
  const long = viz.lossCurves(history, { smooth: 25 });
  const drawn = Math.max(...points(long.html));
  t.true(drawn <= 1001 && drawn >= 1000, `drew ${drawn} points of ${steps}`);
  t.true(long.html.length < 80_000, `${long.html.length} characters`);
  t.is(Math.max(...points(viz.lossCurves(history, { maxPoints: 50 }).html)), 51, 'every 280th step and the last one');
  t.is(Math.max(...points(viz.lossCurves({ d: [3, 2, 1] }).html)), 3, 'a short history is drawn whole');
  t.throws(() => viz.lossCurves(history, { maxPoints: 1 }), { message: /^lossCurves: options.maxPoints must be an integer >= 2, got 1/ });
});

test.serial('stack puts figures one under the other in one figure', (t) => {
  const samples = viz.lossCurves({ loss: [3, 2, 1] }, { height: 100, width: 300 });
  const curves = viz.lossCurves({ d: [1, 2], g: [2, 1] }, { height: 200 });
  const both = viz.stack([samples, curves]);
  t.true(both.html.indexOf(samples.html) >= 0 && both.html.indexOf(curves.html) > both.html.indexOf(samples.html));
  t.is(both.width, 640);
  t.is(both.height, 300);
  t.throws(() => viz.stack([]), { message: /^stack: figures must be a non-empty array of Figures/ });
});

test.serial('scatter draws one dot per point, coloured by label, with a legend', (t) => {
  const points = tf.tensor2d([[0, 0], [1, 1], [2, 0], [3, 1]]);
  const figure = viz.scatter(points, { labels: [0, 1, 0, 1], xLabel: 'z1', yLabel: 'z2' });
  t.is(count(figure.html, /<circle /g), 4);
  t.regex(figure.html, /z1/);
  t.regex(figure.html, /swatch/);
  t.throws(() => viz.scatter(tf.zeros([3, 3])), { message: 'scatter: points must be [N, 2], got [3, 3]' });
  points.dispose();
});

test.serial('show returns the markup outside a notebook; saveFigure writes svg and html atomically', (t) => {
  const figure = viz.lossCurves({ loss: [3, 2, 1] });
  t.is(viz.show(figure), figure.html);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genlab-viz-'));
  const svg = viz.saveFigure(figure, path.join(dir, 'loss.svg'));
  t.true(fs.readFileSync(svg, 'utf8').startsWith('<svg'));
  t.regex(fs.readFileSync(svg, 'utf8'), /xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const html = viz.saveFigure(figure, path.join(dir, 'sub', 'loss.html'));
  t.regex(fs.readFileSync(html, 'utf8'), /^<!DOCTYPE html>/);
  t.deepEqual(fs.readdirSync(dir).sort(), ['loss.svg', 'sub'], 'no temporary files left');
  t.throws(() => viz.saveFigure(figure, path.join(dir, 'loss.png')), { message: /must end in \.svg or \.html/ });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('lossCurves labels a log axis with plain decimals, not SI prefixes', (t) => {
  const p = Array.from({ length: 50 }, (_, i) => 0.001 * Math.pow(999, i / 49));
  const figure = viz.lossCurves({ step: p, gradient: p }, { logY: true });
  const ticks = [...figure.html.matchAll(/>([^<>]{1,12})<\/text>/g)].map((m) => m[1]);
  t.true(ticks.includes('0.001'), `ticks: ${ticks.join(' ')}`);
  t.true(ticks.includes('0.01'));
  t.false(ticks.some((tick) => /^\d+m$/.test(tick)), `an SI-prefixed tick among ${ticks.join(' ')}`);
});
