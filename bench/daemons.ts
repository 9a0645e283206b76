/**
 * Three real ringcastd processes (AES-256-GCM on) fed by their own `--load`: delivered messages/s
 * and MB/s at node 2, delivery latency p50/p99 from node 2's status file, daemon CPU (sum of the
 * three, % of one core) and the largest RSS. Placement: network namespaces on one bridge, the
 * same topology as the Corosync runs (bench/corosync.ts), when this runs as root with
 * iproute2; loopback (127.0.0.1-3) otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, writeKeyFile } from '../src/net/crypto/index.js';
import type { DaemonStatus } from '../src/protocol/status.js';
import { NetnsLab, labAvailable } from '../test/lab/netns.js';
import { DAEMON_NODE_FLAGS } from '../src/cli/daemon-node-flags.js';

const DAEMON = join(process.cwd(), 'dist/src/cli/ringcastd.js');

export type Scenario = 'light' | 'one' | 'all';

export interface DaemonBenchResult {
  readonly scenario: Scenario;
  readonly sizeBytes: number;
  readonly deliveredPerSec: number;
  readonly mbPerSec: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly cpuPercent: number;
  readonly rssMaxMb: number;
  /**
   * The same daemon's private memory (RSS less pages shared with other processes): what it costs
   * beyond the `node` executable and libraries, which every Node process maps from one page cache.
   */
  readonly privateMb: number;
}

/** Where the three daemons run: their addresses and how to start a process at each. */
export interface Placement {
  readonly name: string;
  /** Network namespaces on a bridge, as Corosync's lab: the only placement a ratio may compare. */
  readonly namespaces: boolean;
  address(id: number): string;
  spawn(id: number, args: readonly string[]): ChildProcess;
  close(): void;
}

function loopback(): Placement {
  return {
    name: 'loopback 127.0.0.1-3',
    namespaces: false,
    address: (id) => `127.0.0.${id}`,
    spawn: (_id, args) => spawn(process.execPath, args, { stdio: 'ignore' }),
    close: () => {},
  };
}

function namespaces(): Placement {
  const lab = NetnsLab.create(3);
  return {
    name: 'network namespaces on a bridge (veth), as Corosync\'s lab',
    namespaces: true,
    address: (id) => lab.address(id),
    // `ip netns exec` execs the command: the child's pid is the daemon's.
    spawn: (id, args) => lab.spawnIn(id, process.execPath, args, { stdio: 'ignore' }),
    close: () => lab.destroy(),
  };
}

export function placement(): Placement {
  if (process.env.BENCH_LOOPBACK === '1') return loopback();
  if (!labAvailable().ok) installLabTools();
  const lab = labAvailable();
  if (!lab.ok) console.log(`network namespaces unavailable (${lab.reason}): ringcast runs on loopback`);
  return lab.ok ? namespaces() : loopback();
}

/** As .ci/run: as root, install iproute2 and nftables when missing (scripts/install-lab-tools.sh). */
function installLabTools(): void {
  if (process.getuid?.() !== 0) return;
  const r = spawnSync('sh', [join(process.cwd(), 'scripts/install-lab-tools.sh')], { stdio: 'inherit' });
  if (r.status !== 0) console.log('scripts/install-lab-tools.sh failed: the bench runs without network namespaces');
}

export function cpuTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/**
 * The `--load` rate of a full-load sender: more than a ring carries (about 200 MB/s offered, at
 * least 2,000 messages/s), so the load generator's backlog bound, not the rate, paces it.
 */
export function fullLoadRate(sizeBytes: number): number {
  return Math.max(2000, Math.floor(200_000_000 / Math.max(sizeBytes, 1000)));
}

/** Resident pages no other process maps (Private_Clean + Private_Dirty), in KiB; 0 if unreadable. */
export function privateKb(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return field('Private_Clean') + field('Private_Dirty');
  } catch {
    return 0;
  }
}

function status(dir: string): DaemonStatus | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as DaemonStatus;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Extra Node.js flags from an environment variable (for example `--cpu-prof --cpu-prof-dir=/tmp/p`), for profiling a bench case. */
export function nodeFlags(variable: string): string[] {
  return (process.env[variable] ?? '').split(/\s+/).filter(Boolean);
}

/** Three daemons of one ring (AES on), started with `extraArgs(id)`, their state dirs `dir/s<id>`. */
export interface BenchRing {
  readonly dir: string;
  readonly procs: readonly ChildProcess[];
  stateDir(id: number): string;
  /** CPU ticks (1/100 s) of the three daemons so far. */
  cpuTicks(): number;
  rssMaxMb(): number;
  stop(): Promise<void>;
}

