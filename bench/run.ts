/**
 * `npm run bench`: prints the project's benchmark figures. Benchmarks measure; tests assert.
 */
import { measureFailover, measureThroughput } from './totem-sim.js';
import { benchDaemons } from './daemons.js';

function row(cells: (string | number)[]): string {
  return cells.map((c) => String(c).padStart(14)).join('');
}

/** Corosync 3.1.7 on this kind of machine (shared/lab/corosync/RESULTS.md, knet + aes256/sha256, CPG). */
const COROSYNC_ONE_SENDER: Record<number, number> = { 64: 33_800, 1024: 28_000, 8192: 9_900, 65536: 965 };
const COROSYNC_ALL_SENDERS: Record<number, number> = { 64: 34_500, 1024: 30_500, 8192: 1_435, 65536: 70 };

async function daemons(): Promise<void> {
  const seconds = Number(process.env.BENCH_DAEMON_SECONDS ?? 5);
  console.log('\nThree ringcastd on loopback, aes256/sha256, own --load; delivered at node 2');
  console.log('(Corosync column: RESULTS.md figures, not this run; its path also includes CPG IPC)');
  console.log(row(['scenario', 'msg bytes', 'msgs/s', 'MB/s', 'p50 ms', 'p99 ms', 'cpu %', 'rss MB', 'corosync', 'ratio']));
  const light = await benchDaemons('light', 64, seconds);
  console.log(row([light.scenario, 64, light.deliveredPerSec, light.mbPerSec.toFixed(2), light.p50Ms?.toFixed(2) ?? '-',
    light.p99Ms?.toFixed(2) ?? '-', light.cpuPercent, light.rssMaxMb, 'p50 0.28-0.31', '']));
  for (const scenario of ['one', 'all'] as const) {
    for (const size of [64, 1024, 8192, 65536]) {
      const r = await benchDaemons(scenario, size, seconds);
      const ref = (scenario === 'one' ? COROSYNC_ONE_SENDER : COROSYNC_ALL_SENDERS)[size]!;
      console.log(row([scenario, size, r.deliveredPerSec, r.mbPerSec.toFixed(1), r.p50Ms?.toFixed(2) ?? '-', r.p99Ms?.toFixed(2) ?? '-',
        r.cpuPercent, r.rssMaxMb, ref, (r.deliveredPerSec / ref).toFixed(2)]));
    }
  }
}

async function main(): Promise<void> {
  const virtualMs = Number(process.env.BENCH_VIRTUAL_MS ?? 1000);
  console.log('Totem core + group layer in the simulator, no faults (protocol cost, all nodes in one process)');
  console.log(row(['nodes', 'msg bytes', 'ordered', 'cpu s', 'msgs/cpu-s', 'MB/cpu-s']));
  for (const nodes of [3, 16]) {
    for (const size of [64, 1024]) {
      const r = measureThroughput(nodes, size, virtualMs);
      console.log(row([r.nodes, r.sizeBytes, r.ordered, r.cpuSeconds.toFixed(2), Math.round(r.perCpuSecond),
        ((r.perCpuSecond * size) / 1e6).toFixed(1)]));
    }
  }
  console.log('\nFailure to new regular configuration (virtual time, Corosync 3.1 default timeouts)');
  console.log(row(['nodes', 'token ms', 'consensus ms', 'to regular ms']));
  for (const nodes of [3, 16]) {
    const r = measureFailover(nodes);
    console.log(row([r.nodes, r.tokenTimeoutMs, r.consensusMs, r.virtualMsToRegular.toFixed(0)]));
  }
  if (process.env.BENCH_DAEMONS !== '0') await daemons();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
