import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeInteger, integerValue } from '../../protocol/cmap-values.js';
import { decodeMcast, encodeMcast, MCAST_HEADER_BYTES } from './wire.js';

test('MCAST has Corosync 3.1.7\'s layout: reason @16, no_items @24, items of 280 bytes + value padded to 8', () => {
  const m = encodeMcast({ reason: 0, items: [{ key: 'totem.config_version', value: integerValue('u64', 0x0102030405n) }] });
  assert.equal(m.length, 336, 'sizeof(req_exec_cmap_mcast) 48 + item 280 + 8');
  const view = new DataView(m.buffer, m.byteOffset, m.byteLength);
  assert.equal(m[16], 0);
  assert.equal(m[24], 1);
  assert.equal(view.getUint16(MCAST_HEADER_BYTES, true), 20, 'mar_name_t length');
  assert.equal(new TextDecoder().decode(m.subarray(MCAST_HEADER_BYTES + 8, MCAST_HEADER_BYTES + 28)), 'totem.config_version');
  assert.equal(m[MCAST_HEADER_BYTES + 264], 8, 'ICMAP_VALUETYPE_UINT64');
  assert.equal(view.getBigUint64(MCAST_HEADER_BYTES + 272, true), 8n);
  assert.equal(view.getBigUint64(MCAST_HEADER_BYTES + 280, true), 0x0102030405n);
  const d = decodeMcast(m);
  assert.ok(d.ok);
  assert.equal(d.value.items[0]!.key, 'totem.config_version');
  assert.equal(decodeInteger(d.value.items[0]!.value!), 0x0102030405n);
});

test('a key the sender lacks goes as type 0, length 0; strings lose Corosync\'s NUL; bad messages are refused, never thrown', () => {
  const absent = encodeMcast({ reason: 1, items: [{ key: 'totem.config_version', value: undefined }] });
  assert.equal(absent.length, 48 + 280);
  const d = decodeMcast(absent);
  assert.ok(d.ok);
  assert.equal(d.value.reason, 1);
  assert.equal(d.value.items[0]!.value, undefined);
  const withNul = encodeMcast({ reason: 1, items: [{ key: 'a.str', value: { type: 'str', bytes: new TextEncoder().encode('ab\0') } }] });
  const s = decodeMcast(withNul);
  assert.ok(s.ok);
  assert.equal(new TextDecoder().decode(s.value.items[0]!.value!.bytes), 'ab');
  const bad = Uint8Array.from(absent);
  bad[16] = 2;
  assert.equal(decodeMcast(bad).ok, false, 'unknown reason');
  assert.equal(decodeMcast(absent.subarray(0, 100)).ok, false, 'truncated');
  const wrongSize = encodeMcast({ reason: 0, items: [{ key: 'k.k', value: integerValue('u64', 1) }] });
  wrongSize[48 + 272] = 4;
  assert.equal(decodeMcast(wrongSize).ok, false, 'a u64 of 4 bytes');
  const many = Uint8Array.from(absent);
  many[24] = 33;
  assert.equal(decodeMcast(many).ok, false, 'more than 32 items');
});
