/**
 * `ringcast clm nodes | track`: the SA Forum cluster membership tools, through client.clm(). A
 * stable interface: tools outside the project call these commands and read these JSON fields
 * (one object per line with --json):
 *
 *   clm nodes [--json]   {"viewNumber":N,"nodes":[{"nodeId":1,"name":"n1","address":"10.0.0.1","member":true,
 *                          "bootTimestamp":"<ns since epoch, decimal string>","initialViewNumber":N}]}
 *   clm track [--changes-only] [--count N] [--timeout-ms T] [--json]
 *                        without --changes-only the current view first, then one object per change:
 *                        {"viewNumber":N,"numberOfMembers":M,"items":[{"nodeId":3,"change":"LEFT","member":false,...}]}
 *                        --count counts printed notifications; exits 0 after --count or at --timeout-ms.
 *
 * Exit codes: 0 done, 1 the daemon answered with an SA error (its name on stderr), 2 usage error
 * or daemon not reachable.
 */
import { parseArgs } from 'node:util';
import { SaAisError, type ClmHandle, type ClmNode, type ClmNotificationItem, type ClmTrackNotification } from '../client/index.js';
import { connectOrExplain, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, signalOnInterrupt } from './cpg-client.js';

export const CLM_USAGE = `usage: ringcast clm <command> [options]
  clm nodes [--json]                        the current view: every member node's record
  clm track [--changes-only] [--count N] [--timeout-ms T] [--json]
                                            the current view (unless --changes-only), then one line per change;
                                            exits 0 after N notifications or at T ms
Options of both: --state-dir DIR (else RINGCAST_STATE_DIR, else /var/lib/ringcast).`;

const OPTIONS = {
  'state-dir': { type: 'string' },
  json: { type: 'boolean' },
  'changes-only': { type: 'boolean' },
  count: { type: 'string' },
  'timeout-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface TrackOptions {
  readonly changesOnly: boolean;
  readonly count: number | undefined;
  readonly timeoutMs: number | undefined;
}

class UsageError extends Error {}

function positiveInt(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) throw new UsageError(`--${flag} must be an integer >= ${min}, got "${value}"`);
  return Number(value);
}

export async function clmCommand(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: false }));
    if (values.help || command === '-h' || command === '--help') {
      console.log(CLM_USAGE);
      return EXIT_OK;
    }
    if (command === 'nodes') {
      for (const flag of ['changes-only', 'count', 'timeout-ms'] as const) if (values[flag] !== undefined) throw new UsageError(`clm nodes takes no --${flag}`);
    } else if (command !== 'track') {
      throw new UsageError(command === undefined ? 'clm needs a command' : `unknown clm command "${command}"`);
    }
  } catch (err) {
    console.error(`ringcast: ${(err as Error).message}\n${CLM_USAGE}`);
    return EXIT_UNREACHABLE;
  }
  let track: TrackOptions | undefined;
  if (command === 'track') {
    try {
      track = { changesOnly: values['changes-only'] === true, count: positiveInt('count', values.count, 1), timeoutMs: positiveInt('timeout-ms', values['timeout-ms'], 0) };
    } catch (err) {
      console.error(`ringcast: ${(err as Error).message}\n${CLM_USAGE}`);
      return EXIT_UNREACHABLE;
    }
  }
  const json = values.json === true;
  // CliExit (daemon not reachable) propagates to ringcast's main(), which reports it with exit 2.
  const client = await connectOrExplain(values['state-dir']);
  try {
    const clm = await client.clm();
    return track === undefined ? await nodes(clm, json) : await trackChanges(clm, track, json);
  } catch (err) {
    if (!(err instanceof SaAisError)) throw err;
    console.error(`ringcast: ${err.message} [${err.code}]`);
    return EXIT_FAILED;
  } finally {
    await client.close();
  }
}

/** The stable JSON of a node record: exactly these fields, in this order; bootTimestamp as a decimal string. */
export function nodeJson(n: ClmNode): Record<string, unknown> {
  return { nodeId: n.nodeId, name: n.name, address: n.address, member: n.member, bootTimestamp: n.bootTimestamp.toString(), initialViewNumber: n.initialViewNumber };
}

function itemJson(i: ClmNotificationItem): Record<string, unknown> {
  return { nodeId: i.nodeId, change: i.change, member: i.member, name: i.name, address: i.address, bootTimestamp: i.bootTimestamp.toString(), initialViewNumber: i.initialViewNumber };
}

export function notificationJson(n: ClmTrackNotification): Record<string, unknown> {
  return { viewNumber: n.viewNumber, numberOfMembers: n.numberOfMembers, items: n.items.map(itemJson), ...(n.reconnected ? { reconnected: true } : {}) };
}

function bootText(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

async function nodes(clm: ClmHandle, json: boolean): Promise<number> {
  const view = await clm.nodes();
  if (json) {
    console.log(JSON.stringify({ viewNumber: view.viewNumber, nodes: view.nodes.map(nodeJson) }));
    return EXIT_OK;
  }
  console.log(`View ${view.viewNumber}: ${view.nodes.length} member(s)`);
  console.log(`${'Node ID'.padStart(10)}  ${'Name'.padEnd(20)} ${'Address'.padEnd(24)} ${'Booted'.padEnd(24)} Initial view`);
  for (const n of view.nodes) {
    console.log(`${String(n.nodeId).padStart(10)}  ${n.name.padEnd(20)} ${n.address.padEnd(24)} ${bootText(n.bootTimestamp).padEnd(24)} ${n.initialViewNumber}`);
  }
  return EXIT_OK;
}

async function trackChanges(clm: ClmHandle, o: TrackOptions, json: boolean): Promise<number> {
  const interrupt = signalOnInterrupt();
  // One signal for both ends (AbortSignal.any needs Node 20.3; engines allow 20.0).
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort(interrupt.signal.reason);
  interrupt.signal.addEventListener('abort', onInterrupt, { once: true });
  const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => stop.abort(new Error('--timeout-ms reached')), o.timeoutMs);
  const signal = stop.signal;
  let printed = 0;
  try {
    for await (const n of clm.track({ changesOnly: o.changesOnly, signal })) {
      if (json) console.log(JSON.stringify(notificationJson(n)));
      else {
        console.log(`view ${n.viewNumber} (${n.numberOfMembers} member(s))${n.reconnected ? ' after reconnecting' : ''}: ` +
          n.items.map((i) => `${i.nodeId} ${i.change}${i.member ? '' : ' (gone)'} ${i.name}`).join(', '));
      }
      printed++;
      if (o.count !== undefined && printed >= o.count) break;
    }
    return EXIT_OK;
  } catch (err) {
    // --timeout-ms or an interrupt ends tracking normally.
    if (err instanceof SaAisError && err.code === 'ABORT_ERR') return EXIT_OK;
    throw err;
  } finally {
    clearTimeout(timer);
    interrupt.signal.removeEventListener('abort', onInterrupt);
    interrupt.dispose();
  }
}
