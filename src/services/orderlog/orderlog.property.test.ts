/**
 * Property over many seeds, faults on (partitions, heals, crashes, restarts, loss) with appends
 * throughout: once the faults stop and the cluster settles, every live member of the final
 * configuration has the same log; no ordinary message was applied to a service before its sync
 * activated in the ring it was ordered in; every request of a node that stayed up was answered
 * exactly once, and none more than once. A failure names its seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../sim/prng.js';
import { OrderLogCluster } from './testing.js';

const SEEDS = 50;
const FAULT_MS = 6_000;

interface Violation {
  readonly seed: number;
  readonly message: string;
}

function runSeed(seed: number): Violation[] {
  const rng = new Prng(seed * 7919 + 1);
  const n = 3 + (seed % 3);
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const violations: Violation[] = [];
  const fail = (message: string) => violations.push({ seed, message });
  // Per node incarnation: which (service, ring) activated, to judge every apply.
  const incarnation = new Map<number, number>();
  const activated = new Set<string>();
  const c = new OrderLogCluster({
    nodes: n,
    seed,
    trace: (node, event) => {
      const key = (serviceId: number, ring: { rep: number; seq: number }) => `${node}#${incarnation.get(node)}/${serviceId}/${ring.rep}.${ring.seq}`;
      if (event.kind === 'syncActivate') activated.add(key(event.serviceId, event.ringId));
      if (event.kind === 'applied' && !event.sync && !activated.has(key(event.serviceId, event.ringId))) {
        fail(`node ${node} applied ${event.serviceId}.${event.messageId} in ring ${event.ringId.rep}.${event.ringId.seq} before activation`);
      }
    },
  });
  const start = (id: number) => {
    incarnation.set(id, (incarnation.get(id) ?? 0) + 1);
    c.start(id);
  };
  /** Requests by the incarnation that made them; only those of surviving incarnations must be answered. */
  const requests: { node: number; inc: number; requestId: number; conn: ReturnType<OrderLogCluster['conn']> }[] = [];
  for (const id of ids) start(id);
  if (!c.settle()) return [{ seed, message: 'did not form the first ring' }];

  const t0 = c.now;
  let line = 0;
  for (let t = t0; t < t0 + FAULT_MS; t += rng.int(5, 40)) {
    c.cluster.at(t, () => {
      const live = c.liveNodes();
      if (live.length === 0) return;
      const id = rng.pick(live);
      requests.push({ node: id, inc: incarnation.get(id)!, requestId: c.append(id, `L${line++} from ${id}`), conn: c.conn(id) });
    });
  }
  for (let t = t0 + 200; t < t0 + FAULT_MS; t += rng.int(300, 1500)) {
    c.cluster.at(t, () => {
      const live = c.liveNodes();
      switch (rng.int(0, 4)) {
        case 0: {
          const cut = rng.int(1, n - 1);
          const shuffled = [...ids].sort(() => rng.float() - 0.5);
          c.cluster.network.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
          return;
        }
        case 1:
          c.cluster.network.heal();
          return;
        case 2:
          if (live.length > 1) c.crash(rng.pick(live));
          return;
        case 3: {
          const down = ids.filter((id) => !live.includes(id));
          if (down.length > 0) start(rng.pick(down));
          return;
        }
        default:
          c.cluster.network.faults.lossRate = rng.chance(0.5) ? 0.05 : 0;
      }
    });
  }
  c.run(FAULT_MS + 10);
  c.cluster.network.heal();
  c.cluster.network.faults.lossRate = 0;
  if (!c.settle({ withinMs: 120_000 })) return [...violations, { seed, message: 'did not settle after the faults' }];

  const digests = c.digests();
  if (new Set(digests.values()).size !== 1) fail(`logs differ: ${JSON.stringify([...digests])}`);
  for (const r of requests) {
    const answers = r.conn.responsesTo(r.requestId).length;
    const survived = c.liveNodes().includes(r.node) && incarnation.get(r.node) === r.inc;
    if (answers > 1 || (survived && answers !== 1)) fail(`request ${r.requestId} of node ${r.node} answered ${answers} times`);
  }
  return violations;
}

test(`ordered log over ${SEEDS} seeds with faults: identical logs, no message before activation, answers exactly once`, () => {
  const all: Violation[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) all.push(...runSeed(seed));
  assert.deepEqual(all.slice(0, 10), [], `violations (seed=...): ${all.length}`);
});
