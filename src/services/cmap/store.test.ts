import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CmapStore, decodeInteger, floatValue, formatLine, formatValue, integerValue, stringValue, TRACK, type CmapNotice } from './store.js';

test('set, get, delete, and the errors a client sees', () => {
  const m = new CmapStore();
  assert.deepEqual(m.set('totem.token', integerValue('u32', 3000)), { ok: true });
  assert.equal(decodeInteger(m.get('totem.token')!), 3000n);
  assert.equal(m.delete('totem.nope').ok, false);
  assert.equal((m.delete('totem.nope') as { code: string }).code, 'CS_ERR_NOT_EXIST');
  assert.equal((m.set('ab', stringValue('x')) as { code: string }).code, 'CS_ERR_NAME_TOO_LONG', 'names are 3 to 255 characters');
  assert.equal((m.set('a'.repeat(256), stringValue('x')) as { code: string }).code, 'CS_ERR_NAME_TOO_LONG');
  assert.equal((m.set('bad key!', stringValue('x')) as { code: string }).code, 'CS_ERR_NAME_TOO_LONG', 'characters outside [a-zA-Z0-9._/:-]');
  assert.equal((m.set('x.u32', { type: 'u32', bytes: new Uint8Array(3) }) as { code: string }).code, 'CS_ERR_INVALID_PARAM');
  assert.equal((m.set('x.big', { type: 'bin', bytes: new Uint8Array(16 * 1024 + 1) }) as { code: string }).code, 'CS_ERR_INVALID_PARAM');
  assert.deepEqual(m.set('x.big', { type: 'bin', bytes: new Uint8Array(16 * 1024) }), { ok: true });
});

test('read-only keys and prefixes refuse clients but not the daemon', () => {
  const m = new CmapStore();
  m.protect('nodelist.');
  m.protect('totem.cluster_name');
  assert.equal((m.set('nodelist.node.0.nodeid', integerValue('u32', 1)) as { code: string }).code, 'CS_ERR_ACCESS');
  assert.deepEqual(m.setInternal('nodelist.node.0.nodeid', integerValue('u32', 1)), { ok: true });
  assert.equal((m.delete('nodelist.node.0.nodeid') as { code: string }).code, 'CS_ERR_ACCESS');
  assert.equal((m.set('totem.cluster_name', stringValue('x')) as { code: string }).code, 'CS_ERR_ACCESS');
  assert.deepEqual(m.set('totem.cluster_namex', stringValue('x')), { ok: true }, 'an exact key protects only itself');
});

test('iteration by prefix is in byte order', () => {
  const m = new CmapStore();
  for (const k of ['nodelist.node.2.nodeid', 'nodelist.node.10.nodeid', 'nodelist.node.1.nodeid', 'totem.token']) m.setInternal(k, integerValue('u32', 1));
  assert.deepEqual(m.keys('nodelist.'), ['nodelist.node.1.nodeid', 'nodelist.node.10.nodeid', 'nodelist.node.2.nodeid']);
  assert.equal(m.keys().length, 4);
});

test('trackers hear add, modify and delete in order; an identical set notifies nobody', () => {
  const m = new CmapStore();
  const heard: CmapNotice[] = [];
  const exact: CmapNotice[] = [];
  const h = m.track('quorum.', TRACK.add | TRACK.modify | TRACK.delete | TRACK.prefix, (n) => heard.push(n));
  m.track('quorum.expected_votes', TRACK.modify, (n) => exact.push(n));
  m.set('quorum.expected_votes', integerValue('u32', 3));
  m.set('quorum.expected_votes', integerValue('u32', 3));
  m.set('quorum.expected_votes', integerValue('u32', 5));
  m.set('quorum.expected_votes', integerValue('u8', 5));
  m.set('totem.token', integerValue('u32', 1));
  m.delete('quorum.expected_votes');
  assert.deepEqual(heard.map((n) => n.event), ['add', 'modify', 'modify', 'delete']);
  assert.equal(heard[1]!.oldValue && decodeInteger(heard[1]!.oldValue), 3n);
  assert.equal(heard[3]!.newValue, undefined);
  assert.deepEqual(exact.map((n) => n.event), ['modify', 'modify'], 'an exact tracker with MODIFY only');
  assert.deepEqual(m.untrack(h as number), { ok: true });
  assert.equal(m.untrack(h as number).ok, false);
  assert.equal((m.track('x.y', TRACK.prefix, () => {}) as { code: string }).code, 'CS_ERR_INVALID_PARAM');
});

