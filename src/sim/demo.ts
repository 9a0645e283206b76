/**
 * The narrated demo behind `npm start`: three processors form a ring, order messages, lose one
 * (kill -9), take it back, and say goodbye to one gracefully, all in virtual time, then the
 * checker judges what every node saw.
 */
import { checkHistories } from '../check/index.js';
import { deriveTotemConfig } from '../totem/config.js';
import { SimCluster } from './cluster.js';
import { DEFAULT_LOAD, payloadId } from './load.js';
import { Prng } from './prng.js';
import { SIM_TOTEM_DEFAULTS } from './run.js';

function stamp(ms: number): string {
  return `[${(ms / 1000).toFixed(3).padStart(7)}s]`;
}

export function runDemo(): number {
  const say = (now: number, line: string): void => console.log(`${stamp(now)} ${line}`);
  const shownPerRing = new Map<string, number>();
  let ordered = 0;
  const cluster = new SimCluster({
    nodeIds: [1, 2, 3],
    config: deriveTotemConfig(SIM_TOTEM_DEFAULTS),
    load: { ...DEFAULT_LOAD, ratePerSec: 20 },
    rng: new Prng(2026),
    baseDelayMs: 0.5,
    onEvent: (node, event, now) => {
      if (event.kind === 'config') {
        say(now, `node ${node}: ${event.type} configuration ${event.ringId.rep}.${event.ringId.seq} members [${event.members.join(',')}]` +
          (event.joined.length ? ` joined [${event.joined.join(',')}]` : '') + (event.left.length ? ` left [${event.left.join(',')}]` : ''));
      } else if (event.kind === 'deliver' && node === 1) {
        ordered++;
        const ring = `${event.ringId.rep}.${event.ringId.seq}`;
        const shown = shownPerRing.get(ring) ?? 0;
        if (shown < 4) {
          shownPerRing.set(ring, shown + 1);
          say(now, `node 1: delivered #${event.seq} in ring ${ring} from node ${event.from}: ${payloadId(event.data) ?? '?'}`);
        }
      }
    },
  });
  console.log('ringcast demo: three Totem processors in the deterministic simulator (virtual time).');
  for (const id of [1, 2, 3]) cluster.at(id * 5, () => cluster.start(id));
  cluster.at(5_000, () => say(cluster.now, `-- ${ordered} messages ordered so far; killing node 3 (crash, no goodbye)`));
  cluster.at(5_000, () => cluster.crash(3));
  cluster.at(11_000, () => say(cluster.now, '-- restarting node 3 with its persisted ring sequence'));
  cluster.at(11_000, () => cluster.start(3));
  cluster.at(16_000, () => say(cluster.now, '-- node 2 leaves gracefully'));
  cluster.at(16_000, () => cluster.leave(2));
  cluster.at(19_000, () => cluster.setLoad(false));
  cluster.runUntil(22_000);
  const report = checkHistories(cluster.histories(), { requireConvergence: true });
  say(cluster.now, `-- done: ${ordered} messages ordered at node 1; checker: ${report.ok ? 'all EVS properties hold' : 'VIOLATIONS'}`);
  for (const v of report.violations.slice(0, 10)) console.log(`   ${v.property}: ${v.message}`);
  console.log('Next: `npm run sim -- --help` for seeded fault runs, `npm test` for the test suite.');
  return report.ok ? 0 : 1;
}
