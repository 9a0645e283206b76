import { benchDaemons, placement } from '../../dist/bench/daemons.js';
const where = placement();
try {
  for (const [sc, size] of process.argv.slice(2).map(a => a.split(':'))) {
    const r = await benchDaemons(where, sc, Number(size), 5);
    console.log(sc, size, JSON.stringify({ rate: r.deliveredPerSec, mbs: r.mbPerSec.toFixed(1), cpu: r.cpuPercent, rss: r.rssMaxMb, own: r.privateMb, p50: r.p50Ms }));
  }
} finally { where.close(); }
