// Usage: node perf/counters.mjs light 64 5 — per-second rates of each daemon's numeric status fields.
import { startBenchRing, placement, fullLoadRate } from '../../dist/bench/daemons.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const [sc, size, secs] = [process.argv[2] ?? 'light', Number(process.argv[3] ?? 64), Number(process.argv[4] ?? 5)];
const where = placement();
const rate = sc === 'light' ? 200 : fullLoadRate(Number(size));
const ring = await startBenchRing(where, (i) => (sc === 'all' || i === 1 ? ['--load', `${rate}:${size}`] : []));
const flat = (o, p = '', out = {}) => { for (const [k, v] of Object.entries(o ?? {})) { if (typeof v === 'number') out[p + k] = v; else if (v && typeof v === 'object' && !Array.isArray(v)) flat(v, p + k + '.', out); } return out; };
const read = (i) => flat(JSON.parse(readFileSync(join(ring.stateDir(i), 'status.json'), 'utf8')));
try {
  await new Promise(r => setTimeout(r, 2000));
  const a = [1,2,3].map(read);
  await new Promise(r => setTimeout(r, secs * 1000));
  const b = [1,2,3].map(read);
  for (const k of Object.keys(b[0])) { const d = [0,1,2].map(i => ((b[i][k] ?? 0) - (a[i][k] ?? 0)) / secs); if (d.some(x => x !== 0)) console.log(k.padEnd(50), d.map(x => x.toFixed(1).padStart(10)).join('')); }
} finally { await ring.stop(); where.close(); }
