/**
 * Command-line parsing for the tools, on top of Node's parseArgs, with messages written for the
 * person at the terminal: `unknown option --conf (did you mean --config?)`, `--count needs a
 * value`, `unexpected argument "x"`. Node's own messages ("Did you forget to specify the option
 * argument... use '--count=-XYZ'") describe the parser, not the command, so parsing runs
 * non-strict and every rule is checked here from the tokens. A value that starts with a dash
 * is taken as the option's value (`--count -5`), and then the option's own check refuses it.
 * Parsing never exits: it returns the values or a UsageError.
 */
import { parseArgs } from 'node:util';
import { closest } from '../config/suggest.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** A usage mistake: the message names the option or argument and, where one is close, the right one. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

export interface ParseOptions {
  /** How many positional arguments the command takes at most (default 0). */
  readonly maxPositionals?: number;
}

/** Parses `args` against `options`, or throws UsageError. `--help`/`-h` is always accepted. */
export function parseCommandArgs(args: readonly string[], options: OptionSpecs, parse: ParseOptions = {}): ParsedArgs {
  const specs: OptionSpecs = { help: { type: 'boolean', short: 'h' }, ...options };
  const { tokens } = parseArgs({ args: [...args], options: { ...specs }, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean | undefined> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const spec = specs[token.name];
    if (spec === undefined) throw new UsageError(unknownOption(token.rawName, specs));
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value (got "${token.value}")`);
      values[token.name] = true;
    } else {
      if (token.value === undefined || token.value === '') throw new UsageError(`--${token.name} needs a value`);
      values[token.name] = token.value;
    }
  }
  const max = parse.maxPositionals ?? 0;
  if (positionals.length > max && values['help'] !== true) {
    const extra = positionals.slice(max).map((p) => `"${p}"`).join(' ');
    throw new UsageError(max === 0 ? `unexpected argument ${extra} (this command takes options only)` : `unexpected argument ${extra}`);
  }
  return { values, positionals };
}

function unknownOption(raw: string, specs: OptionSpecs): string {
  if (!raw.startsWith('--')) {
    const shorts = Object.entries(specs).filter(([, s]) => s.short !== undefined).map(([n, s]) => `-${s.short} (--${n})`);
    return `unknown option ${raw}${shorts.length ? ` (short options here: ${shorts.join(', ')})` : ''}`;
  }
  const name = raw.slice(2);
  // A prefix (--conf for --config) is the likeliest slip; then the nearest by edit distance.
  const prefixed = name.length >= 2 ? Object.keys(specs).filter((k) => k.startsWith(name)) : [];
  const near = prefixed.length === 1 ? prefixed[0] : closest(name, Object.keys(specs));
  return `unknown option ${raw}${near ? ` (did you mean --${near}?)` : ''}`;
}

/** "did you mean" for a word among `choices`, or ''. */
export function didYouMean(word: string, choices: readonly string[]): string {
  const near = closest(word, choices);
  return near ? ` (did you mean ${near}?)` : '';
}

/** An integer option from `min` to `max`, or a message naming the option and the range. */
export function integerOption(text: string | undefined, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | string {
  if (text === undefined) return `--${name} needs a value`;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    return `--${name} must be an integer from ${min} to ${max}, not "${text}"`;
  }
  return n;
}
