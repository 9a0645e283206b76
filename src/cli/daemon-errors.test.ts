import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainDaemonError, isLocalAddress, pickNode } from './daemon-errors.js';

const LOCAL = new Set(['10.0.0.5', '127.0.0.1', '::1']);
const NODES = [{ nodeId: 1, address: '10.0.0.5' }, { nodeId: 2, address: '10.0.0.6' }];

test('pickNode: the one local entry; --nodeid must name a local address, and the hint names the ones that are', () => {
  assert.deepEqual(pickNode(NODES, undefined, LOCAL), { ok: true, nodeId: 1 });
  assert.deepEqual(pickNode(NODES, '1', LOCAL), { ok: true, nodeId: 1 });
  const remote = pickNode(NODES, '2', LOCAL);
  assert.equal(remote.ok, false);
  // The hint leads to a node id that starts (not into EADDRNOTAVAIL).
  assert.match(!remote.ok ? remote.message : '', /--nodeid 2: its address 10\.0\.0\.6 is not an address of this host \(10\.0\.0\.5, 127\.0\.0\.1, ::1\); the entries with a local address are --nodeid 1$/);
  const none = pickNode([{ nodeId: 7, address: '198.51.100.7' }], undefined, LOCAL);
  assert.match(!none.ok ? none.message : '', /no nodelist entry names an address of this host \(nodelist: 7 \(198\.51\.100\.7\); this host: /);
  const noneFlag = pickNode([{ nodeId: 7, address: '198.51.100.7' }], '7', LOCAL);
  assert.match(!noneFlag.ok ? noneFlag.message : '', /no nodelist entry names one of them: run ringcastd on the host that has 198\.51\.100\.7/);
  assert.match((pickNode(NODES, 'x', LOCAL) as { message: string }).message, /--nodeid x is not in the nodelist \(its nodes: 1 \(10\.0\.0\.5\), 2 \(10\.0\.0\.6\)\)/);
  const loop = [1, 2, 3].map((i) => ({ nodeId: i, address: `127.0.0.${i}` }));
  assert.match((pickNode(loop, undefined, LOCAL) as { message: string }).message, /several nodelist entries are local \(1, 2, 3\), as on loopback; pick one with --nodeid 1/);
  assert.deepEqual(pickNode(loop, '3', LOCAL), { ok: true, nodeId: 3 }, 'all of 127/8 is local on Linux');
  assert.equal(isLocalAddress('::2', LOCAL), false);
});

test('explainDaemonError: one line per everyday failure, no stack', () => {
  const errno = (message: string, props: Record<string, unknown>) => Object.assign(new Error(message), props);
  const inUse = explainDaemonError(errno('bind EADDRINUSE 127.0.0.1:5405', { code: 'EADDRINUSE', syscall: 'bind', address: '127.0.0.1', port: 5405 }), { stateDir: '/s' });
  assert.match(inUse, /^cannot bind UDP 127\.0\.0\.1:5405: the port is in use .*totem \{ mcastport \}$/);
  const notHere = explainDaemonError(errno('bind EADDRNOTAVAIL 10.1.1.1', { code: 'EADDRNOTAVAIL', syscall: 'bind', address: '10.1.1.1' }), { stateDir: '/s' });
  assert.match(notHere, /^cannot bind 10\.1\.1\.1: it is not an address of this host/);
  const wrapped = new Error('cannot listen on /s/ringcast.sock', { cause: errno('EACCES: permission denied', { code: 'EACCES', path: '/s/ringcast.sock' }) });
  assert.match(explainDaemonError(wrapped, { stateDir: '/s' }), /^cannot listen on \/s\/ringcast\.sock: permission denied on \/s\/ringcast\.sock; .*--state-dir DIR; now \/s\)$/);
  assert.equal(explainDaemonError(Object.assign(new Error('odd'), { code: 'CS_ERR_EXIST' }), { stateDir: '/s' }), 'odd [CS_ERR_EXIST]');
  for (const line of [inUse, notHere]) assert.doesNotMatch(line, /\n|\bat /);
});
