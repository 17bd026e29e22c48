/** `npm run notebooks`: regenerate notebooks/*.ipynb from lessons/*.md. `--check` only reports. */
import * as path from 'path';
import { buildAll, ROOT } from './notebooks';

const check = process.argv.includes('--check');
const changed = buildAll(!check);
for (const file of changed) console.log(`${check ? 'out of date' : 'wrote'}: ${path.relative(ROOT, file)}`);
if (changed.length === 0) console.log('notebooks: all up to date');
if (check && changed.length > 0) {
  console.error('notebooks differ from their lessons: run `npm run notebooks` and commit the result');
  process.exit(1);
}
