// Usage: node perf/perfrec.mjs light SECS NODE — runs `perf record` on one daemon during light load.
import { startBenchRing, placement } from '../../dist/bench/daemons.js';
import { spawnSync } from 'node:child_process';
const sc = process.argv[2] ?? 'light'; const secs = Number(process.argv[3] ?? 5); const node = Number(process.argv[4] ?? 2);
const where = placement();
const ring = await startBenchRing(where, (i) => (sc === 'light' && i === 1 ? ['--load', '200:64'] : sc === 'one' && i === 1 ? ['--load', '3000:65536'] : []));
try {
  await new Promise(r => setTimeout(r, Number(process.env.SETTLE_MS ?? 2000)));
  spawnSync('perf', ['record', '-F', '2000', '-g', '-o', `/tmp/perf-d${node}.data`, '-p', String(ring.procs[node - 1].pid), '--', 'sleep', String(secs)], { stdio: 'inherit' });
} finally { await ring.stop(); where.close(); }