test('inc and dec: integers only, wrapping at the width', () => {
  const m = new CmapStore();
  m.set('a.u8', integerValue('u8', 255));
  m.adjust('a.u8', 1);
  assert.equal(decodeInteger(m.get('a.u8')!), 0n);
  m.set('a.i16', integerValue('i16', -1));
  m.adjust('a.i16', -1);
  assert.equal(decodeInteger(m.get('a.i16')!), -2n);
  m.set('a.str', stringValue('x'));
  assert.equal((m.adjust('a.str', 1) as { code: string }).code, 'CS_ERR_INVALID_PARAM');
  assert.equal((m.adjust('a.none', 1) as { code: string }).code, 'CS_ERR_NOT_EXIST');
});

test('values print as corosync-cmapctl prints them', () => {
  assert.equal(formatValue(integerValue('u64', 18446744073709551615n)), '18446744073709551615');
  assert.equal(formatValue(integerValue('i32', -5)), '-5');
  assert.equal(formatValue(stringValue('r(0) ip(10.0.0.1) ')), 'r(0) ip(10.0.0.1) ');
  assert.equal(formatValue(floatValue('dbl', 0.5)), '0.500000', '%lf: six decimals');
  assert.equal(formatValue(floatValue('flt', 0.1)), '0.100000');
  assert.equal(formatValue(floatValue('dbl', 1e22)), '10000000000000000000000.000000');
  assert.equal(formatLine('a.bin', { type: 'bin', bytes: Uint8Array.from([0, 171]) }), 'a.bin (bin)', 'binary values only with -b');
  assert.equal(formatLine('a.bin', { type: 'bin', bytes: Uint8Array.from([0x41, 0x5c, 0, 171]) }, { binary: true }), 'a.bin (bin) = A\\\\\\x00\\xAB');
  assert.equal(formatLine('a.bin', { type: 'bin', bytes: new Uint8Array(0) }, { binary: true }), 'a.bin (bin) = *empty*');
  assert.equal(formatLine('totem.token', integerValue('u32', 3000)), 'totem.token (u32) = 3000');
});

test('the key count bound: a new key past it is refused, existing keys still change', () => {
  const m = new CmapStore(3);
  for (const k of ['a.1', 'a.2', 'a.3']) assert.deepEqual(m.set(k, integerValue('u8', 1)), { ok: true });
  assert.equal((m.set('a.4', integerValue('u8', 1)) as { code: string }).code, 'CS_ERR_NO_RESOURCES');
  assert.equal(m.get('a.4'), undefined);
  assert.deepEqual(m.set('a.3', integerValue('u8', 2)), { ok: true });
  m.delete('a.1');
  assert.deepEqual(m.set('a.4', integerValue('u8', 1)), { ok: true });
});

test('property, 200 seeds: a prefix tracker\'s notices replayed on a copy rebuild the map exactly; refusals change nothing', () => {
  for (let seed = 1; seed <= 200; seed++) {
    let x = seed * 2654435761 >>> 0;
    const rand = (n: number): number => {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      return x % n;
    };
    const m = new CmapStore(12);
    m.protect('ro.');
    const copy = new Map<string, string>();
    const show = (v: { type: string; bytes: Uint8Array }): string => `${v.type}:${Array.from(v.bytes).join(',')}`;
    m.track('', TRACK.add | TRACK.modify | TRACK.delete | TRACK.prefix, (n) => {
      if (n.event === 'delete') {
        assert.ok(copy.has(n.key), `seed ${seed}: delete of a key never added`);
        copy.delete(n.key);
      } else {
        assert.equal(copy.has(n.key), n.event === 'modify', `seed ${seed}: ${n.event} ${n.key}`);
        assert.notEqual(n.oldValue && show(n.oldValue), show(n.newValue!), `seed ${seed}: a notice for an identical value`);
        copy.set(n.key, show(n.newValue!));
      }
    });
    for (let step = 0; step < 300; step++) {
      const key = `${rand(4) === 0 ? 'ro' : 'k'}.${rand(20)}`;
      const before = m.keys().map((k) => `${k}=${show(m.get(k)!)}`).join(' ');
      let r;
      switch (rand(4)) {
        case 0: r = m.set(key, integerValue(rand(2) ? 'u8' : 'i16', rand(3))); break;
        case 1: r = m.set(key, stringValue(String(rand(3)))); break;
        case 2: r = m.delete(key); break;
        default: r = m.adjust(key, rand(3) - 1); break;
      }
      if (!r.ok) assert.equal(m.keys().map((k) => `${k}=${show(m.get(k)!)}`).join(' '), before, `seed ${seed}: refused ${r.code} changed the map`);
      assert.ok(m.size <= 12, 'the key bound holds');
    }
    assert.deepEqual(new Map(m.keys().map((k) => [k, show(m.get(k)!)])), copy, `seed ${seed}`);
  }
});
