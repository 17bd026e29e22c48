/**
 * genlab's public API, listed: every name the package exports, one per line as
 * `namespace.name kind` (kind: function, class, const, interface, type), read from the
 * declarations of src/index.ts with the TypeScript compiler. The list is committed in
 * tests/fixtures/public-api.txt, so adding, removing or renaming a public name shows as a diff
 * of that file in review. After a deliberate change:
 *
 *   GENLAB_UPDATE_API=1 npx ava tests/public-api.test.ts
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const LIST = path.join(__dirname, 'fixtures', 'public-api.txt');

function kindOf(checker: ts.TypeChecker, symbol: ts.Symbol): string {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const f = target.flags;
  if (f & ts.SymbolFlags.Class) return 'class';
  if (f & ts.SymbolFlags.Function) return 'function';
  if (f & ts.SymbolFlags.Variable) return 'const';
  if (f & ts.SymbolFlags.Interface) return 'interface';
  if (f & ts.SymbolFlags.TypeAlias) return 'type';
  if (f & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) return 'namespace';
  return 'other';
}

/** `namespace.name kind` for every public name; `tf` (the tfjs instance) counts as one name. */
export function publicNames(): string[] {
  const entry = path.join(ROOT, 'src', 'index.ts');
  const program = ts.createProgram([entry], { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, skipLibCheck: true, noEmit: true, esModuleInterop: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const lines: string[] = [];
  for (const symbol of checker.getExportsOfModule(module)) {
    const kind = kindOf(checker, symbol);
    if (kind === 'namespace' && symbol.name !== 'tf') {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      for (const inner of checker.getExportsOfModule(target)) lines.push(`${symbol.name}.${inner.name} ${kindOf(checker, inner)}`);
    } else {
      lines.push(`${symbol.name} ${kind}`);
    }
  }
  return lines.sort();
}

test('the public API is the committed list (tests/fixtures/public-api.txt)', (t) => {
  const names = publicNames();
  if (process.env.GENLAB_UPDATE_API === '1') {
    const temporary = `${LIST}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, names.join('\n') + '\n');
    fs.renameSync(temporary, LIST);
    t.log(`wrote ${names.length} names to ${path.relative(ROOT, LIST)}`);
  }
  const listed = fs.readFileSync(LIST, 'utf8').split('\n').filter((line) => line !== '');
  const added = names.filter((n) => !listed.includes(n));
  const removed = listed.filter((n) => !names.includes(n));
  t.deepEqual(
    { added, removed },
    { added: [], removed: [] },
    'the public API changed: if that is deliberate, run GENLAB_UPDATE_API=1 npx ava tests/public-api.test.ts and commit tests/fixtures/public-api.txt',
  );
  t.true(names.length > 100, `only ${names.length} public names: is src/index.ts read?`);
});

test('no public name leaks an internal helper', (t) => {
  // Input checks, option resolution and kernel patches are internal: each namespace exports by name.
  const internal = publicNames().filter((line) => /^[a-z]+\.(check[A-Z]\w*|resolve\w*Options|\w*Internal\w*) /.test(line));
  t.deepEqual(internal, []);
});
