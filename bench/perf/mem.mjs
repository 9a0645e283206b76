import { startBenchRing, placement, fullLoadRate } from '../../dist/bench/daemons.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const [sc, size] = process.argv[2].split(':');
const where = placement();
const rate = sc === 'light' ? 200 : fullLoadRate(Number(size));
const ring = await startBenchRing(where, (i) => (sc === 'all' || i === 1 ? ['--load', `${rate}:${size}`] : []));
try {
  for (let s = 0; s < Number(process.argv[3] ?? 8); s++) {
    await new Promise(r => setTimeout(r, 1000));
    const line = [1,2,3].map(i => { try { const st = JSON.parse(readFileSync(join(ring.stateDir(i), 'status.json'), 'utf8')); return JSON.stringify(st.memory) + ` q=${JSON.stringify(st.exec?.queue ?? '')}`; } catch { return '-'; } });
    console.log(s, line.join(' | '));
  }
} finally { await ring.stop(); where.close(); }
