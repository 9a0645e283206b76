/**
 * Corosync measured in the same run, set up by the repository itself: `scripts/corosync-setup.sh`
 * installs Corosync and libcpg from the distribution and builds `bench/corosync/cpgload.c`, the
 * bench's CPG client; this file starts three Corosync daemons in network namespaces on a bridge
 * (the same lab as the ringcastd runs, test/lab/netns.ts), knet with aes256/sha256 and a token of
 * 1000 ms, runs cpgload in them (one sender and a receiver per node; every node sending; one
 * sender paced at 200 msgs/s for latency) and reads node 2's figures.
 * Needs root; `BENCH_COROSYNC=0` skips it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, writeKeyFile } from '../src/net/crypto/index.js';
import { NetnsLab, labAvailable } from '../test/lab/netns.js';
import type { Scenario } from './daemons.js';

export interface CorosyncFigures {
  readonly deliveredPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuPercent: number;
}

export type CorosyncResults = Map<string, CorosyncFigures>;

export const corosyncKey = (scenario: Scenario, sizeBytes: number): string => `${scenario}/${sizeBytes}`;

const NODES = 3;
/** The paced sender's rate in the light-load (latency) case, as in bench/daemons.ts. */
const LIGHT_RATE = 200;

/** Whether Corosync can be measured here; `client` is the built cpgload. */
export function corosyncLab(): { ok: true; client: string } | { ok: false; reason: string } {
  if (process.env.BENCH_COROSYNC === '0') return { ok: false, reason: 'BENCH_COROSYNC=0' };
  const lab = labAvailable();
  if (!lab.ok) return lab;
  const setup = join(process.cwd(), 'scripts', 'corosync-setup.sh');
  try {
    const out = execFileSync(setup, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 10 * 60_000 });
    return { ok: true, client: out.trim().split('\n').pop()! };
  } catch (err) {
    return { ok: false, reason: `scripts/corosync-setup.sh failed: ${(err as Error).message.split('\n')[0]}` };
  }
}

interface LoadResult {
  readonly rx_msgs_per_s: number;
  readonly lat_us_p50: number;
  readonly lat_us_p99: number;
  readonly timed_out: boolean;
}

function corosyncConf(lab: NetnsLab, dir: string, id: number, keyfile: string): string {
  const nodes = lab.nodes.map((n) => `  node {\n    nodeid: ${n.id}\n    name: node${n.id}\n    ring0_addr: ${n.address}\n  }`).join('\n');
  return `totem {
  version: 2
  cluster_name: bench
  transport: knet
  token: 1000
  token_coefficient: 0
  crypto_cipher: aes256
  crypto_hash: sha256
  keyfile: ${keyfile}
}
nodelist {
${nodes}
}
quorum {
  provider: corosync_votequorum
}
logging {
  to_logfile: yes
  logfile: ${join(dir, `node${id}`, 'corosync.log')}
  to_stderr: no
  to_syslog: no
  timestamp: hires
}
system {
  state_dir: ${join(dir, `node${id}`, 'state')}
}
`;
}

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function run(child: ChildProcess, what: string, deadlineMs: number): Promise<string> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b));
  child.stderr?.on('data', (b: Buffer) => (err += b));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish`));
    }, deadlineMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${what} exited ${code}: ${err.trim().slice(0, 300)}`));
    });
  });
}

