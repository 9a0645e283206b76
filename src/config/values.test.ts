import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalAddress, checkValue, ipv4ToUint32, isHostName, isMulticast } from './values.js';
import { clusterMcastAddress } from './totem.js';
import { closest } from './suggest.js';

test('addresses: one spelling per IPv6 address, multicast ranges, host names', () => {
  assert.equal(canonicalAddress('FD00:0:0::1'), canonicalAddress('fd00::1'));
  assert.equal(canonicalAddress('::ffff:10.0.0.1'), '0:0:0:0:0:ffff:a00:1');
  assert.notEqual(canonicalAddress('fd00::1'), canonicalAddress('fd00::2'));
  assert.deepEqual(['224.0.0.1', '239.255.255.255', 'ff15::1', 'FF02::1'].map(isMulticast), [true, true, true, true]);
  assert.deepEqual(['223.1.1.1', '240.0.0.1', 'ff::1', 'fe80::1', 'node1'].map(isMulticast), [false, false, false, false, false]);
  assert.deepEqual(['node1', 'node-1.example.com', 'a.b.'].map(isHostName), [true, true, true]);
  assert.deepEqual(['10.0.0.300', '-a', 'a_b', 'a..b', ''].map(isHostName), [false, false, false, false, false]);
  assert.equal(ipv4ToUint32('10.0.0.1'), 0x0a000001);
  assert.equal(ipv4ToUint32('255.255.255.255'), 2 ** 32 - 1);
});

test("Corosync's multicast group from the cluster name (get_cluster_mcast_addr)", () => {
  assert.equal(clusterMcastAddress('cslab', 4), '239.192.12.168');
  assert.equal(clusterMcastAddress('cslab', 6), 'ff15::c9c');
  assert.equal(clusterMcastAddress('', 4), '239.192.0.0');
  // Bytes above 127 count as negative C chars.
  assert.equal(clusterMcastAddress('é', 4), '239.192.255.47');
});

test('integer values: strtoll rules, units and hints', () => {
  const ms = { type: 'integer', unit: 'milliseconds', min: 1, max: 100 } as const;
  assert.deepEqual(checkValue(ms, '+42'), { ok: true, value: 42 });
  assert.deepEqual(checkValue(ms, '007'), { ok: true, value: 7 });
  for (const [raw, hint] of [['1.5', 'whole numbers only'], ['50ms', 'without a unit'], ['-1', ''], ['0x10', '']] as const) {
    const r = checkValue(ms, raw);
    assert.equal(r.ok, false);
    if (!r.ok) assert.ok(r.detail.includes(hint), r.detail);
  }
  assert.deepEqual(checkValue({ type: 'boolean' }, 'on'), { ok: true, value: true });
  assert.equal(checkValue({ type: 'string' }, 'a\u0001b').ok, false);
  assert.equal(checkValue({ type: 'string', maxBytes: 3 }, 'éé').ok, false);
});

test('suggestions: the closest known name, within a distance that grows with the name', () => {
  assert.equal(closest('tokn', ['token', 'join']), 'token');
  assert.equal(closest('consensos', ['consensus', 'token']), 'consensus');
  assert.equal(closest('Token', ['token']), 'token');
  assert.equal(closest('xyz', ['token', 'join']), undefined);
});
