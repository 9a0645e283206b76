/**
 * Corosync 3.1.7 measured in the same run: drives `../shared/lab/corosync/bench.sh` (three
 * Corosync daemons in network namespaces, knet + aes256/sha256, its own libcpg client cpgbench)
 * and reads its raw results. The lab installs Corosync from Debian on first use. Needs root;
 * `BENCH_COROSYNC=0` skips it, `COROSYNC_LAB=DIR` points at another copy of the lab.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Scenario } from './daemons.js';

export interface CorosyncFigures {
  readonly deliveredPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuPercent: number;
}

export type CorosyncResults = Map<string, CorosyncFigures>;

export const corosyncKey = (scenario: Scenario, sizeBytes: number): string => `${scenario}/${sizeBytes}`;

export function corosyncLab(): { ok: true; dir: string } | { ok: false; reason: string } {
  if (process.env.BENCH_COROSYNC === '0') return { ok: false, reason: 'BENCH_COROSYNC=0' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'the Corosync lab needs root' };
  const dir = resolve(process.env.COROSYNC_LAB ?? join(process.cwd(), '../shared/lab/corosync'));
  if (!existsSync(join(dir, 'bench.sh'))) return { ok: false, reason: `no Corosync lab at ${dir}` };
  return { ok: true, dir };
}

interface RawRecord {
  readonly scenario?: string;
  readonly msg_size?: number;
  readonly role?: string;
  readonly node?: number;
  readonly rx_msgs_per_s?: number;
  readonly lat_us_p50?: number;
  readonly lat_us_p99?: number;
  readonly cpu_pct?: number;
}

/** Runs the lab's matrix (one sender, all senders, light load at 200/s) and returns node 2's figures. */
export function benchCorosync(labDir: string, sizes: readonly number[], seconds: number): CorosyncResults {
  const run = mkdtempSync(join(tmpdir(), 'corosync-lab-'));
  const out = join(run, 'results');
  execFileSync(join(labDir, 'bench.sh'), ['-n', '3', '-d', String(seconds), '-r', '1', '-s', sizes.join(' '), '-c', 'knet-aes', '-o', out], {
    env: { ...process.env, LAB_RUN: run },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 30 * 60_000,
  });
  const records = readFileSync(join(out, 'raw.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RawRecord);
  const results: CorosyncResults = new Map();
  for (const r of records) {
    if (r.node !== 2 || (r.role !== 'recv' && r.role !== 'both') || r.msg_size === undefined) continue;
    const scenario: Scenario = r.scenario === 'lat' ? 'light' : (r.scenario as Scenario);
    const cpu = records
      .filter((c) => c.role === 'corosync_cpu' && c.scenario === r.scenario && c.msg_size === r.msg_size)
      .reduce((a, c) => a + (c.cpu_pct ?? 0), 0);
    results.set(corosyncKey(scenario, r.msg_size), {
      deliveredPerSec: Math.round(r.rx_msgs_per_s ?? 0),
      p50Ms: (r.lat_us_p50 ?? 0) / 1000,
      p99Ms: (r.lat_us_p99 ?? 0) / 1000,
      cpuPercent: Math.round(cpu),
    });
  }
  return results;
}
