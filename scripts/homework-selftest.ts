/**
 * The fast self-test of the assignments: runs an assignment's implement-task cells directly in
 * Node (no Jupyter kernel), in notebook order, as the master, as the release and once per wrong
 * solution (tests/fixtures/homework/wrong/<task>.ts replacing that task's block), and reads what
 * each `homework.check` concluded. Train-task cells, and the cells that use what they define, are
 * left out: they run only in the real kernel (`npm run homework -- check NN --master`).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import ts from 'typescript';
import type { CheckResult, CheckStatus } from '../src/homework/check';
import { codeCells, replaceBlocks, masterMarkdown, slugOf, solutionBlocks, WRONG_DIR } from './homework-notebooks';

type Genlab = typeof import('../src/index');

/**
 * A cell as statements that share the notebook's scope but fail alone, as in Jupyter: its top-level
 * declarations become assignments to names declared once for the whole notebook (`hoisted`), and
 * the cell runs in its own try block.
 */
function isolateCell(code: string, index: number, hoisted: Set<string>): string {
  const file = ts.createSourceFile(`cell${index}.ts`, code, ts.ScriptTarget.ES2022, true);
  const functions: string[] = [];
  const body: string[] = [];
  const names = (name: ts.BindingName): string[] =>
    ts.isIdentifier(name) ? [name.text] : name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : names(e.name)));
  for (const s of file.statements) {
    if (ts.isVariableStatement(s) && !s.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) {
      for (const d of s.declarationList.declarations) {
        names(d.name).forEach((n) => hoisted.add(n));
        if (d.initializer) body.push(`(${d.name.getText(file)} = (${d.initializer.getText(file)}));`);
      }
    } else if (ts.isFunctionDeclaration(s) && s.name && s.body) {
      hoisted.add(s.name.text);
      functions.push(`${s.name.text} = ${s.getText(file).replace(/^export\s+/, '')};`);
    } else if (ts.isClassDeclaration(s) && s.name) {
      hoisted.add(s.name.text);
      body.push(`${s.name.text} = ${s.getText(file)};`);
    } else {
      body.push(s.getText(file));
    }
  }
  return `// cell ${index}\ntry {\n${[...functions, ...body].join('\n')}\n} catch (e) { __cellError(${index}, e); }`;
}

/** Names a cell declares at its top level (const/let/var/function/class, destructuring included). */
function declaredNames(code: string): string[] {
  const hoisted = new Set<string>();
  isolateCell(code, 0, hoisted);
  return [...hoisted];
}

