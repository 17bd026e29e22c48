/**
 * imageGrid: a grid of small images with optional per-image labels.
 * Each image becomes a PNG data URL (encoded by pngjs) drawn with Plot's image mark,
 * pixelated so a 28 x 28 digit stays crisp when scaled up.
 */
import * as Plot from '@observablehq/plot';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { renderPlot, type Figure } from './figure';
import { checkOptionValues, checkTensor, fail, GenlabError, resolveOptions } from '../errors';
import { checkInRange, checkRangeName, DEFAULT_PIXEL_RANGE, PIXEL_RANGES, type PixelRange } from '../pixels';

export interface ImageGridOptions {
  /** Images per row (default: min(N, 8)). */
  columns?: number;
  /** A caption under each image (numbers or strings), one per image. */
  labels?: ReadonlyArray<string | number>;
  /** Title above the grid. */
  title?: string;
  /** Pixel range of the input: 'unit' [0, 1] (default) or 'symmetric' [-1, 1] for tanh outputs. Values a little outside are clipped. */
  range?: PixelRange;
  /** Size of one image cell in CSS pixels (default: 2x the image, at least 56, at most 128). */
  cellSize?: number;
}

export const DEFAULT_IMAGE_GRID_OPTIONS = { range: DEFAULT_PIXEL_RANGE };

/** One image of the grid, as plain data. */
interface Cell {
  column: number;
  row: number;
  src: string;
  label: string;
}

/**
 * A grid of images. `images` is [N, H, W, C] (C = 1 or 3) or a single [H, W, C] image.
 */
export function imageGrid(images: tf.Tensor, options: ImageGridOptions = {}): Figure {
  const o = resolveOptions('imageGrid', DEFAULT_IMAGE_GRID_OPTIONS, options, ['columns', 'labels', 'title', 'cellSize']);
  const range = PIXEL_RANGES[checkRangeName('imageGrid', 'options.range', o.range)];
  checkOptionValues('imageGrid', o, { cellSize: 'positive' });
  if (o.title !== undefined && typeof o.title !== 'string') fail('imageGrid', 'options.title', 'a string', o.title);
  if (o.labels !== undefined && !Array.isArray(o.labels)) fail('imageGrid', 'options.labels', 'an array with one caption per image', o.labels);
  checkGridShape(images); // before any tensor work
  checkTensor('imageGrid', 'images', images, { dtype: ['float32', 'int32'] });
  checkInRange('imageGrid', 'images', images, o.range);
  options = o;
  const batch = toBatch(images);
  const [n, height, width, channels] = batch.shape;
  if (options.labels !== undefined && options.labels.length !== n) {
    throw new GenlabError(`imageGrid: options.labels must have one entry per image (${n}), got ${options.labels.length}`);
  }
  const columns = options.columns ?? Math.min(n, 8);
  if (!Number.isInteger(columns) || columns < 1) {
    throw new GenlabError(`imageGrid: options.columns must be a positive integer, got ${options.columns}`);
  }
  const bytes = tf.tidy(() =>
    batch.sub(range[0]).div(range[1] - range[0]).clipByValue(0, 1).mul(255).round().cast('int32'),
  );
  const values = Uint8Array.from(bytes.dataSync());
  bytes.dispose();
  if (batch !== images) batch.dispose();

  const pixels = height * width * channels;
  const cells: Cell[] = [];
  for (let i = 0; i < n; i++) {
    const png = encodePng(values.subarray(i * pixels, (i + 1) * pixels), width, height, channels);
    cells.push({
      column: i % columns,
      row: Math.floor(i / columns),
      src: `data:image/png;base64,${Buffer.from(png).toString('base64')}`,
      label: options.labels === undefined ? '' : String(options.labels[i]),
    });
  }
  const rows = Math.ceil(n / columns);
  const cell = options.cellSize ?? Math.min(128, Math.max(56, 2 * Math.max(height, width)));
  const labelSpace = options.labels === undefined ? 0 : 14;
  const pad = 4;
  const plotWidth = columns * cell;
  const plotHeight = rows * (cell + labelSpace);
  const imageSize = cell - pad;
  return renderPlot({
    width: plotWidth,
    height: plotHeight,
    margin: 0,
    title: options.title,
    x: { domain: [0, columns], axis: null },
    y: { domain: [rows, 0], axis: null },
    marks: [
      Plot.image(cells, {
        x: (d: Cell) => d.column + 0.5,
        y: (d: Cell) => d.row + 0.5,
        src: 'src',
        width: imageSize,
        height: imageSize,
        dy: -labelSpace / 2,
        imageRendering: 'pixelated',
      }),
      ...(labelSpace > 0
        ? [
            Plot.text(cells, {
              x: (d: Cell) => d.column + 0.5,
              y: (d: Cell) => d.row + 1,
              text: 'label',
              dy: -labelSpace / 2,
              fontSize: 11,
            }),
          ]
        : []),
    ],
  });
}

function toBatch(images: tf.Tensor): tf.Tensor4D {
  return checkGridShape(images) ? (images as tf.Tensor4D) : (images.expandDims(0) as tf.Tensor4D);
}

/** Throws unless `images` is [N, H, W, C] or [H, W, C] with C = 1 or 3; true for a batch. */
function checkGridShape(images: tf.Tensor): boolean {
  if (!(images instanceof tf.Tensor)) {
    throw new GenlabError(`imageGrid: images must be a tf.Tensor of shape [N, H, W, C] with C = 1 or 3, got ${typeof images}`);
  }
  const shape = images.shape;
  const okChannels = (c: number) => c === 1 || c === 3;
  if (shape.length === 4 && okChannels(shape[3]) && shape.every((s) => s > 0)) return true;
  if (shape.length === 3 && okChannels(shape[2]) && shape[0] > 0 && shape[1] > 0) return false;
  throw new GenlabError(
    `imageGrid: images must be [N, H, W, C] (or one [H, W, C] image) with C = 1 or 3, got [${shape.join(', ')}]`,
  );
}

/** PNG bytes of one image: 8-bit grey (C = 1) or RGB (C = 3). */
function encodePng(pixels: Uint8Array, width: number, height: number, channels: number): Buffer {
  // pngjs takes RGBA input and writes the colour type we ask for.
  const rgba = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = pixels[p * channels + (channels === 1 ? 0 : c)];
    rgba[p * 4 + 3] = 255;
  }
  const png = new PNG({ width, height });
  png.data = rgba;
  return PNG.sync.write(png, { colorType: channels === 1 ? 0 : 2 });
}
