/**
 * `ringcast log append|read|watch`: the ordered log service (src/services/orderlog) from the
 * shell, through the client library's generic service handle. Every node keeps the same log in
 * the same order: append on one node, read on any other.
 */
import { ORDERLOG_LINE_MAX_BYTES, ORDERLOG_SERVICE_NAME, OrderLogEvent, OrderLogRequest, decodeAppended, decodeAppendedEvent, decodeSnapshot, encodeLine, encodeU32, validateLine } from '../protocol/orderlog.js';
import { RingcastError, type ServiceHandle } from '../client/index.js';
import { integerOption, parseCommandArgs, UsageError, didYouMean } from './args.js';
import { CliExit, connectOrExplain, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, signalOnInterrupt } from './cpg-client.js';

export const LOG_USAGE = `usage: ringcast log <command> [--state-dir DIR] [--json]
  log append LINE...          append each LINE to the cluster's ordered log; prints its index
  log read [--last N]         the log's count, hash and last N lines (default all it keeps, up to 512)
  log watch [--count N]       print lines as the cluster appends them, until Ctrl-C or N lines
Lines are UTF-8, at most ${ORDERLOG_LINE_MAX_BYTES} bytes, without newlines. Every node applies appends in
one agreed order, so every node's log has the same count, hash and lines.
The daemon is found through --state-dir DIR or RINGCAST_STATE_DIR (default /var/lib/ringcast).`;

/** The most lines a read asks for: the service keeps at most 512 (ORDERLOG_MAX_LINES_LIMIT). */
const READ_LINES_MAX = 512;

const COMMON = { 'state-dir': { type: 'string' }, json: { type: 'boolean' } } as const;

function usage(message: string): CliExit {
  return new CliExit(EXIT_UNREACHABLE, `log: ${message}\n${LOG_USAGE}`);
}

async function withLog<T>(stateDir: string | undefined, fn: (log: ServiceHandle) => Promise<T>): Promise<T> {
  const client = await connectOrExplain(stateDir);
  try {
    return await fn(await client.service(ORDERLOG_SERVICE_NAME));
  } finally {
    await client.close();
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export async function logCommand(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  let parsed;
  try {
    switch (command) {
      case 'append':
        parsed = parseCommandArgs(rest, COMMON, { maxPositionals: 1000 });
        return await append(parsed.positionals, parsed.values);
      case 'read':
        parsed = parseCommandArgs(rest, { ...COMMON, last: { type: 'string' } });
        return await read(parsed.values);
      case 'watch':
        parsed = parseCommandArgs(rest, { ...COMMON, count: { type: 'string' } });
        return await watch(parsed.values);
      case undefined:
        throw usage('needs a command: append, read or watch');
      default:
        throw usage(`unknown log command "${command}"${didYouMean(command, ['append', 'read', 'watch'])}`);
    }
  } catch (err) {
    if (err instanceof UsageError) throw usage(err.message);
    throw err;
  }
}

type Values = Readonly<Record<string, string | boolean | undefined>>;

async function append(lines: readonly string[], v: Values): Promise<number> {
  if (lines.length === 0) throw usage('append needs at least one LINE');
  for (const line of lines) {
    const bad = validateLine(line);
    if (bad) throw usage(`cannot append ${JSON.stringify(line.slice(0, 40))}: ${bad.detail}`);
  }
  return withLog(v['state-dir'] as string | undefined, async (log) => {
    for (const line of lines) {
      const answer = decodeAppended(await log.request(OrderLogRequest.append, encodeLine(line)));
      if (!answer.ok) throw new RingcastError('CS_ERR_LIBRARY', `orderlog append: undecodable answer (${answer.code})`, { reason: 'BAD_RESPONSE' });
      if (v['json'] === true) console.log(JSON.stringify({ index: answer.value.index, hash: hex(answer.value.hash), line }));
      else console.log(`${answer.value.index}: ${line}`);
    }
    return EXIT_OK;
  });
}

async function read(v: Values): Promise<number> {
  const last = v['last'] === undefined ? READ_LINES_MAX : integerOption(v['last'] as string, 'last', 0, READ_LINES_MAX);
  if (typeof last === 'string') throw usage(last);
  return withLog(v['state-dir'] as string | undefined, async (log) => {
    const snap = decodeSnapshot(await log.request(OrderLogRequest.read, encodeU32(last)), READ_LINES_MAX);
    if (!snap.ok) throw new RingcastError('CS_ERR_LIBRARY', `orderlog read: undecodable answer (${snap.code})`, { reason: 'BAD_RESPONSE' });
    const { count, hash, lines } = snap.value;
    if (v['json'] === true) {
      console.log(JSON.stringify({ count, hash: hex(hash), lines }));
      return EXIT_OK;
    }
    console.log(`${count} line(s) appended in all, hash ${hex(hash).slice(0, 16)}; the last ${lines.length}:`);
    lines.forEach((line, i) => console.log(`${count - lines.length + i + 1}: ${line}`));
    return EXIT_OK;
  });
}

async function watch(v: Values): Promise<number> {
  const count = v['count'] === undefined ? undefined : integerOption(v['count'] as string, 'count', 1);
  if (typeof count === 'string') throw usage(count);
  const interrupt = signalOnInterrupt();
  try {
    return await withLog(v['state-dir'] as string | undefined, async (log) => {
      const events = log.events({ signal: interrupt.signal });
      await log.request(OrderLogRequest.track);
      if (v['json'] !== true) console.log(`watching the ordered log on node ${log.nodeId} (Ctrl-C stops)`);
      let seen = 0;
      try {
        for await (const ev of events) {
          if (ev.type === 'disconnected') {
            console.error('ringcast: the connection to ringcastd was lost');
            return EXIT_FAILED;
          }
          if (ev.messageId === OrderLogEvent.reset) {
            console.log('(the log was replaced by a longer one after the ring merged)');
            continue;
          }
          const appended = decodeAppendedEvent(ev.data);
          if (!appended.ok) continue;
          if (v['json'] === true) console.log(JSON.stringify(appended.value));
          else console.log(`${appended.value.index}: ${appended.value.line}`);
          if (count !== undefined && ++seen >= count) break;
        }
      } catch (err) {
        if (!(err instanceof RingcastError && err.code === 'ABORT_ERR')) throw err;
      }
      return EXIT_OK;
    });
  } finally {
    interrupt.dispose();
  }
}
