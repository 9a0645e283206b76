/**
 * `ringcast cmap`: corosync-cmapctl for ringcast. Lines are `key (type) = value` as its print_key
 * writes them (tools/corosync-cmapctl.c), messages and exit codes are its: 0 done, 1 for anything
 * that failed, usage errors and an unreachable daemon included (as the C tool, so scripts written
 * for it keep working; the other ringcast commands use 2 for those).
 *
 *   ringcast cmap get KEY...                  cmapctl -g (missing: "Can't get key K. Error CS_ERR_NOT_EXIST", exit 1)
 *   ringcast cmap set KEY TYPE VALUE          cmapctl -s (types i8 u8 i16 u16 i32 u32 i64 u64 flt dbl str bin)
 *   ringcast cmap delete KEY...               cmapctl -d (stops at the first failure)
 *   ringcast cmap dump [PREFIX...]            cmapctl [prefix...] (exit 1 when no prefix matched a key)
 *   ringcast cmap track PREFIX [--key]        cmapctl -T (or -t with --key): `Type "q" to finish`, then
 *                                             `create> `, `modify> `, `delete> ` lines until q or end of input
 *   --json   one object per line: {"key","type","value"} (see docs/cmap.md for the value forms);
 *            track adds "event" (add, modify, delete) and, for modify, "oldType" and "oldValue"
 *   --binary print bin values (cmapctl -b); --map stats reads the stats map (cmapctl -m stats)
 */
import { createInterface } from 'node:readline';
import type { CmapHandle, CmapItem, CmapNotice, RingcastClient } from '../client/index.js';
import { RingcastError } from '../client/index.js';
import { formatLine, parseValueText } from '../protocol/cmap-values.js';
import { parseCommandArgs, UsageError, integerOption } from './args.js';
import { CliExit, connectOrExplain, EXIT_FAILED, EXIT_OK, signalOnInterrupt } from './cpg-client.js';

export const CMAP_USAGE = `usage: ringcast cmap get KEY... | set KEY TYPE VALUE | delete KEY... | dump [PREFIX...] | track PREFIX [--key]
  the local node's runtime map, as corosync-cmapctl prints it: "key (type) = value"; exit 0 done, 1 failed
  get KEY...           print the keys (cmapctl -g)
  set KEY TYPE VALUE   TYPE: i8 u8 i16 u16 i32 u32 i64 u64 flt dbl str bin (cmapctl -s; bin takes the text's bytes)
  delete KEY...        delete the keys (cmapctl -d)
  dump [PREFIX...]     every key, or every key under each prefix, in byte order (cmapctl [prefix])
  track PREFIX         print create>/modify>/delete> lines for keys under PREFIX (cmapctl -T) until "q" or end of input
    --key              track the one key PREFIX names (cmapctl -t)
    --count N          stop after N changes      --timeout-ms T   stop after T ms
  --json               one object per line: {"key":…,"type":"u32","value":…}
  --binary             also print bin values (cmapctl -b)
  --map stats          read the stats map (cmapctl -m stats)
  --state-dir DIR      the daemon's state directory (default: RINGCAST_STATE_DIR, else /var/lib/ringcast)`;

const OPTIONS = {
  'state-dir': { type: 'string' }, json: { type: 'boolean' }, binary: { type: 'boolean', short: 'b' }, map: { type: 'string', short: 'm' },
  key: { type: 'boolean' }, count: { type: 'string' }, 'timeout-ms': { type: 'string' },
} as const;

interface Flags {
  readonly json: boolean;
  readonly binary: boolean;
  readonly stats: boolean;
}

/** The JSON form of a value: 64-bit integers as decimal strings (JSON numbers lose them), bin as base64. */
export function jsonValue(i: CmapItem): string | number {
  switch (i.type) {
    case 'i64': case 'u64': return (i.value as bigint).toString();
    case 'bin': return Buffer.from(i.value as Uint8Array).toString('base64');
    case 'str': return i.value as string;
    case 'flt': case 'dbl': return Number.isFinite(i.value as number) ? (i.value as number) : String(i.value);
    default: return Number(i.value as bigint);
  }
}