/** `import { a, b as c } from 'genlab'` -> `const { a, b: c } = __genlab;` (only genlab may be imported). */
function rewriteImports(code: string): string {
  return code
    .replace(/^\s*import\s*\{([^}]*)\}\s*from\s*['"]genlab['"]\s*;?/gm, (_, names: string) => `const {${names.replace(/\bas\b/g, ':')}} = __genlab;`)
    .replace(/^\s*import\s*\*\s*as\s+(\w+)\s+from\s*['"]genlab['"]\s*;?/gm, 'const $1 = __genlab;')
    .replace(/^\s*import\s+type\s.*$/gm, '');
}

/**
 * The script of an assignment's implement cells: one async function over the cells in order,
 * without the cells of `skipTasks` (train tasks) and the cells that use their names; it stops
 * after the check cell of `stopAfter` when given.
 */
export function implementScript(markdown: string, skipTasks: Set<string>, stopAfter?: string): { js: string; cells: number[] } {
  const cells = codeCells(markdown);
  const blocked = new Set<string>();
  const kept: number[] = [];
  const parts: string[] = [];
  const hoisted = new Set<string>();
  for (let i = 0; i < cells.length; i++) {
    const code = cells[i];
    const taskLine = /\/\/\s*task:\s*(\S+)/.exec(code);
    const checks = [...code.matchAll(/homework\.check\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    const uses = (name: string) => new RegExp(`(^|[^\\w$.])${name.replace(/\$/g, '\\$')}\\b`).test(code);
    const skip = (taskLine && skipTasks.has(taskLine[1])) || checks.some((c) => skipTasks.has(c)) || [...blocked].some(uses);
    if (skip) {
      declaredNames(code).forEach((n) => blocked.add(n));
      continue;
    }
    kept.push(i);
    parts.push(isolateCell(rewriteImports(code), i, hoisted));
    if (stopAfter && checks.includes(stopAfter)) break;
  }
  const declare = hoisted.size ? `let ${[...hoisted].join(', ')};\n` : '';
  const source = `async function __cells(__genlab, require, __cellError) {\n${declare}${parts.join('\n')}\n}`;
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS } }).outputText;
  return { js, cells: kept };
}

export interface VariantRun {
  results: Map<string, CheckResult>;
  /** The cells that threw, with their messages. */
  cellErrors: { cell: number; message: string }[];
  /** What stopped the script early, if anything. */
  error?: string;
  output: string[];
  seconds: number;
}

/** Runs an implement script with genlab's own module; collects the checks' results and the printed lines. */
export async function runScript(js: string, genlab: Genlab): Promise<VariantRun> {
  const started = Date.now();
  const fn = vm.runInThisContext(`${js}\n;__cells`, { filename: 'homework-selftest.js' }) as (g: Genlab, r: NodeRequire, onError: (cell: number, e: unknown) => void) => Promise<void>;
  const cellErrors: { cell: number; message: string }[] = [];
  const first = genlab.homework.history.length;
  const output: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void output.push(args.map(String).join(' '));
  let error: string | undefined;
  const before = genlab.tf.memory().numTensors;
  try {
    await fn(genlab, require, (cell, e) => void cellErrors.push({ cell, message: (e as Error)?.message ?? String(e) }));
  } catch (e) {
    error = (e as Error)?.message ?? String(e);
  } finally {
    console.log = log;
  }
  void before;
  // A check cell that calls the stub before its check stops at the stub: "not implemented yet".
  for (const { message } of cellErrors) {
    const m = /^(\d\d\.[\w-]+): not implemented yet/.exec(message);
    if (m && !genlab.homework.history.slice(first).some((r) => r.task === m[1])) {
      genlab.homework.history.push(notImplementedResult(m[1], genlab));
    }
  }
  const results = new Map<string, CheckResult>();
  for (const r of genlab.homework.history.slice(first)) results.set(r.task, r);
  return { results, cellErrors, error, output, seconds: (Date.now() - started) / 1000 };
}

function notImplementedResult(task: string, genlab: Genlab): CheckResult {
  const t = genlab.homework.findTask(task);
  return { task, title: t?.title ?? '', status: 'not-implemented', points: 0, maxPoints: t?.points ?? 0, message: 'not implemented yet (the cell stopped at the stub)', seed: 'practice', quick: false, seconds: 0 };
}

/** One expectation of the self-test and what happened. */
export interface SelfTestRow {
  assignment: string;
  variant: string;
  task: string;
  want: CheckStatus;
  got: CheckStatus | 'not reached';
  message: string;
  ok: boolean;
}

export function wrongFixture(taskId: string, dir = WRONG_DIR): string | undefined {
  const file = path.join(dir, `${taskId}.ts`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

/** A wrong answer's message must say what differs: not a stub's, not a failure of the check itself. */
export function namesADifference(message: string): boolean {
  return message.length > 20 && !/not implemented|the check itself failed|did not load|there is no task/.test(message);
}

/**
 * The self-test of one master: its implement tasks pass as written, say "not implemented yet"
 * when released, and fail with a message naming what differs for each wrong solution.
 */
export async function selfTest(master: string, genlab: Genlab, options: { variants?: ('master' | 'release' | 'wrong')[]; train?: boolean } = {}): Promise<SelfTestRow[]> {
  const slug = slugOf(master);
  const number = slug.slice(0, 2);
  const markdown = fs.readFileSync(master, 'utf8');
  const tasks = genlab.homework.tasksOf(number);
  const implement = tasks.filter((t) => t.kind === 'implement').map((t) => t.id);
  const train = new Set(tasks.filter((t) => t.kind === 'train').map((t) => t.id));
  const blocks = solutionBlocks(markdown, master);
  const rows: SelfTestRow[] = [];
  const variants = options.variants ?? ['master', 'release', 'wrong'];
  const loadError = genlab.homework.loadErrorOf(number);
  if (loadError) return [{ assignment: slug, variant: 'load', task: number, want: 'passed', got: 'failed', message: loadError, ok: false }];
  const expect = (variant: string, run: VariantRun, task: string, want: CheckStatus) => {
    const r = run.results.get(task);
    const got = r?.status ?? 'not reached';
    const message = r?.message ?? (run.error ? `the script stopped: ${run.error}` : `no check cell ran for it${run.cellErrors.length ? ` (cell ${run.cellErrors[0].cell}: ${run.cellErrors[0].message})` : ''}`);
    const ok = got === want && (want !== 'failed' || namesADifference(message));
    rows.push({ assignment: slug, variant, task, want, got, message, ok });
  };
  if (variants.includes('master')) {
    // With train: every cell of the master, train tasks included (their bars in quick mode when GENLAB_QUICK=1).
    const run = await runScript(implementScript(masterMarkdown(markdown), options.train ? new Set() : train).js, genlab);
    for (const id of options.train ? tasks.map((t) => t.id) : implement) expect('master', run, id, 'passed');
  }
  if (variants.includes('release')) {
    const run = await runScript(implementScript(replaceBlocks(markdown), train).js, genlab);
    for (const id of implement) expect('release', run, id, 'not-implemented');
  }
  if (variants.includes('wrong')) {
    for (const id of implement) {
      const wrong = wrongFixture(id);
      if (wrong === undefined) {
        rows.push({ assignment: slug, variant: `wrong ${id}`, task: id, want: 'failed', got: 'not reached', message: `no wrong solution tests/fixtures/homework/wrong/${id}.ts`, ok: false });
        continue;
      }
      if (!blocks.some((b) => b.taskId === id)) {
        rows.push({ assignment: slug, variant: `wrong ${id}`, task: id, want: 'failed', got: 'not reached', message: `the master has no solution block for ${id}`, ok: false });
        continue;
      }
      const text = replaceBlocks(markdown, (b) => (b.taskId === id ? wrong : b.text));
      const run = await runScript(implementScript(text, train, id).js, genlab);
      expect(`wrong ${id}`, run, id, 'failed');
    }
  }
  return rows;
}
