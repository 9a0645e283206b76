import { benchDaemons, placement } from '../../dist/bench/daemons.js';
const where = placement();
try {
  for (const size of [64]) {
    const r = await benchDaemons(where, process.argv[2] ?? 'light', size, Number(process.argv[3] ?? 5));
    console.log(where.name, JSON.stringify(r));
  }
} finally { where.close(); }