function printItem(i: CmapItem, f: Flags): void {
  if (f.json) console.log(JSON.stringify({ key: i.key, type: i.type, value: jsonValue(i) }));
  else console.log(formatLine(i.key, i.raw, { binary: f.binary }));
}

/** A line of corosync-cmapctl's notify callback, or its JSON form. */
export function noticeLine(n: CmapNotice, f: Pick<Flags, 'json' | 'binary'>): string {
  const shown = n.event === 'delete' ? n.oldValue! : n.newValue!;
  if (f.json) {
    return JSON.stringify({
      event: n.event, key: n.key, type: shown.type, value: jsonValue(shown),
      ...(n.event === 'modify' && n.oldValue ? { oldType: n.oldValue.type, oldValue: jsonValue(n.oldValue) } : {}),
    });
  }
  const word = n.event === 'add' ? 'create' : n.event;
  return `${word}> ${formatLine(n.key, shown.raw, { binary: f.binary })}`;
}

/** corosync-cmapctl writes its own messages, unprefixed, on stderr; the exit code follows. */
function failWith(message: string): CliExit {
  return new CliExit(EXIT_FAILED, message);
}

export async function cmapCommand(args: string[]): Promise<number> {
  try {
    return await cmapMain(args);
  } catch (err) {
    // corosync-cmapctl's messages go out as it writes them, without ringcast's prefix.
    if (!(err instanceof CliExit)) throw err;
    console.error(err.message);
    return err.exitCode;
  }
}

async function cmapMain(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandArgs(args, OPTIONS, { maxPositionals: Infinity });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new CliExit(EXIT_FAILED, `${err.message}\n${CMAP_USAGE}`);
  }
  const { values, positionals } = parsed;
  const [action, ...rest] = positionals;
  const map = values['map'] as string | undefined;
  if (map !== undefined && !['stats', 'icmap', 'default'].includes(map)) throw new CliExit(EXIT_FAILED, `Unknown map name ${map}`);
  const flags: Flags = { json: values['json'] === true, binary: values['binary'] === true, stats: map === 'stats' };
  if (action === undefined || !['get', 'set', 'delete', 'dump', 'track'].includes(action)) {
    throw new CliExit(EXIT_FAILED, `${action === undefined ? 'an action is needed' : `unknown action "${action}"`}\n${CMAP_USAGE}`);
  }
  if ((action === 'get' || action === 'delete' || action === 'track') && rest.length === 0) throw new CliExit(EXIT_FAILED, 'Expected key after options');
  if (action === 'set' && rest.length < 3) throw new CliExit(EXIT_FAILED, 'At least 3 parameters are expected for set');
  // cmapctl parses the value before it connects: a bad value fails without a daemon too.
  const setValue = action === 'set' ? parseValueText(rest[1]!, rest[2]!) : undefined;
  if (setValue && !setValue.ok) throw new CliExit(EXIT_FAILED, setValue.message);
  const count = values['count'] === undefined ? undefined : integerOption(values['count'] as string, 'count', 1);
  const timeoutMs = values['timeout-ms'] === undefined ? undefined : integerOption(values['timeout-ms'] as string, 'timeout-ms', 1);
  for (const v of [count, timeoutMs]) if (typeof v === 'string') throw new CliExit(EXIT_FAILED, `${v}\n${CMAP_USAGE}`);

  let client: RingcastClient;
  let cmap: CmapHandle;
  try {
    client = await connectOrExplain(values['state-dir'] as string | undefined);
  } catch (err) {
    if (!(err instanceof CliExit)) throw err;
    throw new CliExit(EXIT_FAILED, `Failed to initialize the cmap API. Error CS_ERR_LIBRARY\n${err.message}`);
  }
  try {
    try {
      cmap = await client.cmap();
      if (flags.stats) await cmap.useMap('stats');
    } catch (err) {
      if (!(err instanceof RingcastError)) throw err;
      throw failWith(`Failed to initialize the cmap API. Error ${err.code}`);
    }
    switch (action) {
      case 'get': return await get(cmap, rest, flags);
      case 'set': return await set(cmap, rest[0]!, (setValue as { ok: true; value: Parameters<CmapHandle['setValue']>[1] }).value);
      case 'delete': return await del(cmap, rest);
      case 'dump': return await dump(cmap, rest, flags);
      default: return await track(cmap, rest, flags, values['key'] === true, count as number | undefined, timeoutMs as number | undefined);
    }
  } finally {
    await client.close();
  }
}

