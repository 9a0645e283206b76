// Usage: node bench/perf/malloc.mjs one:65536 6 — glibc's own account of each daemon's C heap after
// N s of load (needs gdb: it calls mallinfo2() in the running daemon): bytes in use, bytes free but
// still held. RSS above what the heap holds live is memory freed after a peak that glibc keeps
// (it returns only the top of the heap; free chunks in the middle stay resident until malloc_trim).
import { startBenchRing, placement, fullLoadRate } from '../../dist/bench/daemons.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
const [sc, size] = (process.argv[2] ?? 'one:65536').split(':');
const where = placement();
const rate = fullLoadRate(Number(size));
const ring = await startBenchRing(where, (i) => (sc === 'idle' ? [] : sc === 'all' || i === 1 ? ['--load', `${rate}:${size}`] : []));
const mb = (n) => (Number(n) / 1048576).toFixed(1);
try {
  await new Promise((r) => setTimeout(r, Number(process.argv[3] ?? 6) * 1000));
  for (const p of ring.procs) {
    const rssKb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))[1];
    const out = execFileSync('gdb', ['-p', String(p.pid), '-batch', '-ex', 'call (struct mallinfo2)mallinfo2()'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const field = (name) => new RegExp(`${name} = (\\d+)`).exec(out)?.[1] ?? 'NaN';
    console.log(`pid ${p.pid}: rss ${mb(rssKb * 1024)} MB; C heap ${mb(field('arena'))} MB: in use ${mb(field('uordblks'))} MB, free but held ${mb(field('fordblks'))} MB; mmapped ${mb(field('hblkhd'))} MB`);
  }
} finally { await ring.stop(); where.close(); }
