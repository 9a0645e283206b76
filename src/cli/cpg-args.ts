/**
 * Argument parsing for `ringcast cpg ...`, kept apart from the commands so it can be tested
 * without a daemon. Parsing never exits: it returns the options or a message for the usage error.
 */
import { didYouMean, integerOption as integer, parseCommandArgs, UsageError, type OptionSpecs } from './args.js';

export const CPG_USAGE = `usage: ringcast cpg <command> [--state-dir DIR] [--json]
  cpg list [--json]                                    groups and their members (like corosync-cpgtool)
  cpg send GROUP [--count N] [--size BYTES] [--rate MSGS_PER_S] [--guarantee agreed|safe] [--in-flight N] [--json]
                                                       join GROUP, multicast N messages with history ids, leave
                                                       (--in-flight: mcasts pipelined at once, default 64; 1 = one by one)
  cpg watch GROUP [--history FILE] [--count N] [--json]
                                                       join GROUP and print its deliveries and ring changes until
                                                       SIGINT/SIGTERM or N deliveries; --history FILE also records
                                                       them for the checker (ringcast check FILE...)
The daemon is found through --state-dir DIR or RINGCAST_STATE_DIR (default /var/lib/ringcast).`;

/** Largest message `cpg send` builds: CPG's default messageBytesMax (1 MiB). */
export const SEND_SIZE_MAX = 1024 * 1024;
/** The daemon's per-connection in-flight window: more would only wait in the client. */
export const SEND_IN_FLIGHT_DEFAULT = 64;

export interface CommonOptions {
  readonly stateDir: string | undefined;
  readonly json: boolean;
}

export interface CpgListOptions extends CommonOptions {
  readonly command: 'list';
}

export interface CpgSendOptions extends CommonOptions {
  readonly command: 'send';
  readonly group: string;
  readonly count: number;
  /** Bytes per message; the id and its separator are always there, so a smaller size means no padding. */
  readonly size: number;
  /** Messages per second; 0 sends as fast as the daemon accepts them. */
  readonly rate: number;
  readonly guarantee: 'agreed' | 'safe';
  /** Mcasts awaiting their answer at once (the order holds regardless); 1 sends one by one. */
  readonly inFlight: number;
}

export interface CpgWatchOptions extends CommonOptions {
  readonly command: 'watch';
  readonly group: string;
  /** Where to record the history (docs/history.md); undefined: print only. */
  readonly history: string | undefined;
  /** Stop after this many deliveries; undefined: until a signal. */
  readonly count: number | undefined;
}

export type CpgOptions = CpgListOptions | CpgSendOptions | CpgWatchOptions;
export type ParseResult<T> = { readonly ok: true; readonly options: T } | { readonly ok: false; readonly message: string };

const COMMON: OptionSpecs = { 'state-dir': { type: 'string' }, json: { type: 'boolean' } };

function groupArg(positionals: readonly string[], command: string): string | { message: string } {
  if (positionals.length !== 1) return { message: `cpg ${command} needs a GROUP: ringcast cpg ${command} GROUP` };
  const group = positionals[0]!;
  const bytes = Buffer.byteLength(group, 'utf8');
  if (bytes === 0 || bytes > 128) return { message: `GROUP must be 1 to 128 bytes, "${group}" is ${bytes}` };
  return group;
}

interface Parsed {
  readonly values: Record<string, unknown>;
  readonly positionals: readonly string[];
}

function parse(args: string[], options: OptionSpecs, maxPositionals = 0): Parsed | string {
  try {
    const { values, positionals } = parseCommandArgs(args, options, { maxPositionals });
    return { values: values as Record<string, unknown>, positionals };
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
}

export function parseCpgArgs(args: string[]): ParseResult<CpgOptions> {
  const [command, ...rest] = args;
  switch (command) {
    case 'list': return parseList(rest);
    case 'send': return parseSend(rest);
    case 'watch': return parseWatch(rest);
    case undefined: return { ok: false, message: 'cpg needs a command: list, send or watch' };
    default: return { ok: false, message: `unknown cpg command "${command}"${didYouMean(command, ['list', 'send', 'watch'])}` };
  }
}

function parseList(args: string[]): ParseResult<CpgListOptions> {
  const r = parse(args, COMMON);
  if (typeof r === 'string') return { ok: false, message: r };
  if (r.positionals.length > 0) return { ok: false, message: `cpg list takes no arguments, got "${r.positionals.join(' ')}"` };
  return { ok: true, options: { command: 'list', ...common(r.values) } };
}

function parseSend(args: string[]): ParseResult<CpgSendOptions> {
  const r = parse(args, { ...COMMON, count: { type: 'string' }, size: { type: 'string' }, rate: { type: 'string' }, guarantee: { type: 'string' }, 'in-flight': { type: 'string' } }, 1);
  if (typeof r === 'string') return { ok: false, message: r };
  const group = groupArg(r.positionals, 'send');
  if (typeof group !== 'string') return { ok: false, ...group };
  const v = r.values as Record<string, string | undefined>;
  const count = v['count'] === undefined ? 1 : integer(v['count'], 'count', 1);
  const size = v['size'] === undefined ? 64 : integer(v['size'], 'size', 0, SEND_SIZE_MAX);
  const rate = v['rate'] === undefined ? 0 : integer(v['rate'], 'rate', 0, 10_000_000);
  const inFlight = v['in-flight'] === undefined ? SEND_IN_FLIGHT_DEFAULT : integer(v['in-flight'], 'in-flight', 1, 4096);
  for (const x of [count, size, rate, inFlight]) if (typeof x === 'string') return { ok: false, message: x };
  const guarantee = v['guarantee'] ?? 'agreed';
  if (guarantee !== 'agreed' && guarantee !== 'safe') return { ok: false, message: `--guarantee must be agreed or safe, not "${guarantee}"` };
  return {
    ok: true,
    options: { command: 'send', group, count: count as number, size: size as number, rate: rate as number, guarantee, inFlight: inFlight as number, ...common(r.values) },
  };
}

function parseWatch(args: string[]): ParseResult<CpgWatchOptions> {
  const r = parse(args, { ...COMMON, history: { type: 'string' }, count: { type: 'string' } }, 1);
  if (typeof r === 'string') return { ok: false, message: r };
  const group = groupArg(r.positionals, 'watch');
  if (typeof group !== 'string') return { ok: false, ...group };
  const v = r.values as Record<string, string | undefined>;
  const history = v['history'];
  const count = v['count'] === undefined ? undefined : integer(v['count'], 'count', 1);
  if (typeof count === 'string') return { ok: false, message: count };
  return { ok: true, options: { command: 'watch', group, history, count, ...common(r.values) } };
}

function common(values: Record<string, unknown>): CommonOptions {
  return { stateDir: values['state-dir'] as string | undefined, json: values['json'] === true };
}
