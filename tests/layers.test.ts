/**
 * The layers of src/: a file may import only from its own layer or a lower one, so that the
 * library reads bottom-up and no two folders need each other.
 *
 *   0 errors.ts, random.ts, quick.ts, files.ts, pixels.ts   (the root: no genlab imports but each other)
 *   1 backend.ts, backend/   (version-pinned engine code, engine patches, the notebook kernel)
 *   2 viz/   3 rules/   4 data/   5 models/   6 losses/   7 train/   8 metrics/
 *   9 course.ts, exercises/, homework/
 *  10 index.ts
 *
 * Every `import … from`, `export … from`, `import '…'`, `require('…')` and `import('…')` of a
 * relative path in src/**\/*.ts (not src/dist) is read with TypeScript's own scanner (so that
 * commented-out imports and strings do not count), resolved to a file, and both files are mapped
 * to their layers. A src file that belongs to no layer fails too: a new folder needs its place
 * in the order before it can be imported.
 */
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', 'src');

/** The layer of each root file and folder of src/. */
const ROOT_FILES: Record<string, number> = {
  'errors.ts': 0,
  'random.ts': 0,
  'quick.ts': 0,
  'files.ts': 0,
  'pixels.ts': 0,
  'backend.ts': 1,
  'course.ts': 9,
  'index.ts': 10,
};
const FOLDERS: Record<string, number> = {
  backend: 1,
  viz: 2,
  rules: 3,
  data: 4,
  models: 5,
  losses: 6,
  train: 7,
  metrics: 8,
  exercises: 9,
  homework: 9,
};
const LAYER_NAMES = ['root', 'backend', 'viz', 'rules', 'data', 'models', 'losses', 'train', 'metrics', 'course/exercises/homework', 'index'];

/**
 * Imports that go up a layer and are known, each with its reason; the list is meant to be empty.
 * Key: 'importing file -> imported file', both relative to src/.
 */
const KNOWN_UPWARD: Record<string, string> = {};

/** The layer of a file given relative to src/ (forward slashes), or undefined when it has none. */
function layerOf(relative: string): number | undefined {
  const parts = relative.split('/');
  if (parts.length === 1) return ROOT_FILES[parts[0]];
  return FOLDERS[parts[0]];
}

/** The relative module paths a source text imports or re-exports (packages left out). */
function importsOf(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('.'));
}

/** The file (relative to src/) an import of `specifier` from `fromFile` (relative to src/) reaches. */
function resolve(fromFile: string, specifier: string): string {
  const base = path.join(SRC, path.dirname(fromFile), specifier);
  const candidates = [`${base}.ts`, base, path.join(base, 'index.ts')];
  const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  return path.relative(SRC, found ?? base).split(path.sep).join('/');
}

/** Every .ts file under src/ (not dist, not node_modules, no .d.ts), relative to src/. */
function sourceFiles(dir = SRC): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'dist' || entry.name === 'node_modules') continue;
      out.push(...sourceFiles(full));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(path.relative(SRC, full).split(path.sep).join('/'));
    }
  }
  return out.sort();
}

const name = (layer: number) => `layer ${layer} (${LAYER_NAMES[layer]})`;

test('the scanner finds every kind of import and ignores comments and packages', (t) => {
  const text = [
    "import * as tf from '@tensorflow/tfjs';",
    "import { a } from './a';",
    "import type { B } from '../b';",
    'import {',
    '  c,',
    '  d,',
    "} from '../c';",
    "export * from './e';",
    "export { f } from './f';",
    "import './g';",
    "const h = require('./h');",
    "// import { x } from '../commented';",
    "/* export * from '../block-comment'; */",
    "const s = \"import { y } from '../in-a-string'\";",
  ].join('\n');
  t.deepEqual(importsOf(text).sort(), ['../b', '../c', './a', './e', './f', './g', './h']);
});

test('every file of src/ has a layer', (t) => {
  const unmapped = sourceFiles().filter((file) => layerOf(file) === undefined);
  t.deepEqual(unmapped, [], 'src files in no layer: give their folder or root file a place in ROOT_FILES / FOLDERS (and in the layer order)');
});

test('no file of src/ imports from a higher layer', (t) => {
  const files = sourceFiles();
  t.true(files.length >= 80, `only ${files.length} source files found under ${SRC}`);
  const upward: string[] = [];
  const known = new Set<string>();
  let arrows = 0;
  for (const file of files) {
    const from = layerOf(file);
    if (from === undefined) continue; // reported by the test above
    for (const specifier of importsOf(fs.readFileSync(path.join(SRC, file), 'utf8'))) {
      const target = resolve(file, specifier);
      const to = layerOf(target);
      arrows++;
      if (to === undefined) {
        upward.push(`src/${file} imports '${specifier}' (src/${target}), which is in no layer`);
      } else if (to > from) {
        const key = `${file} -> ${target}`;
        if (key in KNOWN_UPWARD) known.add(key);
        else upward.push(`src/${file} (${name(from)}) imports '${specifier}' (src/${target}, ${name(to)})`);
      }
    }
  }
  t.true(arrows > 200, `only ${arrows} imports found: the scanner is broken`);
  t.deepEqual(upward, [], 'imports that go to a higher layer');
  const stale = Object.keys(KNOWN_UPWARD).filter((key) => !known.has(key));
  t.deepEqual(stale, [], 'KNOWN_UPWARD lists imports that are gone: delete them from the list');
  t.log(`${files.length} files, ${arrows} relative imports, ${known.size} known exception(s)`);
});
