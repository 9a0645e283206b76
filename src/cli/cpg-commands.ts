/**
 * `ringcast cpg list | send | watch`: the CPG tools, through the client library. `send` and
 * `watch` speak the history-id payload format (src/history/payload.ts), so a run of senders and
 * watchers can be judged by the history checker.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { HistoryWriter } from '../history/writer.js';
import { makePayload } from '../history/payload.js';
import { RingcastError, type CpgGroupInfo, type CpgHandle } from '../client/index.js';
import { CPG_USAGE, parseCpgArgs, type CpgListOptions, type CpgSendOptions, type CpgWatchOptions } from './cpg-args.js';
import { connectOrExplain, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, signalOnInterrupt } from './cpg-client.js';
import { WatchRecorder } from './cpg-history.js';
import { corosyncRingId } from '../protocol/ring-id.js';

export async function cpgCommand(args: string[]): Promise<number> {
  const parsed = parseCpgArgs(args);
  if (!parsed.ok) {
    console.error(`ringcast: ${parsed.message}\n${CPG_USAGE}`);
    return EXIT_UNREACHABLE;
  }
  const o = parsed.options;
  // CliExit and RingcastError propagate to ringcast's main(), which reports them.
  switch (o.command) {
    case 'list': return await list(o);
    case 'send': return await send(o);
    case 'watch': return await watch(o);
  }
}

async function withHandle<T>(stateDir: string | undefined, fn: (cpg: CpgHandle) => Promise<T>): Promise<T> {
  const client = await connectOrExplain(stateDir);
  try {
    return await fn(await client.cpg());
  } finally {
    await client.close();
  }
}

async function list(o: CpgListOptions): Promise<number> {
  const groups = await withHandle(o.stateDir, (cpg) => cpg.groups());
  if (o.json) {
    console.log(JSON.stringify({ groups: groups.map(({ group, members }) => ({ group, members })) }));
    return EXIT_OK;
  }
  console.log(formatGroups(groups));
  return EXIT_OK;
}

/** corosync-cpgtool's layout: the group name, then one indented line per member. */
export function formatGroups(groups: readonly CpgGroupInfo[]): string {
  const lines = [`${'Group Name'.padEnd(24)}${'PID'.padStart(10)}${'Node ID'.padStart(12)}`];
  for (const g of groups) {
    lines.push(g.group);
    for (const m of g.members) lines.push(`${''.padEnd(24)}${String(m.pid).padStart(10)}${String(m.nodeId).padStart(12)}`);
  }
  if (groups.length === 0) lines.push('(no groups)');
  return lines.join('\n');
}

export interface SendSummary {
  readonly group: string;
  readonly sent: number;
  readonly size: number;
  readonly guarantee: 'agreed' | 'safe';
  readonly elapsedMs: number;
  readonly msgsPerSec: number;
  readonly tryAgain: number;
  readonly firstId: string | undefined;
  readonly lastId: string | undefined;
  readonly interrupted: boolean;
}

async function send(o: CpgSendOptions): Promise<number> {
  const interrupt = signalOnInterrupt();
  try {
    const summary = await withHandle(o.stateDir, (cpg) => sendAll(cpg, o, interrupt.signal));
    if (o.json) console.log(JSON.stringify(summary));
    else {
      console.log(`sent ${summary.sent} message(s) of ${summary.size} bytes to "${summary.group}" (${summary.guarantee}) in ` +
        `${(summary.elapsedMs / 1000).toFixed(3)} s: ${summary.msgsPerSec} msgs/s, ${summary.tryAgain} try-again` +
        `${summary.interrupted ? ' (interrupted)' : ''}`);
      if (summary.firstId) console.log(`ids ${summary.firstId} .. ${summary.lastId}`);
    }
    return summary.interrupted ? EXIT_FAILED : EXIT_OK;
  } finally {
    interrupt.dispose();
  }
}

/**
 * Joins, sends `count` messages paced to `rate` with up to `inFlight` awaiting their answers
 * (the handle keeps them in call order, the daemon holds rather than refuses: FIFO), leaves.
 */
