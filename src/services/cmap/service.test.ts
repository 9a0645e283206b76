/**
 * The cmap service on hand-driven executives (LoopRing): library requests and Corosync's refusals
 * (nothing changed by one), iteration in batches, tracking and its bounds, runtime.members through
 * configuration changes, the config-version exchange in sync and after a local change, the stats
 * map, and a configuration refresh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopRing } from '../../exec/testing/loop-ring.js';
import { FakeConnection } from '../../exec/testing/fake-connection.js';
import {
  CmapEventId, CmapMap, CmapRequest, CmapTrack, decodeEntries, decodeNotify, decodeU32, decodeValue, encodeAdjust, encodeKey, encodeSet,
  encodeTrackAdd, encodeU32, type CmapEntry,
} from '../../protocol/cmap.js';
import { decodeInteger, formatLine, integerValue, stringValue, type CmapValue } from '../../protocol/cmap-values.js';
import { CmapService, type CmapServiceOptions } from './service.js';
import { CMAP_SERVICE_ID } from './wire.js';

const entry = (key: string, value: CmapValue): CmapEntry => ({ key, value });
const CONFIG: CmapEntry[] = [
  entry('totem.cluster_name', stringValue('lab')),
  entry('totem.token', integerValue('u32', 3000)),
  entry('nodelist.node.0.nodeid', integerValue('u32', 1)),
  entry('quorum.provider', stringValue('corosync_votequorum')),
];

function cluster(n: number, options: (id: number) => CmapServiceOptions = () => ({ config: CONFIG })) {
  const ring = new LoopRing();
  const services = new Map<number, CmapService>();
  for (let id = 1; id <= n; id++) {
    const svc = new CmapService({ addresses: new Map(Array.from({ length: n }, (_, i) => [i + 1, `10.0.0.${i + 1}`])), ...options(id) });
    services.set(id, svc);
    ring.add(id, [svc]);
  }
  let requestId = 1;
  const ask = (node: number, conn: FakeConnection, messageId: number, payload: Uint8Array = new Uint8Array(0)) => {
    const id = requestId++;
    ring.execs.get(node)!.request(conn, CMAP_SERVICE_ID, messageId, id, payload);
    ring.pump();
    const r = conn.responsesTo(id);
    assert.equal(r.length, 1, 'answered exactly once');
    return r[0]!;
  };
  const form = (members: number[]): void => {
    ring.configure(members);
    ring.pump();
  };
  return { ring, services, ask, form };
}

const u = (p: Uint8Array): number => {
  const d = decodeU32(p);
  assert.ok(d.ok);
  return d.value;
};

test('get, set, delete, inc: answers and Corosync\'s refusals; a refusal changes nothing', () => {
  const { services, ask, form } = cluster(1);
  form([1]);
  const conn = new FakeConnection(1);
  const got = ask(1, conn, CmapRequest.get, encodeKey('totem.token'));
  assert.equal(got.status, 'CS_OK');
  const v = decodeValue(got.payload);
  assert.ok(v.ok);
  assert.equal(formatLine('totem.token', v.value), 'totem.token (u32) = 3000');
  assert.equal(ask(1, conn, CmapRequest.get, encodeKey('totem.nope')).status, 'CS_ERR_NOT_EXIST');
  // Read-only: exact keys and prefixes, for set, delete and inc alike.
  assert.equal(ask(1, conn, CmapRequest.set, encodeSet('totem.cluster_name', stringValue('other'))).status, 'CS_ERR_ACCESS');
  assert.equal(ask(1, conn, CmapRequest.set, encodeSet('nodelist.node.0.nodeid', integerValue('u32', 7))).status, 'CS_ERR_ACCESS');
  assert.equal(ask(1, conn, CmapRequest.set, encodeSet('nodelist.node.9.new', stringValue('x'))).status, 'CS_ERR_ACCESS', 'new keys under an RO prefix too');
  assert.equal(ask(1, conn, CmapRequest.delete, encodeKey('totem.cluster_name')).status, 'CS_ERR_ACCESS');
  assert.equal(ask(1, conn, CmapRequest.adjustInt, encodeAdjust('nodelist.node.0.nodeid', 1)).status, 'CS_ERR_ACCESS');
  assert.equal(ask(1, conn, CmapRequest.set, encodeSet('runtime.config.totem.token', integerValue('u32', 1))).status, 'CS_ERR_ACCESS');
  const store = services.get(1)!.store;
  assert.equal(new TextDecoder().decode(store.get('totem.cluster_name')!.bytes), 'lab');
  assert.equal(decodeInteger(store.get('nodelist.node.0.nodeid')!), 1n);
  assert.equal(store.get('nodelist.node.9.new'), undefined);
  // Wrong size for the type, bad names, unknown keys.
  assert.equal(ask(1, conn, CmapRequest.set, encodeSet('my.key', { type: 'u32', bytes: new Uint8Array(2) })).status, 'CS_ERR_INVALID_PARAM');
  assert.equal(ask(1, conn, CmapRequest.set, encodeSet('my key', stringValue('x'))).status, 'CS_ERR_NAME_TOO_LONG');
  assert.equal(ask(1, conn, CmapRequest.delete, encodeKey('my.key')).status, 'CS_ERR_NOT_EXIST');
  assert.equal(store.get('my.key'), undefined);
  assert.equal(ask(1, conn, CmapRequest.set, encodeSet('my.key', stringValue('hello'))).status, 'CS_OK');
  assert.equal(ask(1, conn, CmapRequest.adjustInt, encodeAdjust('my.key', 1)).status, 'CS_ERR_INVALID_PARAM', 'inc on a string');
  assert.equal(ask(1, conn, CmapRequest.set, encodeSet('totem.token', integerValue('u32', 5000))).status, 'CS_OK', 'totem.token is writable');
  assert.equal(ask(1, conn, CmapRequest.delete, encodeKey('my.key')).status, 'CS_OK');
  assert.equal(ask(1, conn, CmapRequest.set, new Uint8Array([3, 0x61])).status, 'CS_ERR_INVALID_PARAM', 'a malformed request');
});

test('iteration: byte order, batches bounded in bytes, NO_SECTIONS at the end, BAD_HANDLE, and the iterator bound', () => {
  const { services, ask, form } = cluster(1, () => ({ config: CONFIG, iteratorsPerConnectionMax: 2 }));
  form([1]);
  const store = services.get(1)!.store;
  // 10 values of 8 KiB: at most 3 per 32 KiB answer, so several batches.
  for (let i = 0; i < 10; i++) store.setInternal(`big.${i}`, { type: 'bin', bytes: new Uint8Array(8192).fill(i) });
  const conn = new FakeConnection(1);
  const it = u(ask(1, conn, CmapRequest.iterInit, encodeKey('big.')).payload);
  const keys: string[] = [];
  let batches = 0;
  for (;;) {
    const r = ask(1, conn, CmapRequest.iterNext, encodeU32(it));
    if (r.status === 'CS_ERR_NO_SECTIONS') break;
    assert.equal(r.status, 'CS_OK');
    assert.ok(r.payload.length <= 32 * 1024 + 8192, 'one answer stays near its byte bound');
    const d = decodeEntries(r.payload);
    assert.ok(d.ok);
    batches++;
    for (const e of d.value) {
      keys.push(e.key);
      assert.equal(e.value.bytes[0], Number(e.key.slice(4)), 'each key with its own value');
    }
  }
  assert.deepEqual(keys, Array.from({ length: 10 }, (_, i) => `big.${i}`));
  assert.ok(batches >= 4, `${batches} batches`);
  assert.equal(ask(1, conn, CmapRequest.iterFinalize, encodeU32(it)).status, 'CS_OK');
  assert.equal(ask(1, conn, CmapRequest.iterNext, encodeU32(it)).status, 'CS_ERR_BAD_HANDLE');
  assert.equal(ask(1, conn, CmapRequest.iterFinalize, encodeU32(it)).status, 'CS_ERR_BAD_HANDLE');
  // Every key (empty prefix) in byte order: node.10 before node.2.
  store.setInternal('nodelist.node.10.nodeid', integerValue('u32', 11));
  store.setInternal('nodelist.node.2.nodeid', integerValue('u32', 3));
  const all = u(ask(1, conn, CmapRequest.iterInit, encodeKey('nodelist.')).payload);
  const d = decodeEntries(ask(1, conn, CmapRequest.iterNext, encodeU32(all)).payload);
  assert.ok(d.ok);
  assert.deepEqual(d.value.map((e) => e.key), ['nodelist.node.0.nodeid', 'nodelist.node.10.nodeid', 'nodelist.node.2.nodeid']);
  // The bound: two open iterators on this connection, the third refused; another connection is not affected.
  assert.equal(ask(1, conn, CmapRequest.iterInit, encodeKey('')).status, 'CS_OK');
  assert.equal(ask(1, conn, CmapRequest.iterInit, encodeKey('')).status, 'CS_ERR_NO_RESOURCES');
  assert.equal(ask(1, new FakeConnection(2), CmapRequest.iterInit, encodeKey('')).status, 'CS_OK');
});

test('tracking: add, modify, delete notices in order with old and new values; flags; the per-connection bound; gone with the connection', () => {
  const { services, ask, form } = cluster(1, () => ({ config: CONFIG, trackersPerConnectionMax: 3 }));
  form([1]);
  const conn = new FakeConnection(1);
  const all = CmapTrack.add | CmapTrack.modify | CmapTrack.delete;
  const t1 = u(ask(1, conn, CmapRequest.trackAdd, encodeTrackAdd('app.', all | CmapTrack.prefix)).payload);
  const t2 = u(ask(1, conn, CmapRequest.trackAdd, encodeTrackAdd('app.x', CmapTrack.modify)).payload);
  const writer = new FakeConnection(2);
  ask(1, writer, CmapRequest.set, encodeSet('app.x', integerValue('u8', 1)));
  ask(1, writer, CmapRequest.set, encodeSet('app.x', integerValue('u8', 1)));
  ask(1, writer, CmapRequest.set, encodeSet('app.x', integerValue('u8', 2)));
  ask(1, writer, CmapRequest.set, encodeSet('other.x', integerValue('u8', 2)));
  ask(1, writer, CmapRequest.delete, encodeKey('app.x'));
  const notices = conn.events.map((e) => {
    assert.equal(e.messageId, CmapEventId.notify);
    const d = decodeNotify(e.payload);
    assert.ok(d.ok);
    return d.value;
  });
  assert.deepEqual(notices.map((n) => [n.tracker, n.event, n.key]), [
    [t1, 'add', 'app.x'], [t1, 'modify', 'app.x'], [t2, 'modify', 'app.x'], [t1, 'delete', 'app.x'],
  ], 'an identical set notifies nobody; the exact tracker hears only MODIFY');
  assert.equal(decodeInteger(notices[1]!.oldValue!), 1n);
  assert.equal(decodeInteger(notices[1]!.newValue!), 2n);
  assert.equal(notices[0]!.oldValue, undefined);
  assert.equal(notices[3]!.newValue, undefined);
  assert.equal(ask(1, conn, CmapRequest.trackAdd, encodeTrackAdd('app.', 0)).status, 'CS_ERR_INVALID_PARAM', 'no event flag');
  assert.equal(ask(1, conn, CmapRequest.trackAdd, encodeTrackAdd('app.', 16 | CmapTrack.add)).status, 'CS_ERR_INVALID_PARAM', 'unknown flag');
  assert.equal(ask(1, conn, CmapRequest.trackAdd, encodeTrackAdd('app.', all)).status, 'CS_OK');
  assert.equal(ask(1, conn, CmapRequest.trackAdd, encodeTrackAdd('app.', all)).status, 'CS_ERR_NO_RESOURCES', 'the fourth tracker on one connection');
  assert.equal(ask(1, conn, CmapRequest.trackDelete, encodeU32(t2)).status, 'CS_OK');
  assert.equal(ask(1, conn, CmapRequest.trackDelete, encodeU32(t2)).status, 'CS_ERR_BAD_HANDLE');
  assert.equal(ask(1, conn, CmapRequest.trackAdd, encodeTrackAdd('app.', all)).status, 'CS_OK', 'room again after a delete');
  const svc = services.get(1)!;
  svc.onConnectionClosed(conn);
  const before = conn.events.length;
  ask(1, writer, CmapRequest.set, encodeSet('app.y', integerValue('u8', 1)));
  assert.equal(conn.events.length, before, 'a closed connection\'s trackers are gone');
});

test('runtime.members follow configuration changes: ip, join_count, status', () => {
  const { services, form } = cluster(3);
  form([1, 2, 3]);
  form([1, 2]);
  const s = services.get(1)!.store;
  const text = (k: string): string => new TextDecoder().decode(s.get(k)!.bytes);
  assert.equal(text('runtime.members.3.status'), 'left');
  assert.equal(text('runtime.members.2.status'), 'joined');
  assert.equal(text('runtime.members.2.ip'), 'r(0) ip(10.0.0.2) ');
  form([1, 2, 3]);
  assert.equal(text('runtime.members.3.status'), 'joined');
  assert.equal(decodeInteger(s.get('runtime.members.3.join_count')!), 2n);
  assert.equal(decodeInteger(s.get('runtime.members.1.join_count')!), 1n);
  assert.equal(s.get('runtime.members.1.join_count')!.type, 'u32');
});

test('config version: exchanged in sync (runtime.members.<id>.config_version), sent again when it changes, a mismatch at the first sync asks to stop', () => {
  const mismatches: number[] = [];
  const version = (id: number): bigint => (id === 3 ? 3n : 5n);
  const { services, ask, form } = cluster(3, (id) => ({
    config: [...CONFIG, entry('totem.config_version', integerValue('u64', version(id)))],
    onConfigVersionMismatch: () => mismatches.push(id),
  }));
  form([1, 2]);
  form([1, 2]);
  assert.deepEqual(mismatches, [], 'same versions (the second sync had old members: the first that compares)');
  const v = (node: number, of: number): bigint | undefined => {
    const x = services.get(node)!.store.get(`runtime.members.${of}.config_version`);
    return x && decodeInteger(x);
  };
  assert.equal(v(1, 2), 5n);
  assert.equal(v(2, 1), 5n);
  // Node 3 joins (no old members of its own here: no comparison), then a sync with old members
  // for everyone: only node 3 compares (1 and 2 had their one comparison), and others have a
  // higher version than its 3 (a node with the highest version never stops: Corosync's rule).
  form([1, 2, 3]);
  assert.deepEqual(mismatches, []);
  form([1, 2, 3]);
  assert.deepEqual(mismatches, [3]);
  assert.equal(v(1, 3), 3n);
  // A client changes it on node 1: NEW_CONFIG_VERSION tells the others outside any sync.
  assert.equal(ask(1, new FakeConnection(1), CmapRequest.set, encodeSet('totem.config_version', integerValue('u64', 9))).status, 'CS_OK');
  assert.equal(v(2, 1), 9n);
  assert.equal(v(3, 1), 9n);
});

test('the stats map: read on demand, read-only, no tracking, BUSY while iterators or trackers are open, unknown map', () => {
  let mcasts = 0;
  const { ask, form } = cluster(1, () => ({ config: CONFIG, stats: () => [entry('stats.srp.mcast_tx', integerValue('u64', ++mcasts))] }));
  form([1]);
  const conn = new FakeConnection(1);
  const tracker = u(ask(1, conn, CmapRequest.trackAdd, encodeTrackAdd('x.y', CmapTrack.add)).payload);
  assert.equal(ask(1, conn, CmapRequest.setCurrentMap, encodeU32(CmapMap.stats)).status, 'CS_ERR_BUSY');
  ask(1, conn, CmapRequest.trackDelete, encodeU32(tracker));
  assert.equal(ask(1, conn, CmapRequest.setCurrentMap, encodeU32(2)).status, 'CS_ERR_NOT_EXIST');
  assert.equal(ask(1, conn, CmapRequest.setCurrentMap, encodeU32(CmapMap.stats)).status, 'CS_OK');
  const a = decodeValue(ask(1, conn, CmapRequest.get, encodeKey('stats.srp.mcast_tx')).payload);
  const b = decodeValue(ask(1, conn, CmapRequest.get, encodeKey('stats.srp.mcast_tx')).payload);
  assert.ok(a.ok && b.ok);
  assert.ok(decodeInteger(b.value) > decodeInteger(a.value), 'computed at each read');
  assert.equal(ask(1, conn, CmapRequest.get, encodeKey('totem.token')).status, 'CS_ERR_NOT_EXIST', 'the icmap keys are not in it');
  assert.equal(ask(1, conn, CmapRequest.set, encodeSet('stats.srp.mcast_tx', integerValue('u64', 0))).status, 'CS_ERR_ACCESS');
  assert.equal(ask(1, conn, CmapRequest.delete, encodeKey('stats.srp.mcast_tx')).status, 'CS_ERR_NOT_SUPPORTED');
  assert.equal(ask(1, conn, CmapRequest.trackAdd, encodeTrackAdd('stats.', CmapTrack.add | CmapTrack.prefix)).status, 'CS_ERR_NOT_SUPPORTED');
});

test('refreshFromConfig: changed keys modified, vanished keys deleted, trackers hear it; runtime sources own their prefix', () => {
  let token = 1000;
  const { services, ask, form } = cluster(1, () => ({
    config: CONFIG,
    runtime: [{
      prefix: 'runtime.config.totem.',
      entries: () => [
        ...(token < 2000 ? [entry('runtime.config.totem.join', integerValue('u32', 50))] : []),
        entry('runtime.config.totem.token', integerValue('u32', token)), entry('elsewhere.key', integerValue('u8', 1)),
      ],
    }],
  }));
  form([1]);
  const conn = new FakeConnection(1);
  ask(1, conn, CmapRequest.trackAdd, encodeTrackAdd('', CmapTrack.add | CmapTrack.modify | CmapTrack.delete | CmapTrack.prefix));
  const svc = services.get(1)!;
  const problems = svc.refreshFromConfig([entry('totem.cluster_name', stringValue('lab')), entry('totem.token', integerValue('u32', 4000)), entry('x', stringValue('bad name'))]);
  assert.deepEqual(problems.map((p) => p.key), ['x']);
  token = 2000;
  svc.refreshRuntime();
  const seen = conn.events.map((e) => {
    const d = decodeNotify(e.payload);
    assert.ok(d.ok);
    return `${d.value.event} ${d.value.key}`;
  });
  assert.deepEqual(seen, ['delete nodelist.node.0.nodeid', 'delete quorum.provider', 'modify totem.token', 'modify runtime.config.totem.token', 'delete runtime.config.totem.join']);
  assert.equal(svc.store.get('elsewhere.key'), undefined, 'a source writes only under its prefix');
  svc.store.setInternal('runtime.config.totem.mine', integerValue('u8', 1));
  svc.refreshRuntime();
  assert.ok(svc.store.get('runtime.config.totem.mine'), 'a source deletes only keys it wrote');
  // A read under a source's prefix recomputes it first; a read elsewhere does not need to.
  token = 2500;
  const got = decodeValue(ask(1, conn, CmapRequest.get, encodeKey('runtime.config.totem.token')).payload);
  assert.ok(got.ok);
  assert.equal(decodeInteger(got.value), 2500n);
});