export async function startBenchRing(where: Placement, extraArgs: (id: number) => readonly string[] = () => []): Promise<BenchRing> {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-bench-'));
  writeKeyFile(join(dir, 'authkey'), generateKey());
  writeFileSync(join(dir, 'c.conf'), `totem {\n  version: 2\n  cluster_name: bench\n  token: 1000\n  token_coefficient: 0\n  netmtu: ${process.env.BENCH_NETMTU ?? 1500}\n${process.env.BENCH_TOTEM ? `  ${process.env.BENCH_TOTEM}\n` : ''}  keyfile: ${join(dir, 'authkey')}\n}\nnodelist {\n${[1, 2, 3]
    .map((i) => `  node {\n    ring0_addr: ${where.address(i)}\n    nodeid: ${i}\n  }`).join('\n')}\n}\n` +
    (process.env.BENCH_FRAME_SIZE || process.env.BENCH_RINGCAST
      ? `ringcast {\n${process.env.BENCH_FRAME_SIZE ? `  frame_size: ${process.env.BENCH_FRAME_SIZE}\n` : ''}${process.env.BENCH_RINGCAST ? `  ${process.env.BENCH_RINGCAST}\n` : ''}}\n`
      : ''));
  const procs: ChildProcess[] = [1, 2, 3].map((i) =>
    where.spawn(i, [...DAEMON_NODE_FLAGS, ...nodeFlags('BENCH_DAEMON_NODE_ARGS'), DAEMON, '--config', join(dir, 'c.conf'), '--nodeid', String(i), '--state-dir', join(dir, `s${i}`), ...extraArgs(i)]));
  const ring: BenchRing = {
    dir,
    procs,
    stateDir: (id) => join(dir, `s${id}`),
    cpuTicks: () => procs.reduce((a, p) => a + cpuTicks(p.pid!), 0),
    rssMaxMb: () => Math.round(Math.max(...procs.map((p) => rssKb(p.pid!))) / 1024),
    stop: async () => {
      await Promise.all(procs.map((p) => new Promise<void>((resolve) => {
        if (p.exitCode !== null || p.signalCode !== null) return resolve();
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      })));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (let waited = 0; !(status(join(dir, 's2'))?.members.length === 3); waited += 100) {
      if (waited > 15_000) throw new Error('the bench ring did not form');
      await sleep(100);
    }
  } catch (err) {
    await ring.stop();
    throw err;
  }
  return ring;
}

export async function benchDaemons(where: Placement, scenario: Scenario, sizeBytes: number, seconds: number): Promise<DaemonBenchResult> {
  // Full load: ask for far more than the ring carries; the generator keeps a bounded backlog.
  const rate = scenario === 'light' ? 200 : fullLoadRate(sizeBytes);
  // BENCH_SENDER picks the sending node of the light and one scenarios (default 1, the
  // representative); 3 is the member the token reaches last.
  const sender = Number(process.env.BENCH_SENDER ?? 1);
  const ring = await startBenchRing(where, (i) => (scenario === 'all' || i === sender ? ['--load', `${rate}:${sizeBytes}`] : []));
  const dir = ring.dir;
  const procs = ring.procs;
  try {
    await sleep(2000);
    const d0 = status(join(dir, 's2'))!.counters.deliveries!;
    const t0 = procs.reduce((a, p) => a + cpuTicks(p.pid!), 0);
    const started = Date.now();
    const p50: number[] = [];
    const p99: number[] = [];
    while (Date.now() - started < seconds * 1000) {
      await sleep(1000);
      const lat = status(join(dir, 's2'))?.latencyMicros;
      if (lat) {
        p50.push(lat.p50);
        p99.push(lat.p99);
      }
    }
    const elapsed = (Date.now() - started) / 1000;
    const d1 = status(join(dir, 's2'))!.counters.deliveries!;
    const t1 = procs.reduce((a, p) => a + cpuTicks(p.pid!), 0);
    const rssOf = procs.map((p) => rssKb(p.pid!));
    const rss = Math.max(...rssOf);
    const largest = procs[rssOf.indexOf(rss)]!;
    const median = (xs: number[]): number | undefined => (xs.length ? xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]! / 1000 : undefined);
    const delivered = (d1 - d0) / elapsed;
    return {
      scenario, sizeBytes, deliveredPerSec: Math.round(delivered), mbPerSec: (delivered * sizeBytes) / 1e6,
      p50Ms: median(p50), p99Ms: median(p99), cpuPercent: Math.round((t1 - t0) / elapsed), rssMaxMb: Math.round(rss / 1024),
      privateMb: Math.round(privateKb(largest.pid!) / 1024),
    };
  } finally {
    await ring.stop();
  }
}