export async function sendAll(cpg: CpgHandle, o: CpgSendOptions, signal: AbortSignal): Promise<SendSummary> {
  const node = await cpg.localNodeId({ signal });
  const boot = String(process.pid);
  await cpg.join(o.group, { signal });
  // An interrupt closes the handle: that settles every pending mcast at once (and the daemon
  // reports this process as gone from the group), so no mcast needs a listener of its own.
  const onInterrupt = (): void => void cpg.close();
  signal.addEventListener('abort', onInterrupt, { once: true });
  const start = performance.now();
  let sent = 0;
  // Answers come in call order, so the oldest pending mcast is the next to settle.
  const pending: Promise<void>[] = [];
  try {
    for (let n = 1; n <= o.count && !signal.aborted; n++) {
      if (o.rate > 0) {
        const dueMs = start + ((n - 1) * 1000) / o.rate - performance.now();
        if (dueMs > 1) await delay(dueMs, undefined, { signal }).catch(() => {});
        if (signal.aborted) break;
      }
      if (pending.length >= o.inFlight) {
        await pending.shift();
        sent++;
      }
      const p = cpg.mcast(o.group, makePayload(`${node}.${boot}:${n}`, o.size), { guarantee: o.guarantee });
      p.catch(() => {}); // awaited below; this only keeps a later failure from being unhandled meanwhile
      pending.push(p);
    }
    while (pending.length > 0 && !signal.aborted) {
      await pending.shift();
      sent++;
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener('abort', onInterrupt);
  }
  const elapsedMs = performance.now() - start;
  if (!signal.aborted) await cpg.leave(o.group);
  return {
    group: o.group, sent, size: o.size, guarantee: o.guarantee, elapsedMs: Math.round(elapsedMs * 1000) / 1000,
    msgsPerSec: elapsedMs > 0 ? Math.round((sent * 1000) / elapsedMs) : sent, tryAgain: cpg.stats.tryAgain,
    firstId: sent > 0 ? `${node}.${boot}:1` : undefined, lastId: sent > 0 ? `${node}.${boot}:${sent}` : undefined,
    interrupted: signal.aborted,
  };
}

async function watch(o: CpgWatchOptions): Promise<number> {
  const interrupt = signalOnInterrupt();
  // Without --history nothing is recorded: the recorder still counts, into a sink that drops.
  const writer = o.history === undefined ? undefined : new HistoryWriter(o.history);
  const recorder = new WatchRecorder(writer ?? { write: () => {}, close: () => {} }, o.group);
  const started = performance.now();
  let outcome = 'stopped' as 'stopped' | 'lost';
  try {
    await withHandle(o.stateDir, async (cpg) => {
      recorder.start(cpg.nodeId, String(process.pid));
      const events = cpg.events({ signal: interrupt.signal });
      await cpg.join(o.group, { initialTotemConfchg: true, signal: interrupt.signal });
      if (!o.json) console.log(`watching "${o.group}" on node ${cpg.nodeId} as pid ${process.pid}${o.history ? `, recording to ${o.history}` : ''} (Ctrl-C stops)`);
      try {
        for await (const ev of events) {
          if (ev.type === 'disconnected') {
            outcome = 'lost';
            break;
          }
          const counted = recorder.onEvent(ev);
          if (!o.json) describeEvent(ev, o.group);
          if (counted && o.count !== undefined && recorder.counts.deliveries >= o.count) break;
        }
      } catch (err) {
        if (!(err instanceof RingcastError && err.code === 'ABORT_ERR')) throw err;
      }
      if (outcome === 'stopped') {
        await cpg.leave(o.group);
        recorder.stop();
      }
    });
  } finally {
    writer?.close();
    interrupt.dispose();
  }
  const summary = { group: o.group, ...(o.history === undefined ? {} : { history: o.history }), ...recorder.counts, elapsedMs: Math.round(performance.now() - started), outcome };
  if (o.json) console.log(JSON.stringify(summary));
  else if (o.history === undefined) console.log(`${summary.deliveries} deliveries, ${summary.configs} ring configuration(s)`);
  else console.log(`${summary.deliveries} deliveries (${summary.recorded} with history ids), ${summary.configs} ring configuration(s) written to ${o.history}`);
  if (outcome === 'lost') {
    console.error('ringcast: the connection to ringcastd was lost');
    return EXIT_FAILED;
  }
  return EXIT_OK;
}

/** Longest part of a delivery's payload shown on the terminal. */
const SHOWN_PAYLOAD_BYTES = 120;

/** A delivery's payload for the terminal: its text when it is printable UTF-8, else a hex prefix. */
export function describePayload(data: Uint8Array): string {
  const head = data.subarray(0, SHOWN_PAYLOAD_BYTES);
  const more = data.length > head.length ? ` ... (${data.length} bytes)` : '';
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head);
  } catch {
    text = undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (text !== undefined && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) return JSON.stringify(text) + more;
  return `0x${Buffer.from(head).toString('hex')}${more}`;
}

function describeEvent(ev: Parameters<WatchRecorder['onEvent']>[0], group: string): void {
  if (ev.type === 'totemConfchg') console.log(`ring ${corosyncRingId({ rep: ev.ringId.nodeId, seq: ev.ringId.seq })}: nodes ${ev.nodes.join(' ')}`);
  else if (ev.type === 'deliver' && ev.group === group) console.log(`deliver from ${ev.nodeId}/${ev.pid}: ${describePayload(ev.data)}`);
  else if (ev.type === 'confchg') {
    const who = (l: readonly { nodeId: number; pid: number; reason: string }[]) => l.map((m) => `${m.nodeId}/${m.pid} (${m.reason})`).join(', ');
    const parts = [ev.joined.length ? `joined ${who(ev.joined)}` : '', ev.left.length ? `left ${who(ev.left)}` : ''].filter(Boolean);
    console.log(`${ev.group}: ${parts.join('; ')}; ${ev.members.length} member(s)`);
  }
}
