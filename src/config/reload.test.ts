/** planReload: which changed keys a running daemon applies, refuses (Corosync's list) or keeps until restart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './load.js';
import { planReload } from './reload.js';
import type { RingcastConfig } from './types.js';

const BASE = `totem {
  cluster_name: one
  transport: udpu
  token: 1000
  crypto_cipher: none
  crypto_hash: none
}
nodelist {
  node {
    ring0_addr: 10.0.0.1
    nodeid: 1
  }
}
logging {
  to_stderr: yes
}
`;

function load(text: string): RingcastConfig {
  const r = loadConfig(text);
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

test('an unchanged file changes nothing', () => {
  const plan = planReload(load(BASE), load(BASE));
  assert.deepEqual([plan.applied, plan.refused], [[], []]);
});

test('logging, Totem timers and cfg.shutdown_timeout are applied; the effective configuration carries them', () => {
  const next = BASE.replace('token: 1000', 'token: 2000\n  consensus: 3000\n  window_size: 30')
    .replace('to_stderr: yes', 'to_stderr: yes\n  debug: on') + 'cfg {\n  shutdown_timeout: 1500\n}\n';
  const plan = planReload(load(BASE), load(next));
  assert.deepEqual([...plan.applied].sort(), ['cfg.shutdown_timeout', 'logging.debug', 'totem.consensus', 'totem.shutdown_drain_timeout', 'totem.token', 'totem.window_size']);
  assert.deepEqual(plan.refused, []);
  assert.equal(plan.effective.totem.timing.token, 2000);
  assert.equal(plan.effective.logging.debug, 'on');
  assert.equal(plan.effective.cfg.shutdownTimeoutMs, 1500);
});

test('Corosync\'s fixed keys are refused with its log line; start-only keys are kept with a line naming them; both keep their running values', () => {
  const next = BASE.replace('cluster_name: one', 'cluster_name: two\n  netmtu: 1400').replace('token: 1000', 'token: 1200')
    .replace('  }\n}', '  }\n  node {\n    ring0_addr: 10.0.0.2\n    nodeid: 2\n  }\n}') + 'quorum {\n  provider: corosync_votequorum\n}\n';
  const running = load(BASE);
  const plan = planReload(running, load(next));
  assert.deepEqual([...plan.applied].sort(), ['nodelist.node.1.nodeid', 'nodelist.node.1.ring0_addr', 'totem.shutdown_drain_timeout', 'totem.token'],
    'the drain bound follows the token (its default); a node added to the nodelist is taken');
  const by = Object.fromEntries(plan.refused.map((r) => [r.key, r]));
  assert.equal(by['totem.cluster_name']!.message, "Modified entry 'totem.cluster_name' in corosync.conf cannot be changed at run-time");
  assert.equal(by['totem.netmtu']!.reason, 'runtime');
  assert.equal(by['quorum.provider']!.reason, 'runtime');
  assert.equal(plan.effective.totem.clusterName, 'one');
  assert.equal(plan.effective.totem.timing.netmtu, undefined);
  assert.deepEqual(plan.effective.nodes.map((n) => n.nodeId), [1, 2]);
  assert.deepEqual(plan.addedNodes.map((n) => [n.nodeId, n.address]), [[2, '10.0.0.2']]);
  assert.equal(plan.effective.quorum.provider, undefined);
  assert.equal(plan.effective.totem.timing.token, 1200);
});

test('the nodelist is compared by node id: an insertion adds one node; a changed address or a removal waits for a restart', () => {
  const three = BASE.replace('  }\n}', '  }\n  node {\n    ring0_addr: 10.0.0.3\n    nodeid: 3\n  }\n}');
  const inserted = three.replace('  node {\n    ring0_addr: 10.0.0.3', '  node {\n    ring0_addr: 10.0.0.2\n    nodeid: 2\n    name: two\n  }\n  node {\n    ring0_addr: 10.0.0.3');
  const plan = planReload(load(three), load(inserted));
  // The drain bound's default follows the effective token, which grows with the node count.
  assert.deepEqual(plan.applied, ['totem.shutdown_drain_timeout', 'nodelist.node.1.nodeid', 'nodelist.node.1.ring0_addr', 'nodelist.node.1.name']);
  assert.deepEqual(plan.refused, [], 'node 3 moved from position 1 to 2 but did not change');
  const moved = planReload(load(three), load(three.replace('10.0.0.3', '10.0.0.9')));
  assert.deepEqual(moved.refused.map((r) => r.key), ['nodelist.node.1.ring0_addr']);
  assert.deepEqual(moved.effective.nodes.map((n) => n.address), ['10.0.0.1', '10.0.0.3'], 'the running address stays');
  const removed = planReload(load(three), load(BASE));
  assert.deepEqual(removed.refused.map((r) => r.key), ['nodelist.node.1.nodeid']);
  assert.equal(removed.effective.nodes.length, 2, 'a removed node stays in the running node list');
});
