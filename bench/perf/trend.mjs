// Usage: node perf/trend.mjs light 5 — CPU % (sum of the three daemons) per 3 s window over 5 windows after the 2 s settle.
import { startBenchRing, placement, cpuTicks } from '../../dist/bench/daemons.js';
const sc = process.argv[2] ?? 'light'; const n = Number(process.argv[3] ?? 5);
const where = placement();
const ring = await startBenchRing(where, (i) => (sc === 'light' && i === 1 ? ['--load', '200:64'] : []));
const sum = () => ring.procs.reduce((a, p) => a + cpuTicks(p.pid), 0);
try {
  await new Promise(r => setTimeout(r, 2000));
  const out = [];
  for (let w = 0; w < n; w++) { const a = sum(), t = Date.now(); await new Promise(r => setTimeout(r, 3000)); out.push(((sum() - a) / ((Date.now() - t) / 1000)).toFixed(0)); }
  console.log(sc, 'cpu% per 3 s window:', out.join(' '));
} finally { await ring.stop(); where.close(); }
