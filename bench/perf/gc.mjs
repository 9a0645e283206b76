// Usage: node perf/gc.mjs one:65536 SECONDS  -- daemon stdout/stderr to /tmp/perf-gc/dN.log
import { startBenchRing, fullLoadRate } from '../../dist/bench/daemons.js';
import { NetnsLab } from '../../dist/test/lab/netns.js';
import { openSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const [sc, size] = process.argv[2].split(':');
const secs = Number(process.argv[3] ?? 8);
mkdirSync('/tmp/perf-gc', { recursive: true });
const lab = NetnsLab.create(3);
const where = { name: 'ns', namespaces: true, address: (id) => lab.address(id),
  spawn: (id, args) => { const fd = openSync(`/tmp/perf-gc/d${id}.log`, 'w'); return lab.spawnIn(id, process.execPath, args, { stdio: ['ignore', fd, fd] }); },
  close: () => lab.destroy() };
const rate = sc === 'light' ? 200 : fullLoadRate(Number(size));
const ring = await startBenchRing(where, (i) => (sc === 'all' || i === 1 ? ['--load', `${rate}:${size}`] : []));
try {
  for (let s = 0; s < secs; s++) {
    await new Promise(r => setTimeout(r, 1000));
    console.log(s, [1,2,3].map(i => { try { const st = JSON.parse(readFileSync(join(ring.stateDir(i), 'status.json'), 'utf8')); const m = st.memory; return `rss=${m.rss} ab=${m.arrayBuffers} heap=${m.heapTotal}`; } catch { return '-'; } }).join(' | '));
  }
} finally { await ring.stop(); where.close(); }
