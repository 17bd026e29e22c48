/**
 * The command-line parser of every script and experiment: Node's `util.parseArgs` (strict, so an
 * unknown flag is an error) plus typed values checked before anything runs.
 *
 *   const args = parseCommand('dcgan-timing', process.argv.slice(2), {
 *     flags: { steps: { kind: 'positiveInteger', default: 30, help: 'timed steps per setting' } },
 *   });
 *   args.steps; // 30, or the number given; '--steps abc' stops with
 *               // "dcgan-timing: --steps must be a positive integer, got 'abc'"
 *
 * Flags are always `--name value` (or `--name=value`); a boolean flag takes no value.
 * `--help` prints the usage built from the `help` strings and exits.
 */
import { parseArgs } from 'util';

/** What a flag's value must be. Lists are comma-separated: `--seeds 0,1,2`. */
export type FlagKind =
  | 'string'
  | 'boolean'
  | 'number'
  | 'positive'
  | 'nonNegative'
  | 'positiveInteger'
  | 'nonNegativeInteger'
  | 'numbers'
  | 'integers';

type ValueOf<K extends FlagKind> = K extends 'string' ? string : K extends 'boolean' ? boolean : K extends 'numbers' | 'integers' ? readonly number[] : number;

export interface Flag<K extends FlagKind = FlagKind> {
  kind: K;
  /** Used when the flag is not given; without one the value is undefined (a boolean is false). */
  default?: ValueOf<K>;
  /** For 'string': the values allowed. */
  choices?: readonly string[];
  /** One line for `--help` and `--list`. */
  help: string;
}

export interface CommandSpec {
  flags: Record<string, Flag>;
  /** Words that are not flags: their meaning, for `--help` (none allowed when absent). */
  positionals?: { help: string; choices?: readonly string[]; max?: number };
  /** Lines printed above the flags by `--help`. */
  usage?: string;
}

type FlagValue<F> = F extends Flag<infer K>
  ? F extends { default: unknown } ? ValueOf<K> : K extends 'boolean' ? boolean : ValueOf<K> | undefined
  : never;

export type Parsed<S extends CommandSpec> = { [N in keyof S['flags']]: FlagValue<S['flags'][N]> } & {
  /** The words that are not flags, in order. */
  positionals: string[];
  /** The flags given on the command line (not defaulted). */
  given: Set<string>;
};

/** Thrown for a bad command line; `main` wrappers print only its message. */
export class UsageError extends Error {}

const DESCRIBE: Record<FlagKind, string> = {
  string: 'a string',
  boolean: 'no value',
  number: 'a number',
  positive: 'a positive number',
  nonNegative: 'a non-negative number',
  positiveInteger: 'a positive integer',
  nonNegativeInteger: 'a non-negative integer',
  numbers: 'comma-separated numbers',
  integers: 'comma-separated integers',
};

function convert(command: string, name: string, flag: Flag, raw: string): unknown {
  const fail = (): never => {
    throw new UsageError(`${command}: --${name} must be ${flag.choices ? `one of ${flag.choices.join(', ')}` : DESCRIBE[flag.kind]}, got '${raw}'`);
  };
  const number = (text: string): number => {
    const v = text.trim() === '' ? NaN : Number(text);
    return Number.isFinite(v) ? v : fail();
  };
  switch (flag.kind) {
    case 'string':
      if (flag.choices && !flag.choices.includes(raw)) fail();
      return raw;
    case 'number':
      return number(raw);
    case 'positive':
      return number(raw) > 0 ? Number(raw) : fail();
    case 'nonNegative':
      return number(raw) >= 0 ? Number(raw) : fail();
    case 'positiveInteger':
      return Number.isInteger(number(raw)) && Number(raw) > 0 ? Number(raw) : fail();
    case 'nonNegativeInteger':
      return Number.isInteger(number(raw)) && Number(raw) >= 0 ? Number(raw) : fail();
    case 'numbers':
      return raw.split(',').map(number);
    case 'integers':
      return raw.split(',').map((s) => (Number.isInteger(number(s)) ? Number(s) : fail()));
    default:
      return fail();
  }
}

/** The usage text `--help` prints. */
export function usage(command: string, spec: CommandSpec): string {
  const lines = [spec.usage ?? `usage: ${command} [flags]${spec.positionals ? ' [words]' : ''}`];
  if (spec.positionals) lines.push(`  words: ${spec.positionals.help}`);
  for (const [name, flag] of Object.entries(spec.flags)) {
    const value = flag.kind === 'boolean' ? '' : ` <${flag.choices ? flag.choices.join('|') : DESCRIBE[flag.kind]}>`;
    const fallback = flag.default === undefined || flag.kind === 'boolean' ? '' : ` (default ${String(flag.default)})`;
    lines.push(`  --${name}${value}  ${flag.help}${fallback}`);
  }
  return lines.join('\n');
}

/**
 * Parses `argv` (without node and the script) against `spec`. Throws a UsageError naming the
 * command and the flag for an unknown flag, a missing or malformed value, or a word too many.
 */
export function parseCommand<const S extends CommandSpec>(command: string, argv: string[], spec: S): Parsed<S> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage(command, spec));
    process.exit(0);
  }
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, flag] of Object.entries(spec.flags)) options[name] = { type: flag.kind === 'boolean' ? 'boolean' : 'string' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: spec.positionals !== undefined });
  } catch (error) {
    // Node's messages name the flag ("Unknown option '--stpes'"); say which command and how to list flags.
    const message = (error as Error).message;
    const flag = /'(--[^' ]+)/.exec(message)?.[1];
    if (/ambiguous/.test(message) && flag) {
      throw new UsageError(`${command}: ${flag} needs a value (write ${flag}=-1 for a value that starts with a dash)`);
    }
    throw new UsageError(`${command}: ${message.split('\n')[0].replace(/\. To specify .*$/, '')} (${command} --help lists the flags)`);
  }
  const result: Record<string, unknown> = { positionals: parsed.positionals, given: new Set(Object.keys(parsed.values)) };
  for (const [name, flag] of Object.entries(spec.flags)) {
    const raw = parsed.values[name];
    if (flag.kind === 'boolean') result[name] = raw === undefined ? (flag.default ?? false) : raw;
    else result[name] = raw === undefined ? flag.default : convert(command, name, flag, raw as string);
  }
  const words = spec.positionals;
  if (words) {
    if (words.max !== undefined && parsed.positionals.length > words.max) {
      throw new UsageError(`${command}: expected at most ${words.max} word(s) besides flags (${words.help}), got ${parsed.positionals.map((p) => `'${p}'`).join(' ')}`);
    }
    for (const word of parsed.positionals) {
      if (words.choices && !words.choices.includes(word)) {
        throw new UsageError(`${command}: '${word}' is not one of ${words.choices.join(', ')}`);
      }
    }
  }
  return result as Parsed<S>;
}

/** `parseCommand` for a script's top level: a bad command line prints its message and exits 2. */
export function parseCommandOrExit<const S extends CommandSpec>(command: string, argv: string[], spec: S): Parsed<S> {
  try {
    return parseCommand(command, argv, spec);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

/**
 * Runs an async `main`, printing a UsageError as its message alone and any other error with
 * its stack, and exits non-zero on either.
 */
export function run(main: () => Promise<void>): void {
  main().catch((error) => {
    console.error(error instanceof UsageError ? error.message : error);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
