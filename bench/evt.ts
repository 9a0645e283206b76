/**
 * EVT through IPC: three ringcastd (placement() of daemons.ts), one publisher process on node 1
 * publishing 1 KiB events as fast as the daemon accepts, and N subscribers spread over the three
 * daemons (one subscriber process per node holding its share), every subscriber with its own
 * channel open and a pass-all subscription, either each on its own handle (layout `handles`: N
 * IPC connections) or all of a process's on one handle (`opens`: three connections). Figures: events/s delivered to each
 * subscriber (the mean) and in total, latency p50/p99 from publish time over all subscribers,
 * lost-event notices, CPU of the daemons.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { ClientProcess } from './client-process.js';
import { cpuTicks, startBenchRing, type Placement } from './daemons.js';

const CLIENT = join(process.cwd(), 'dist/bench/evt-client.js');
const WARMUP_MS = 2000;

/** `handles`: one EvtHandle (IPC connection) per subscriber; `opens`: one per process, each subscriber a channel open on it. */
export type EvtLayout = 'handles' | 'opens';

export interface EvtBenchResult {
  readonly subscribers: number;
  readonly layout: EvtLayout;
  readonly sizeBytes: number;
  /** Events/s each subscriber received (total / subscribers). */
  readonly perSubscriberPerSec: number;
  readonly totalPerSec: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly lost: number;
  readonly daemonCpuPercent: number;
  /** CPU of the subscriber processes (sum, % of one core). */
  readonly clientCpuPercent: number;
  /** CPU of daemons and subscriber processes per delivery, µs: what bounds the total on a given machine. */
  readonly cpuMicrosPerDelivery: number | undefined;
  readonly rssMaxMb: number;
  /** Deliveries per IPC frame over the three daemons (status.json, written about once a second). */
  readonly deliveriesPerFrame: number | undefined;
}

/** Sum over the three daemons of the EVT service's delivered and frames counters. */
function evtCounters(stateDir: (id: number) => string): { delivered: number; frames: number } {
  let delivered = 0;
  let frames = 0;
  for (const id of [1, 2, 3]) {
    try {
      const evt = JSON.parse(readFileSync(join(stateDir(id), 'status.json'), 'utf8'))?.exec?.evt;
      delivered += Number(evt?.delivered ?? 0);
      frames += Number(evt?.frames ?? 0);
    } catch {
      // Being rewritten: counted as 0, the figure then reads '-'.
    }
  }
  return { delivered, frames };
}

interface Mark {
  readonly delivered: number;
  readonly bytes: number;
  readonly lost: number;
  readonly p50Us: number | null;
  readonly p99Us: number | null;
}

/** EVT clients wait up to 60 s for an answer (100 subscribers take long to set up). */
const evtClient = (args: string[]): ClientProcess => new ClientProcess(CLIENT, args, 'a bench EVT client', 60_000);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Weighted p50/p99: each process's percentile weighted by its delivery count (an approximation across processes). */
function weighted(marks: { m: Mark; n: number }[], key: 'p50Us' | 'p99Us'): number | undefined {
  const parts = marks.filter((x) => x.m[key] !== null && x.n > 0);
  const total = parts.reduce((a, x) => a + x.n, 0);
  if (total === 0) return undefined;
  return parts.reduce((a, x) => a + x.m[key]! * x.n, 0) / total / 1000;
}

export async function benchEvt(where: Placement, subscribers: number, sizeBytes: number, seconds: number, layout: EvtLayout = 'handles'): Promise<EvtBenchResult> {
  const ring = await startBenchRing(where);
  const procs: ClientProcess[] = [];
  try {
    const share = [1, 2, 3].map((id) => Math.floor(subscribers / 3) + (id <= subscribers % 3 ? 1 : 0));
    // The first subscriber goes to node 2, as the CPG bench measures at node 2.
    const order = [2, 3, 1];
    const subs: ClientProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const n = share[i]!;
      if (n === 0) continue;
      subs.push(evtClient([join(ring.stateDir(order[i]!), 'ringcast.sock'), 'sub', String(sizeBytes), String(n), layout]));
    }
    const pub = evtClient([join(ring.stateDir(1), 'ringcast.sock'), 'pub', String(sizeBytes), '1']);
    procs.push(...subs, pub);
    for (const p of procs) await p.next();
    pub.tell('go');
    await sleep(WARMUP_MS);
    const mark = async (): Promise<Mark[]> => {
      for (const s of subs) s.tell('mark');
      return Promise.all(subs.map(async (s) => (await s.next()) as Mark));
    };
    const clientTicks = (): number => subs.reduce((a, p) => a + cpuTicks(p.child.pid!), 0);
    const m0 = await mark();
    const f0 = evtCounters(ring.stateDir);
    const d0 = ring.cpuTicks();
    const c0 = clientTicks();
    const started = performance.now();
    await sleep(seconds * 1000);
    const m1 = await mark();
    const elapsed = (performance.now() - started) / 1000;
    const d1 = ring.cpuTicks();
    const c1 = clientTicks();
    const f1 = evtCounters(ring.stateDir);
    const counts = m1.map((m, i) => ({ m, n: m.delivered - m0[i]!.delivered }));
    const total = counts.reduce((a, x) => a + x.n, 0) / elapsed;
    return {
      subscribers, layout, sizeBytes,
      perSubscriberPerSec: Math.round(total / subscribers),
      totalPerSec: Math.round(total),
      p50Ms: weighted(counts, 'p50Us'),
      p99Ms: weighted(counts, 'p99Us'),
      lost: m1.reduce((a, m) => a + m.lost, 0),
      daemonCpuPercent: Math.round((d1 - d0) / elapsed),
      clientCpuPercent: Math.round((c1 - c0) / elapsed),
      // Ticks are 10 ms of CPU.
      cpuMicrosPerDelivery: total > 0 ? ((d1 - d0 + c1 - c0) * 10_000) / elapsed / total : undefined,
      rssMaxMb: ring.rssMaxMb(),
      deliveriesPerFrame: f1.frames > f0.frames && f0.frames > 0 ? (f1.delivered - f0.delivered) / (f1.frames - f0.frames) : undefined,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await ring.stop();
  }
}
