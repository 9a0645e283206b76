// Usage: node perf/smaps.mjs one:65536 4 — largest RSS mappings of each daemon after N s of load.
import { startBenchRing, placement, fullLoadRate } from '../../dist/bench/daemons.js';
import { readFileSync } from 'node:fs';
const [sc, size] = (process.argv[2] ?? 'idle:0').split(':');
const where = placement();
const rate = fullLoadRate(Number(size));
const ring = await startBenchRing(where, (i) => (sc === 'idle' ? [] : sc === 'all' || i === 1 ? ['--load', `${rate}:${size}`] : []));
try {
  await new Promise(r => setTimeout(r, Number(process.argv[3] ?? 4) * 1000));
  for (const p of ring.procs) {
    const text = readFileSync(`/proc/${p.pid}/smaps`, 'utf8');
    const maps = []; let cur;
    for (const line of text.split('\n')) {
      const h = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (h) { cur = { name: h[3] || '[anon]', size: (parseInt(h[2], 16) - parseInt(h[1], 16)) / 1024, rss: 0 }; maps.push(cur); continue; }
      const r = /^Rss:\s+(\d+)/.exec(line); if (r && cur) cur.rss = Number(r[1]);
    }
    const by = new Map(); for (const m of maps) { const k = m.name.includes('/') ? m.name.split('/').pop() : m.name; by.set(k, (by.get(k) ?? 0) + m.rss); }
    const anon = maps.filter(m => m.name === '[anon]').sort((a, b) => b.rss - a.rss).slice(0, 6).map(m => `${(m.rss/1024).toFixed(1)}/${(m.size/1024).toFixed(1)}`);
    console.log(`pid ${p.pid} total ${(maps.reduce((a, m) => a + m.rss, 0)/1024).toFixed(1)} MB:`, [...by].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k}=${(v/1024).toFixed(1)}`).join(' '), '| big anon rss/size:', anon.join(' '));
  }
} finally { await ring.stop(); where.close(); }
