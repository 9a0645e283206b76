// Usage: node perf/cpu3.mjs light 64 6 — CPU % of one core per daemon (user+sys), light load from node 1.
import { startBenchRing, placement, cpuTicks, fullLoadRate } from '../../dist/bench/daemons.js';
const [sc, size, secs] = [process.argv[2] ?? 'light', Number(process.argv[3] ?? 64), Number(process.argv[4] ?? 6)];
const where = placement();
const rate = sc === 'light' ? 200 : sc === 'idle' ? 0 : fullLoadRate(Number(size));
const ring = await startBenchRing(where, (i) => (rate && (sc === 'all' || i === 1) ? ['--load', `${rate}:${size}`] : []));
try {
  await new Promise(r => setTimeout(r, 2000));
  const a = ring.procs.map(p => cpuTicks(p.pid)); const t0 = Date.now();
  await new Promise(r => setTimeout(r, secs * 1000));
  const b = ring.procs.map(p => cpuTicks(p.pid)); const el = (Date.now() - t0) / 1000;
  console.log(sc, 'cpu% per daemon', b.map((x, i) => ((x - a[i]) / el).toFixed(1)).join(' '), 'sum', ((b.reduce((x, y) => x + y) - a.reduce((x, y) => x + y)) / el).toFixed(1));
} finally { await ring.stop(); where.close(); }