async function waitForMembers(lab: NetnsLab, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const seen = lab.nodes.map((n) => {
      try {
        const out = execFileSync('ip', ['netns', 'exec', n.ns, 'corosync-cmapctl', '-b', 'runtime.members'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        return (out.match(/\.status \(str\) = joined/g) ?? []).length;
      } catch {
        return 0;
      }
    });
    if (seen.every((s) => s === count)) return;
    if (Date.now() > deadline) throw new Error(`Corosync membership incomplete: nodes see ${seen.join(', ')} members`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts Corosync in every namespace, runs the cases, stops it and removes the namespaces. */
export async function benchCorosync(client: string, sizes: readonly number[], seconds: number, scenarios: ReadonlySet<string> = new Set(['light', 'one', 'all'])): Promise<CorosyncResults> {
  const dir = mkdtempSync(join(tmpdir(), 'corosync-bench-'));
  const lab = NetnsLab.create(NODES);
  const daemons: ChildProcess[] = [];
  try {
    const keyfile = join(dir, 'authkey');
    writeKeyFile(keyfile, generateKey());
    for (const n of lab.nodes) {
      const nodeDir = join(dir, `node${n.id}`);
      mkdirSync(join(nodeDir, 'state'), { recursive: true });
      mkdirSync(join(nodeDir, 'run'), { recursive: true });
      const conf = join(nodeDir, 'corosync.conf');
      writeFileSync(conf, corosyncConf(lab, dir, n.id, keyfile));
      // Corosync locks /run/corosync.pid: each node gets its own /run in a private mount namespace.
      daemons.push(lab.spawnIn(n.id, 'unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c',
        'mount --bind "$1" /run && exec corosync -f -c "$2"', 'sh', join(nodeDir, 'run'), conf], { stdio: 'ignore' }));
    }
    await waitForMembers(lab, NODES);
    const results: CorosyncResults = new Map();
    let runId = process.pid * 100;
    const cases: [Scenario, number][] = [...sizes.filter((z) => z <= 1024).map((z): [Scenario, number] => ['light', z]),
      ...(['one', 'all'] as const).flatMap((s) => sizes.map((z): [Scenario, number] => [s, z]))].filter(([s]) => scenarios.has(s));
    for (const [scenario, size] of cases) {
      runId++;
      const common = ['--size', String(size), '--duration', String(seconds), '--run-id', String(runId), '--timeout', String(seconds + 60)];
      const before = daemons.map((d) => cpuTicks(d.pid!));
      const t0 = performance.now();
      const procs: Promise<string>[] = [];
      if (scenario === 'all') {
        for (const n of lab.nodes) procs.push(run(lab.spawnIn(n.id, client, ['--mode', 'both', '--senders', String(NODES), '--wait-members', String(NODES), ...common]), `cpgload on node ${n.id}`, (seconds + 90) * 1000));
      } else {
        for (const n of lab.nodes) procs.push(run(lab.spawnIn(n.id, client, ['--mode', 'recv', '--senders', '1', ...common]), `cpgload receiver on node ${n.id}`, (seconds + 90) * 1000));
        const rate = scenario === 'light' ? String(LIGHT_RATE) : '0';
        procs.push(run(lab.spawnIn(1, client, ['--mode', 'send', '--wait-members', String(NODES + 1), '--rate', rate, ...common]), 'cpgload sender', (seconds + 90) * 1000));
      }
      const outputs = await Promise.all(procs);
      const wallS = (performance.now() - t0) / 1000;
      const hz = 100; // USER_HZ on Linux
      const cpu = daemons.reduce((sum, d, i) => sum + (100 * (cpuTicks(d.pid!) - before[i]!)) / hz / wallS, 0);
      const node2 = JSON.parse(outputs[1]!) as LoadResult;
      results.set(corosyncKey(scenario, size), {
        deliveredPerSec: Math.round(node2.rx_msgs_per_s),
        p50Ms: node2.lat_us_p50 / 1000,
        p99Ms: node2.lat_us_p99 / 1000,
        cpuPercent: Math.round(cpu),
      });
      console.log(`  corosync ${scenario.padEnd(5)} ${String(size).padStart(6)} B: node 2 ${Math.round(node2.rx_msgs_per_s)} msgs/s, p50 ${node2.lat_us_p50 / 1000} ms${node2.timed_out ? ' (timed out)' : ''}`);
    }
    return results;
  } finally {
    for (const d of daemons) d.kill('SIGTERM');
    await Promise.all(daemons.map((d) => (d.exitCode !== null || d.signalCode !== null ? Promise.resolve() : new Promise((r) => d.once('exit', r)))));
    lab.destroy();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}
