/** `npm run notebooks`: regenerate notebooks/*.ipynb from lessons/*.md. `--check` only reports. */
import * as path from 'path';
import { parseCommandOrExit } from './args';
import { buildAll, ROOT } from './notebooks';

const { check } = parseCommandOrExit('notebooks', process.argv.slice(2), {
  flags: { check: { kind: 'boolean', help: 'only report the notebooks that differ from their lessons' } },
});
const changed = buildAll(!check);
for (const file of changed) console.log(`${check ? 'out of date' : 'wrote'}: ${path.relative(ROOT, file)}`);
if (changed.length === 0) console.log('notebooks: all up to date');
if (check && changed.length > 0) {
  console.error('notebooks differ from their lessons: run `npm run notebooks` and commit the result');
  process.exit(1);
}