async function get(cmap: CmapHandle, keys: string[], f: Flags): Promise<number> {
  for (const key of keys) {
    let i: CmapItem;
    try {
      i = await cmap.get(key);
    } catch (err) {
      if (!(err instanceof RingcastError)) throw err;
      throw failWith(`Can't get key ${key}. Error ${err.code}`);
    }
    printItem(i, f);
  }
  return EXIT_OK;
}

async function set(cmap: CmapHandle, key: string, value: Parameters<CmapHandle['setValue']>[1]): Promise<number> {
  try {
    await cmap.setValue(key, value);
  } catch (err) {
    if (!(err instanceof RingcastError)) throw err;
    throw failWith(`Failed to set key ${key}. Error ${err.code}`);
  }
  return EXIT_OK;
}

async function del(cmap: CmapHandle, keys: string[]): Promise<number> {
  for (const key of keys) {
    try {
      await cmap.delete(key);
    } catch (err) {
      if (!(err instanceof RingcastError)) throw err;
      throw failWith(`Can't delete key ${key}. Error ${err.code}`);
    }
  }
  return EXIT_OK;
}

async function dump(cmap: CmapHandle, prefixes: string[], f: Flags): Promise<number> {
  let empty = 0;
  for (const prefix of prefixes.length ? prefixes : ['']) {
    let any = false;
    try {
      for await (const i of cmap.entries(prefix)) {
        any = true;
        printItem(i, f);
      }
    } catch (err) {
      if (!(err instanceof RingcastError)) throw err;
      throw failWith(`Failed to initialize iteration. Error ${err.code}`);
    }
    if (!any) empty++;
  }
  // cmapctl: exit 1 when no key was found for every prefix given.
  return empty > 0 && empty >= Math.max(prefixes.length, 1) ? EXIT_FAILED : EXIT_OK;
}

async function track(cmap: CmapHandle, keys: string[], f: Flags, exact: boolean, count: number | undefined, timeoutMs: number | undefined): Promise<number> {
  const interrupt = signalOnInterrupt();
  const stop = new AbortController();
  const signal = AbortSignal.any([interrupt.signal, stop.signal]);
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop.abort(), timeoutMs);
  // cmapctl ends on a line starting with "q" or at the end of its input.
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (line.startsWith('q')) stop.abort();
  });
  input.on('close', () => stop.abort());
  const iterators = keys.map((k) => cmap.track(k, { prefix: !exact, signal }));
  if (!f.json) console.log('Type "q" to finish');
  let seen = 0;
  try {
    await Promise.all(iterators.map(async (it) => {
      for await (const n of it) {
        console.log(noticeLine(n, f));
        if (count !== undefined && ++seen >= count) stop.abort();
      }
    }));
  } catch (err) {
    if (!(err instanceof RingcastError)) throw err;
    if (err.code !== 'ABORT_ERR') throw failWith(`Failed to add tracking function. Error ${err.code}`);
  } finally {
    if (timer) clearTimeout(timer);
    input.close();
    interrupt.dispose();
  }
  return EXIT_OK;
}
