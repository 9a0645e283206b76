/**
 * One EVT application process for bench/evt.ts: `node dist/bench/evt-client.js SOCKET ROLE SIZE N [LAYOUT]`.
 * ROLE `pub`: one handle opens the channel (create, publisher) and, on `go`, publishes SIZE-byte
 * events as fast as the daemon accepts them (64 in flight). ROLE `sub`: N subscribers, each with
 * its own channel open (create, subscriber) and pass-all subscription; LAYOUT `handles` (the
 * default): each subscriber on its own EvtHandle (N IPC connections); `opens`: all N opens on one
 * EvtHandle (one connection; the daemon sends each event once with its N targets, evt-shared.ts),
 * whose credit window is the backlog N handles would have had (N windows and N daemon queues, less
 * the one daemon queue it has), at most the daemon's 65536.
 * Every delivery is counted; every 8th has its latency from the event's publish time taken (the
 * publisher's wall clock, same host). Lines on stdin,
 * JSON lines on stdout, as bench/cpg-client.ts:
 *   (start) → {"ready":true}   go → start publishing   mark → {"delivered","bytes","lost","p50Us","p99Us"}   stop → exit
 */
import { createInterface } from 'node:readline';
import { EvtHandle } from '../src/client/index.js';

const CHANNEL = 'bench';
const SAMPLES_MAX = 50_000;
const LATENCY_STRIDE = 8;
const IN_FLIGHT = 64;
/** The client's default credit window, per subscriber in the handles layout; the daemon takes at most 65536 per connection. */
const CREDIT_WINDOW = 256;
const CREDITS_MAX = 65536;
/** The daemon's default delivery queue (event.delivery_queue_size): per handle, so per subscriber in the handles layout. */
const DAEMON_QUEUE = 1000;

async function main(): Promise<void> {
  const [socket, role, sizeText, countText, layout = 'handles'] = process.argv.slice(2);
  if (!socket || (role !== 'pub' && role !== 'sub') || !sizeText || !countText || (layout !== 'handles' && layout !== 'opens')) {
    throw new Error('usage: evt-client SOCKET pub|sub SIZE N [handles|opens]');
  }
  const size = Number(sizeText);
  const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
  let delivered = 0;
  let bytes = 0;
  let lost = 0;
  let seen = 0;
  let samples: number[] = [];
  const handles: EvtHandle[] = [];
  let stopped = false;
  let loop: Promise<void> | undefined;
  let publish: (() => Promise<void>) | undefined;

  if (role === 'sub') {
    const n = Number(countText);
    // The opens layout's one handle gets the backlog N handles would have (their windows and their
    // daemon queues) as its window: the daemon's one queue is shared by its N subscribers.
    const window = Math.min(CREDITS_MAX, (CREDIT_WINDOW + DAEMON_QUEUE) * n - DAEMON_QUEUE);
    const shared = layout === 'opens' ? await EvtHandle.open(socket, { creditWindow: Math.max(CREDIT_WINDOW, window), batchDeliveries: 1024 }) : undefined;
    if (shared) handles.push(shared);
    for (let i = 0; i < n; i++) {
      const h = shared ?? await EvtHandle.open(socket, { creditWindow: CREDIT_WINDOW });
      if (!shared) handles.push(h);
      const ch = await h.openChannel(CHANNEL, { create: true, subscriber: true });
      const sub = await ch.subscribe();
      void (async () => {
        for await (const ev of sub) {
          if (ev.lost) {
            lost++;
            continue;
          }
          delivered++;
          bytes += ev.data.length;
          // Latency of one delivery in LATENCY_STRIDE (a uniform subsample: the clock read and the
          // bigint arithmetic per delivery cost as much as the rest of the loop).
          if (delivered % LATENCY_STRIDE !== 0) continue;
          const micros = (performance.timeOrigin + performance.now()) * 1000 - Number(ev.publishTimeNs / 1000n);
          seen++;
          if (samples.length < SAMPLES_MAX) samples.push(micros);
          else samples[(seen * 2654435761) % SAMPLES_MAX] = micros;
        }
      })().catch(() => {});
    }
  } else {
    const h = await EvtHandle.open(socket);
    handles.push(h);
    const ch = await h.openChannel(CHANNEL, { create: true, publisher: true });
    const data = new Uint8Array(size).fill(0x61);
    publish = async () => {
      const pending: Promise<bigint>[] = [];
      while (!stopped) {
        if (pending.length >= IN_FLIGHT) {
          await pending.shift()!.catch(() => 0n);
          continue;
        }
        const p = ch.publish({ patterns: ['bench'], priority: 2, data });
        p.catch(() => {});
        pending.push(p);
      }
      await Promise.allSettled(pending);
    };
  }
  out({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'go' && publish && !loop) loop = publish();
    else if (line === 'mark') {
      const sorted = samples.sort((a, b) => a - b);
      const pick = (q: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!) : null);
      out({ delivered, bytes, lost, p50Us: pick(0.5), p99Us: pick(0.99) });
      samples = [];
      seen = 0;
    } else if (line === 'stop') break;
  }
  stopped = true;
  await loop;
  await Promise.all(handles.map((h) => h.close()));
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
