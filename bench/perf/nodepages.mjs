// Usage: node bench/perf/nodepages.mjs one:65536 5 — which parts of the node executable each daemon
// holds resident (text, ICU data, other read-only data), read from /proc/PID/pagemap (root).
import { startBenchRing, placement, fullLoadRate } from '../../dist/bench/daemons.js';
import { readFileSync, openSync, readSync, closeSync, realpathSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const exe = realpathSync(process.execPath);
/** File-offset ranges of the executable's sections, and of the ICU data symbol inside .rodata. */
function regions() {
  const out = [];
  for (const line of execFileSync('readelf', ['-S', '-W', exe], { encoding: 'utf8' }).split('\n')) {
    const m = /\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(line);
    if (m && parseInt(m[4], 16) > 0) out.push({ name: m[1], addr: parseInt(m[2], 16), off: parseInt(m[3], 16), size: parseInt(m[4], 16) });
  }
  const sym = /([0-9a-f]+) ([0-9a-f]+) R icudt\S*_dat/.exec(execFileSync('nm', ['-D', '-S', exe], { encoding: 'utf8', maxBuffer: 1 << 28 }));
  if (sym) {
    const addr = parseInt(sym[1], 16); const ro = out.find((r) => addr >= r.addr && addr < r.addr + r.size);
    out.unshift({ name: 'ICU data', addr, off: ro.off + (addr - ro.addr), size: parseInt(sym[2], 16) });
  }
  return out;
}
function resident(pid, regs) {
  const counts = new Map();
  const fd = openSync(`/proc/${pid}/pagemap`, 'r'); const buf = Buffer.alloc(8);
  for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ ([0-9a-f]+) \S+ \S+\s+(\S+)$/.exec(line);
    if (!m || m[4] !== exe) continue;
    const start = parseInt(m[1], 16), end = parseInt(m[2], 16), off = parseInt(m[3], 16);
    for (let a = start; a < end; a += 4096) {
      readSync(fd, buf, 0, 8, (a / 4096) * 8);
      if ((buf.readBigUInt64LE(0) >> 63n) !== 1n) continue;
      const fo = off + (a - start);
      const r = regs.find((x) => fo >= x.off && fo < x.off + x.size);
      const k = r?.name ?? 'other'; counts.set(k, (counts.get(k) ?? 0) + 4096);
    }
  }
  closeSync(fd); return counts;
}
const [sc, size] = (process.argv[2] ?? 'idle:0').split(':');
const where = placement();
const rate = fullLoadRate(Number(size));
const ring = await startBenchRing(where, (i) => (sc === 'idle' ? [] : sc === 'all' || i === 1 ? ['--load', `${rate}:${size}`] : []));
const regs = regions();
try {
  await new Promise((r) => setTimeout(r, Number(process.argv[3] ?? 5) * 1000));
  for (const p of ring.procs) {
    const c = resident(p.pid, regs); const total = [...c.values()].reduce((a, b) => a + b, 0);
    console.log(`pid ${p.pid} executable resident ${(total / 1048576).toFixed(1)} MB:`,
      [...c].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${(v / 1048576).toFixed(1)}`).join(' '));
  }
} finally { await ring.stop(); where.close(); }
