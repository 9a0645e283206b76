/**
 * CPG through IPC: three ringcastd (placement() of daemons.ts: network namespaces when root) and
 * CPG applications as separate processes (bench/cpg-client.ts) in the root namespace, connected
 * to each daemon's `<state dir>/ringcast.sock` (a Unix socket is a file, not a network address).
 * One application per node joins the group and counts deliveries; scenario `one`: node 1's also
 * sends as fast as the daemon accepts, `all`: every node's does (cpgbench's roles in Corosync's
 * lab). Figures at node 2: delivered msgs/s and MB/s, latency p50/p99 from the send time in each
 * payload, CPU of the three daemons (% of one core) and of the applications.
 */
import { join } from 'node:path';
import { ClientProcess } from './client-process.js';
import { cpuTicks, startBenchRing, type Placement } from './daemons.js';

const CLIENT = join(process.cwd(), 'dist/bench/cpg-client.js');
const GROUP = 'bench';
const WARMUP_MS = 2000;

export type CpgScenario = 'one' | 'all';

export interface CpgBenchResult {
  readonly scenario: CpgScenario;
  readonly sizeBytes: number;
  readonly deliveredPerSec: number;
  readonly mbPerSec: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  /** The three daemons, % of one core. */
  readonly daemonCpuPercent: number;
  /** The three applications, % of one core. */
  readonly clientCpuPercent: number;
  readonly rssMaxMb: number;
}

interface Mark {
  readonly delivered: number;
  readonly bytes: number;
  readonly sent: number;
  readonly p50Us: number | null;
  readonly p99Us: number | null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function benchCpg(where: Placement, scenario: CpgScenario, sizeBytes: number, seconds: number): Promise<CpgBenchResult> {
  const ring = await startBenchRing(where);
  const clients: ClientProcess[] = [];
  try {
    // Sync must have completed before joins are answered; the clients' joins wait it out.
    for (const id of [1, 2, 3]) clients.push(new ClientProcess(CLIENT, [join(ring.stateDir(id), 'ringcast.sock'), GROUP, String(sizeBytes), scenario === 'all' || id === 1 ? '1' : '0', '3'], 'a bench CPG client'));
    for (const c of clients) await c.next();
    for (const c of clients) c.tell('go');
    await sleep(WARMUP_MS);
    const receiver = clients[1]!;
    receiver.tell('mark');
    const m0 = (await receiver.next()) as Mark;
    const d0 = ring.cpuTicks();
    const c0 = clients.reduce((a, c) => a + cpuTicks(c.child.pid!), 0);
    const started = performance.now();
    await sleep(seconds * 1000);
    receiver.tell('mark');
    const m1 = (await receiver.next()) as Mark;
    const elapsed = (performance.now() - started) / 1000;
    const d1 = ring.cpuTicks();
    const c1 = clients.reduce((a, c) => a + cpuTicks(c.child.pid!), 0);
    const delivered = (m1.delivered - m0.delivered) / elapsed;
    return {
      scenario, sizeBytes,
      deliveredPerSec: Math.round(delivered),
      mbPerSec: (m1.bytes - m0.bytes) / elapsed / 1e6,
      p50Ms: m1.p50Us === null ? undefined : m1.p50Us / 1000,
      p99Ms: m1.p99Us === null ? undefined : m1.p99Us / 1000,
      daemonCpuPercent: Math.round((d1 - d0) / elapsed),
      clientCpuPercent: Math.round((c1 - c0) / elapsed),
      rssMaxMb: ring.rssMaxMb(),
    };
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await ring.stop();
  }
}
