/**
 * `npm run bench`: prints the project's benchmark figures. Benchmarks measure; tests assert.
 */
import { measureFailover, measureThroughput } from './totem-sim.js';

function row(cells: (string | number)[]): string {
  return cells.map((c) => String(c).padStart(14)).join('');
}

function main(): void {
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
}

main();
