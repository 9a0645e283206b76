/** cfg's executive messages: Corosync's ids and sizes (exec/cfg.c), offsets, strict decoding. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHeader, writeExecHeader } from '../../exec/header.js';
import { CFG_SERVICE_ID, CfgMessageId, decodeReloadConfig, decodeShutdown, encodeCfgMessage, RELOAD_CONFIG_BYTES, SHUTDOWN_BYTES } from './wire.js';

test('SHUTDOWN is the 16-byte header alone with id 0x10002; RELOAD_CONFIG is 32 bytes with the source node id at 16 and the connection at 24', () => {
  const shutdown = writeExecHeader(encodeCfgMessage({ kind: 'shutdown' }), CFG_SERVICE_ID, CfgMessageId.shutdown, 0);
  assert.equal(shutdown.length, SHUTDOWN_BYTES);
  assert.equal(new DataView(shutdown.buffer, shutdown.byteOffset).getUint32(0, true), 0x10002);
  assert.deepEqual(decodeShutdown(shutdown), { ok: true, value: { kind: 'shutdown' } });
  const reload = writeExecHeader(encodeCfgMessage({ kind: 'reloadConfig', source: { nodeId: 7, conn: 42 } }), CFG_SERVICE_ID, CfgMessageId.reloadConfig, 0);
  assert.equal(reload.length, RELOAD_CONFIG_BYTES);
  const view = new DataView(reload.buffer, reload.byteOffset);
  assert.equal(view.getUint32(0, true), 0x10003);
  assert.equal(view.getUint32(16, true), 7);
  assert.equal(view.getBigUint64(24, true), 42n);
  const h = decodeHeader(reload);
  assert.ok(h.ok);
  assert.deepEqual(decodeReloadConfig(reload), { ok: true, value: { kind: 'reloadConfig', source: { nodeId: 7, conn: 42 } } });
  assert.equal(decodeReloadConfig(reload.subarray(0, 31)).ok, false);
  assert.equal(decodeShutdown(reload).ok, false);
  // A Corosync node's 64-bit connection pointer above 2^53 reads as 0, not as a wrong number.
  view.setBigUint64(24, 0xffff_8000_0000_1234n, true);
  assert.deepEqual(decodeReloadConfig(reload), { ok: true, value: { kind: 'reloadConfig', source: { nodeId: 7, conn: 0 } } });
});
