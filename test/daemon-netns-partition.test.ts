/**
 * Five ringcastd processes in network namespaces under load: a 2|3 partition held, both sides
 * keep working, then the network heals and they merge; then a one-way block. The histories are
 * judged by the EVS checker.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable } from './lab/netns.js';
import { DaemonCluster, waitFor } from './lab/daemon-cluster.js';
import { checkHistories } from '../src/check/index.js';

const available = labAvailable();
const skip = available.ok ? false : available.reason;
let c: DaemonCluster;

before(() => {
  if (!skip) c = new DaemonCluster(5, 'ringcast-netns5-');
});

after(async () => {
  if (!skip) await c.destroy();
});

test('five daemons: a 2|3 partition held then healed, and a one-way block', { skip }, async () => {
  for (const m of c.members) c.start(m);
  await waitFor('a ring of five', c.ringOf([1, 2, 3, 4, 5]), 30_000);

  c.lab.partition([[1, 2], [3, 4, 5]]);
  await waitFor('two rings, 1,2 and 3,4,5', () => c.ringOf([1, 2])() && c.ringOf([3, 4, 5])(), 20_000);
  // Both sides keep ordering messages while apart.
  const delivered = (id: number): number => c.status(c.members[id - 1]!)?.counters.deliveries ?? 0;
  const before = [1, 3].map(delivered);
  await waitFor('both sides deliver while partitioned', () => delivered(1) > before[0]! + 200 && delivered(3) > before[1]! + 200, 10_000);

  c.lab.heal();
  const healedAt = Date.now();
  await waitFor('one ring of five after the heal', c.ringOf([1, 2, 3, 4, 5]), 20_000);
  console.log(`# partition healed to one ring of five in ${Date.now() - healedAt} ms`);

  // Node 5 stops hearing node 1: the ring must exclude one of them or route around it, then heal.
  c.lab.blockOneWay(1, 5);
  await new Promise((r) => setTimeout(r, 6000));
  c.lab.heal();
  await waitFor('one ring of five after the one-way block', c.ringOf([1, 2, 3, 4, 5]), 30_000);

  await c.stopAll();
  const histories = c.histories();
  const report = checkHistories(histories, { requireConvergence: false, quiescent: false });
  assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
  assert.ok(report.stats.deliveries > 5000, `only ${report.stats.deliveries} deliveries`);
});

test('transport udp: five daemons on a multicast group form a ring and order messages', { skip }, async () => {
  await c.stopAll();
  const config = join(c.dir, 'corosync-udp.conf');
  writeFileSync(config, readFileSync(join(c.dir, 'corosync.conf'), 'utf8')
    .replace('transport: udpu', 'transport: udp\n  mcastaddr: 239.255.77.1'));
  for (const m of c.members) {
    m.log = '';
    m.history = m.history.replace('.jsonl', '-udp.jsonl');
    c.start(m, config);
  }
  await waitFor('a ring of five over multicast', c.ringOf([1, 2, 3, 4, 5]), 30_000);
  const delivered = (id: number): number => c.status(c.members[id - 1]!)?.counters.deliveries ?? 0;
  const start = delivered(1);
  // A deadline, not a wait: at each node's --load this takes about 10 s on an idle machine.
  await waitFor('messages ordered over multicast', () => delivered(1) > start + 1000, 45_000);
  await c.stopAll();
  const histories = c.histories();
  const report = checkHistories(histories, { requireConvergence: false, quiescent: false });
  assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
});
