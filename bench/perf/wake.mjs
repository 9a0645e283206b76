// Usage: node perf/wake.mjs light 6 — per daemon: CPU ms/s, voluntary context switches/s (loop wake-ups).
import { startBenchRing, placement, cpuTicks } from '../../dist/bench/daemons.js';
import { readFileSync } from 'node:fs';
const sc = process.argv[2] ?? 'light'; const secs = Number(process.argv[3] ?? 6);
const where = placement();
const ring = await startBenchRing(where, (i) => (sc === 'light' && i === 1 ? ['--load', '200:64'] : []));
const sw = (pid) => { const s = readFileSync(`/proc/${pid}/status`, 'utf8'); return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(s)[1]); };
const thr = (pid) => Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const sched = (pid) => readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
try {
  await new Promise(r => setTimeout(r, 2000));
  const a = ring.procs.map(p => [cpuTicks(p.pid), sw(p.pid), ...sched(p.pid)]); const t0 = Date.now();
  await new Promise(r => setTimeout(r, secs * 1000));
  const b = ring.procs.map(p => [cpuTicks(p.pid), sw(p.pid), ...sched(p.pid)]); const el = (Date.now() - t0) / 1000;
  for (let i = 0; i < 3; i++) console.log(`d${i+1} cpu ${((b[i][0]-a[i][0])/el).toFixed(1)}% vol-switches/s ${((b[i][1]-a[i][1])/el).toFixed(0)} main-thread run ${((b[i][2]-a[i][2])/1e7/el).toFixed(1)}% wait ${((b[i][3]-a[i][3])/1e7/el).toFixed(1)}% slices/s ${((b[i][4]-a[i][4])/el).toFixed(0)} threads ${thr(ring.procs[i].pid)}`);
} finally { await ring.stop(); where.close(); }
