/** The cfg library protocol: round trips, and every bound reached (keys, string bytes, node count). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CFG_KEYS_MAX, CFG_NODES_MAX, CFG_STRING_BYTES_MAX, HEARD_NEVER, decodeLinkStatus, decodeReload, decodeTestShutdown, decodeU32, encodeLinkStatus,
  encodeReload, encodeTestShutdown, encodeU32,
} from './cfg.js';

test('round trips', () => {
  const reload = { status: 7, message: 'c.conf:4: totem.token: expected a positive integer', applied: ['logging.debug'], refused: ['totem.cluster_name'] };
  assert.deepEqual(decodeReload(encodeReload(reload)), { ok: true, value: reload });
  const links = {
    localNodeId: 2, transport: 'udp', ringId: { rep: 1, seq: 2 ** 40 }, operational: true,
    nodes: [{ nodeId: 1, address: 'ünïcode.example', flags: 6, heardAgoMs: 17 }, { nodeId: 2, address: '10.0.0.2', flags: 7, heardAgoMs: HEARD_NEVER }],
  };
  assert.deepEqual(decodeLinkStatus(encodeLinkStatus(links)), { ok: true, value: links });
  assert.deepEqual(decodeTestShutdown(encodeTestShutdown({ status: 5, flags: 1 })), { ok: true, value: { status: 5, flags: 1 } });
  assert.deepEqual(decodeU32(encodeU32(0xffff_ffff)), { ok: true, value: 0xffff_ffff });
  assert.equal(decodeU32(new Uint8Array(5)).ok, false, 'trailing bytes');
});

test('bounds: key lists cut to CFG_KEYS_MAX, a long message cut to CFG_STRING_BYTES_MAX on a character boundary, too many nodes refused', () => {
  const keys = Array.from({ length: CFG_KEYS_MAX + 10 }, (_, i) => `logging.logger_subsys.${i}.debug`);
  const message = 'é'.repeat(CFG_STRING_BYTES_MAX);
  const r = decodeReload(encodeReload({ status: 1, message, applied: keys, refused: [] }));
  assert.ok(r.ok);
  assert.equal(r.value.applied.length, CFG_KEYS_MAX);
  assert.equal(r.value.message, 'é'.repeat(CFG_STRING_BYTES_MAX / 2), 'whole characters only');
  // A node count above the bound is refused before anything is allocated for it.
  const head = encodeLinkStatus({ localNodeId: 1, transport: 'udpu', ringId: { rep: 1, seq: 1 }, operational: true, nodes: [] });
  const view = new DataView(head.buffer, head.byteOffset, head.length);
  view.setUint32(head.length - 4, CFG_NODES_MAX + 1, true);
  const bad = decodeLinkStatus(head);
  assert.equal(bad.ok, false);
  assert.equal(bad.ok ? '' : bad.code, 'TOO_MANY_ENTRIES');
});
