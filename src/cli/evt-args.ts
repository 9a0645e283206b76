/**
 * Argument parsing for `ringcast evt ...` (a stable interface: flags and JSON fields are fixed by
 * issue 9), apart from the commands so it is tested without a daemon. Never exits: returns the
 * options or the usage error's message.
 */
import { parseArgs } from 'node:util';

export const EVT_USAGE = `usage: ringcast evt <command> [--state-dir DIR] [--json]
  evt publish CHANNEL [--pattern P]... [--priority 0-3] [--retention-ms MS] [--publisher NAME]
                      [--data TEXT | --data-file F] [--count N] [--json]
                                           open CHANNEL (create, publisher), publish N events, print each event id
  evt subscribe CHANNEL [--filter prefix:P|suffix:P|exact:P|all]... [--count N] [--timeout-ms T] [--json]
                                           open CHANNEL (create, subscriber), print one line per delivery;
                                           no --filter means pass-all; exit 0 after N deliveries or at T ms
  evt unlink CHANNEL                       unlink the channel (existing opens keep it)
  evt clear CHANNEL EVENT_ID               clear a retained event's retention
  evt channels [--json]                    every channel instance with its opens and retained events
Patterns and filters are the UTF-8 bytes given, without a terminator. Exit 0 done, 1 with the SA
error name on stderr when the service refused, 2 usage error or daemon not reachable.`;

export interface EvtCommon {
  readonly stateDir: string | undefined;
  readonly json: boolean;
}

export type EvtFilterArg = { readonly type: 'prefix' | 'suffix' | 'exact'; readonly pattern: string } | { readonly type: 'passAll' };

export type EvtCliOptions =
  | (EvtCommon & {
    readonly command: 'publish';
    readonly channel: string;
    readonly patterns: string[];
    readonly priority: 0 | 1 | 2 | 3;
    readonly retentionMs: number;
    readonly publisher: string;
    readonly data: { readonly text: string } | { readonly file: string } | undefined;
    readonly count: number;
  })
  | (EvtCommon & {
    readonly command: 'subscribe';
    readonly channel: string;
    readonly filters: EvtFilterArg[];
    readonly count: number | undefined;
    readonly timeoutMs: number | undefined;
  })
  | (EvtCommon & { readonly command: 'unlink'; readonly channel: string })
  | (EvtCommon & { readonly command: 'clear'; readonly channel: string; readonly eventId: bigint })
  | (EvtCommon & { readonly command: 'channels' });

export type EvtParse = { readonly ok: true; readonly options: EvtCliOptions } | { readonly ok: false; readonly message: string };

const COMMON = { 'state-dir': { type: 'string' }, json: { type: 'boolean' } } as const;

function int(text: string | undefined, name: string, min: number, max: number): number | string {
  if (text === undefined) return `--${name} needs a value`;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) return `--${name} must be an integer from ${min} to ${max}, not "${text}"`;
  return n;
}

export function parseFilter(text: string): EvtFilterArg | string {
  if (text === 'all') return { type: 'passAll' };
  const colon = text.indexOf(':');
  const type = colon < 0 ? '' : text.slice(0, colon);
  if (type !== 'prefix' && type !== 'suffix' && type !== 'exact') return `--filter must be prefix:P, suffix:P, exact:P or all, not "${text}"`;
  return { type, pattern: text.slice(colon + 1) };
}

export function parseEvtArgs(args: readonly string[]): EvtParse {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'publish': {
        const { values, positionals } = parseArgs({
          args: rest, allowPositionals: true, strict: true,
          options: {
            ...COMMON, pattern: { type: 'string', multiple: true }, priority: { type: 'string' }, 'retention-ms': { type: 'string' },
            publisher: { type: 'string' }, data: { type: 'string' }, 'data-file': { type: 'string' }, count: { type: 'string' },
          },
        });
        if (positionals.length !== 1) return { ok: false, message: 'evt publish needs exactly one CHANNEL' };
        if (values.data !== undefined && values['data-file'] !== undefined) return { ok: false, message: '--data and --data-file exclude each other' };
        const priority = int(values.priority ?? '3', 'priority', 0, 3);
        const retentionMs = int(values['retention-ms'] ?? '0', 'retention-ms', 0, Number.MAX_SAFE_INTEGER);
        const count = int(values.count ?? '1', 'count', 1, Number.MAX_SAFE_INTEGER);
        for (const v of [priority, retentionMs, count]) if (typeof v === 'string') return { ok: false, message: v };
        return {
          ok: true,
          options: {
            command, stateDir: values['state-dir'], json: values.json === true, channel: positionals[0]!, patterns: values.pattern ?? [],
            priority: priority as 0 | 1 | 2 | 3, retentionMs: retentionMs as number, publisher: values.publisher ?? '', count: count as number,
            data: values.data !== undefined ? { text: values.data } : values['data-file'] !== undefined ? { file: values['data-file'] } : undefined,
          },
        };
      }
      case 'subscribe': {
        const { values, positionals } = parseArgs({
          args: rest, allowPositionals: true, strict: true,
          options: { ...COMMON, filter: { type: 'string', multiple: true }, count: { type: 'string' }, 'timeout-ms': { type: 'string' } },
        });
        if (positionals.length !== 1) return { ok: false, message: 'evt subscribe needs exactly one CHANNEL' };
        const filters: EvtFilterArg[] = [];
        for (const f of values.filter ?? []) {
          const parsed = parseFilter(f);
          if (typeof parsed === 'string') return { ok: false, message: parsed };
          filters.push(parsed);
        }
        const count = values.count === undefined ? undefined : int(values.count, 'count', 1, Number.MAX_SAFE_INTEGER);
        const timeoutMs = values['timeout-ms'] === undefined ? undefined : int(values['timeout-ms'], 'timeout-ms', 1, 0x7fffffff);
        for (const v of [count, timeoutMs]) if (typeof v === 'string') return { ok: false, message: v };
        return {
          ok: true,
          options: {
            command, stateDir: values['state-dir'], json: values.json === true, channel: positionals[0]!,
            filters: filters.length === 0 ? [{ type: 'passAll' }] : filters, count: count as number | undefined, timeoutMs: timeoutMs as number | undefined,
          },
        };
      }
      case 'unlink':
      case 'channels': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: COMMON });
        const want = command === 'unlink' ? 1 : 0;
        if (positionals.length !== want) return { ok: false, message: command === 'unlink' ? 'evt unlink needs exactly one CHANNEL' : 'evt channels takes no arguments' };
        const common = { stateDir: values['state-dir'], json: values.json === true };
        return { ok: true, options: command === 'unlink' ? { command, ...common, channel: positionals[0]! } : { command, ...common } };
      }
      case 'clear': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: COMMON });
        if (positionals.length !== 2 || !/^\d+$/.test(positionals[1]!)) return { ok: false, message: 'evt clear needs CHANNEL and a decimal EVENT_ID' };
        const eventId = BigInt(positionals[1]!);
        if (eventId >= 1n << 64n) return { ok: false, message: `EVENT_ID ${positionals[1]} does not fit 64 bits` };
        return { ok: true, options: { command, stateDir: values['state-dir'], json: values.json === true, channel: positionals[0]!, eventId } };
      }
      default:
        return { ok: false, message: command === undefined ? 'evt needs a command' : `unknown evt command "${command}"` };
    }
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}
