/**
 * Frames above netmtu on a path that refuses IP fragments (ringcast.ip_fragmentation auto, the
 * default): three ringcastd in namespaces under a load of 20 KB messages (frames of ~14 datagrams).
 * Node 3's namespace drops fragments; its peers must keep sending it pieces while they send each
 * other whole frames, then switch to whole frames when the drop is lifted, and back to pieces when
 * it returns — without the ring ever re-forming and with histories that pass the checker.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { labAvailable } from './lab/netns.js';
import { DaemonCluster, waitFor } from './lab/daemon-cluster.js';
import { checkHistories } from '../src/check/index.js';

const available = labAvailable();
const skip = available.ok ? false : available.reason;
let c: DaemonCluster;

before(() => {
  if (!skip) c = new DaemonCluster(3, 'ringcast-netns-frag-');
});

after(async () => {
  if (!skip) await c.destroy();
});

const LOAD = '100:20000';

test('whole frames go only where the path carries IP fragments, and fall back to pieces when it stops', { skip }, async () => {
  const [m1, m2, m3] = c.members as [typeof c.members[0], typeof c.members[0], typeof c.members[0]];
  const peersOf = (m: typeof m1) => [...(c.status(m)?.wholeFramePeers ?? [])].sort().join(',');
  c.lab.dropIpFragments(3, true);
  for (const m of c.members) c.start(m, c.config, LOAD);
  await waitFor('a ring of 1,2,3', c.ringOf([1, 2, 3]), 20_000);
  const ringId = c.status(m1)!.ringId;

  // 1 and 2 prove their paths to each other, not to 3; 3's probes to them are answered (answers are small).
  await waitFor('1 and 2 send each other whole frames, 3 sends both', () => peersOf(m1) === '2' && peersOf(m2) === '1' && peersOf(m3) === '1,2', 15_000);
  const delivered3 = c.status(m3)!.counters.deliveries!;
  await waitFor('node 3 keeps delivering in pieces', () => c.status(m3)!.counters.deliveries! > delivered3 + 300, 10_000);
  assert.ok(c.status(m1)!.counters.fragmentsOut! > 0, 'node 1 sent node 3 pieces');

  // Fragments get through again: 1 and 2 find out at their next probe (back-off at most 30 s).
  c.lab.dropIpFragments(3, false);
  await waitFor('everyone sends everyone whole frames', () => peersOf(m1) === '2,3' && peersOf(m2) === '1,3', 40_000);
  const whole1 = c.status(m1)!.counters.wholeFramesOut!;
  await waitFor('node 1 sends whole frames', () => c.status(m1)!.counters.wholeFramesOut! > whole1 + 50, 10_000);

  // They stop again: node 3 misses whole frames, asks for them again (retransmissions travel in
  // pieces), and the retransmissions make 1 and 2 probe at once and fall back within seconds.
  c.lab.dropIpFragments(3, true);
  const fellBack = await waitFor('1 and 2 back to pieces for 3', () => peersOf(m1) === '2' && peersOf(m2) === '1', 15_000).catch((err) => {
    for (const m of c.members) console.log(JSON.stringify({ id: m.id, peers: peersOf(m), ...c.status(m)?.counters }), m.log.split('\n').slice(-8).join('\n'));
    throw err;
  });
  console.log(`# fragments dropped again: peers back to pieces after ~${fellBack} ms`);
  const delivered3b = c.status(m3)!.counters.deliveries!;
  await waitFor('node 3 keeps delivering', () => c.status(m3)!.counters.deliveries! > delivered3b + 300, 10_000);

  for (const m of c.members) assert.equal(c.status(m)!.ringId, ringId, `node ${m.id} stayed in the first ring`);
  await c.stopAll();
  const report = checkHistories(c.histories(), { requireConvergence: false, quiescent: false });
  assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
  assert.ok(report.stats.deliveries > 1000, `only ${report.stats.deliveries} deliveries`);
});
