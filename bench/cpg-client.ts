/**
 * One CPG application for bench/cpg.ts, run as its own process so the figures include real IPC
 * between processes: `node dist/bench/cpg-client.js SOCKET GROUP SIZE SEND(0|1) MEMBERS`.
 * It joins GROUP through the client library, counts every delivery (and the latency of timed
 * payloads, send time embedded as makeTimedPayload does), and, if SEND, multicasts as fast as the
 * daemon accepts with the handle's full in-flight window. Driven by lines on stdin, answered by
 * JSON lines on stdout:
 *   (start)  → {"ready":true} once the group has MEMBERS members
 *   go       → starts sending
 *   mark     → {"delivered","bytes","sent","p50Us","p99Us"}: counts so far, latency since the last mark
 *   stop     → stops sending, leaves, exits
 */
import { createInterface } from 'node:readline';
import { makeTimedPayload, payloadSentMicros, wallMicros } from '../src/history/payload.js';
import { CpgHandle } from '../src/client/index.js';

/** Latency samples kept between two marks: a flood costs constant memory. */
const SAMPLES_MAX = 200_000;

async function main(): Promise<void> {
  const [socket, group, sizeText, sendText, membersText] = process.argv.slice(2);
  if (!socket || !group || !sizeText || !sendText || !membersText) throw new Error('usage: cpg-client SOCKET GROUP SIZE SEND MEMBERS');
  const size = Number(sizeText);
  const sender = sendText === '1';
  const members = Number(membersText);
  const cpg = await CpgHandle.open(socket);
  let delivered = 0;
  let bytes = 0;
  let sent = 0;
  let samples: number[] = [];
  let seen = 0;
  let groupSize = 0;
  let readyTold = false;
  const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const maybeReady = () => {
    if (!readyTold && groupSize >= members) {
      readyTold = true;
      out({ ready: true });
    }
  };
  cpg.on('confchg', (ev) => {
    groupSize = ev.members.length;
    maybeReady();
  });
  cpg.on('deliver', (ev) => {
    delivered++;
    bytes += ev.data.length;
    const sentAt = payloadSentMicros(ev.data);
    if (sentAt === undefined) return;
    seen++;
    const micros = wallMicros() - sentAt;
    if (samples.length < SAMPLES_MAX) samples.push(micros);
    else samples[(seen * 2654435761) % SAMPLES_MAX] = micros;
  });
  await cpg.join(group);

  let sending = false;
  let stopped = false;
  const sendLoop = async (): Promise<void> => {
    const id = `${cpg.nodeId}.${process.pid}`;
    // The handle pipelines up to its in-flight window and keeps call order; awaiting the oldest
    // keeps our own backlog to that window.
    const pending: Promise<void>[] = [];
    const window = 64;
    while (!stopped) {
      if (pending.length >= window) {
        await pending.shift();
        sent++;
        continue;
      }
      const p = cpg.mcast(group, makeTimedPayload(`${id}:${sent + pending.length + 1}`, size, wallMicros()));
      p.catch(() => {});
      pending.push(p);
    }
    await Promise.allSettled(pending);
  };
  let loop: Promise<void> | undefined;

  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line === 'go' && sender && !sending) {
      sending = true;
      loop = sendLoop();
    } else if (line === 'mark') {
      const sorted = samples.sort((a, b) => a - b);
      const pick = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : null);
      out({ delivered, bytes, sent, p50Us: pick(0.5), p99Us: pick(0.99) });
      samples = [];
      seen = 0;
    } else if (line === 'stop') {
      break;
    }
  }
  stopped = true;
  await loop;
  await cpg.close();
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
