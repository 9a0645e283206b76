/**
 * OpenAIS's CLM test programs, call for call, through the SA-style layer against in-process
 * daemons: test/testclm.c (initialize B.1.1 with both callbacks, node get of the local node, five
 * async node gets with made-up ids, track CURRENT|CHANGES into a 64-entry buffer, dispatch,
 * track stop "should be 1", finalize "should be 1") and test/testclm2.c (query mode asking B.1.0
 * and getting B.1.1, a NULL notification array the library fills; callback full and delta modes
 * seeing a second node join and leave with dispatch ONE). Plus the SA error rules of the design note.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freeUdpPorts, startTestDaemon, waitFor, type TestDaemon } from '../daemon/testing.js';
import { SA_AIS_ERROR } from '../protocol/sa-errors.js';
import { SA_CLM_LOCAL_NODE_ID, SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT } from '../protocol/clm-protocol.js';
import {
  SA_DISPATCH_ALL,
  SA_DISPATCH_BLOCKING,
  SA_DISPATCH_ONE,
  SA_TIME_END,
  saClmClusterNodeGet,
  saClmClusterNodeGetAsync,
  saClmClusterTrack,
  saClmClusterTrackStop,
  saClmDispatch,
  saClmFinalize,
  saClmInitialize,
  saClmPendingCallbacks,
  type SaClmClusterNotificationBuffer,
  type SaVersion,
} from './sa-clm.js';
import type { ClmNode } from './clm-types.js';

const { SA_AIS_OK, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_NOT_EXIST, SA_AIS_ERR_VERSION, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_INIT, SA_AIS_ERR_TIMEOUT, SA_AIS_ERR_NO_SPACE } = SA_AIS_ERROR;

test('testclm.c: local node get, async gets of made-up ids, CURRENT|CHANGES into a buffer, dispatch, track stop, finalize', async (t) => {
  const d = await startTestDaemon();
  t.after(() => d.stop());
  const nodeGets: { invocation: number; node: ClmNode | null; error: number }[] = [];
  const out: { handle?: number } = {};
  const version: SaVersion = { releaseCode: 'B', majorVersion: 1, minorVersion: 1 };
  assert.equal(await saClmInitialize(out, {
    saClmClusterNodeGetCallback: (invocation, node, error) => nodeGets.push({ invocation, node, error }),
    saClmClusterTrackCallback: () => {},
  }, version, { stateDir: d.stateDir }), SA_AIS_OK);
  const handle = out.handle!;
  const local: { clusterNode?: ClmNode } = {};
  assert.equal(await saClmClusterNodeGet(handle, SA_CLM_LOCAL_NODE_ID, SA_TIME_END, local), SA_AIS_OK);
  assert.equal(local.clusterNode?.nodeId, 1);
  for (const [invocation, id] of [[55, SA_CLM_LOCAL_NODE_ID], [59, SA_CLM_LOCAL_NODE_ID], [57, SA_CLM_LOCAL_NODE_ID], [60, 0x6201a8c0], [61, 0x6a01a8f0]] as const) {
    assert.equal(await saClmClusterNodeGetAsync(handle, invocation, id), SA_AIS_OK);
  }
  const buffer: SaClmClusterNotificationBuffer = { viewNumber: 0, numberOfItems: 64, notification: new Array(64) };
  assert.equal(await saClmClusterTrack(handle, SA_TRACK_CURRENT | SA_TRACK_CHANGES, buffer), SA_AIS_OK);
  assert.equal(buffer.numberOfItems, 1);
  assert.equal(buffer.notification![0]!.nodeId, 1);
  assert.equal(buffer.viewNumber, d.daemon.host.clm.core.viewNumber);
  assert.equal(saClmPendingCallbacks(handle), 5);
  assert.equal(await saClmDispatch(handle, SA_DISPATCH_ALL), SA_AIS_OK);
  assert.deepEqual(nodeGets.map((g) => `${g.invocation}:${g.error}:${g.node?.nodeId ?? 'none'}`), ['55:1:1', '59:1:1', '57:1:1', '60:12:none', '61:12:none']);
  assert.equal(await saClmClusterTrackStop(handle), SA_AIS_OK, 'should be 1');
  assert.equal(await saClmFinalize(handle), SA_AIS_OK, 'should be 1');
  assert.equal(await saClmFinalize(handle), SA_AIS_ERR_BAD_HANDLE);
  assert.equal(await saClmClusterTrack(handle, SA_TRACK_CURRENT, buffer), SA_AIS_ERR_BAD_HANDLE);
});

test('testclm2.c: query mode (B.1.0 gets B.1.1, a NULL array filled), callback full and delta modes through a join and a leave', { timeout: 60_000 }, async (t) => {
  const ports = await freeUdpPorts(2);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const a = await startTestDaemon({ nodeId: 1, nodes, waitMembers: 1 });
  t.after(() => a.stop());
  const version: SaVersion = { releaseCode: 'B', majorVersion: 1, minorVersion: 0 };
  const q: { handle?: number } = {};
  assert.equal(await saClmInitialize(q, null, version, { stateDir: a.stateDir }), SA_AIS_OK);
  assert.deepEqual(version, { releaseCode: 'B', majorVersion: 1, minorVersion: 1 }, 'the library answers the version it has');
  const query: SaClmClusterNotificationBuffer = { viewNumber: 123456789, numberOfItems: 123456789, notification: null };
  assert.equal(await saClmClusterTrack(q.handle!, SA_TRACK_CURRENT, query), SA_AIS_OK);
  assert.equal(query.numberOfItems, 1);
  assert.equal(query.notification!.length, 1);
  assert.equal(query.notification![0]!.change, 'NO_CHANGE');
  assert.equal(await saClmFinalize(q.handle!), SA_AIS_OK);

  const seen = { full: [] as string[], delta: [] as string[] };
  const handles: Record<'full' | 'delta', number> = { full: 0, delta: 0 };
  for (const mode of ['full', 'delta'] as const) {
    const out: { handle?: number } = {};
    assert.equal(await saClmInitialize(out, {
      saClmClusterTrackCallback: (buffer, members) => seen[mode].push(`${members}|${buffer.notification!.map((i) => `${i.nodeId}:${i.change}`).join(' ')}`),
    }, { releaseCode: 'B', majorVersion: 1, minorVersion: 1 }, { stateDir: a.stateDir }), SA_AIS_OK);
    handles[mode] = out.handle!;
    assert.equal(await saClmClusterTrack(out.handle!, mode === 'full' ? SA_TRACK_CHANGES : SA_TRACK_CHANGES_ONLY, null), SA_AIS_OK);
  }
  let b: TestDaemon | undefined = await startTestDaemon({ nodeId: 2, nodes, waitMembers: 0 });
  t.after(() => b?.stop());
  await waitFor('both handles have the join pending', () => saClmPendingCallbacks(handles.full) === 1 && saClmPendingCallbacks(handles.delta) === 1);
  await b.stop();
  b = undefined;
  await waitFor('both handles have the leave pending', () => saClmPendingCallbacks(handles.full) === 2 && saClmPendingCallbacks(handles.delta) === 2);
  for (const mode of ['full', 'delta'] as const) {
    assert.equal(await saClmDispatch(handles[mode], SA_DISPATCH_ONE), SA_AIS_OK);
    assert.equal(seen[mode].length, 1, 'ONE runs one callback');
    assert.equal(await saClmDispatch(handles[mode], SA_DISPATCH_ONE), SA_AIS_OK);
    assert.equal(await saClmDispatch(handles[mode], SA_DISPATCH_ONE), SA_AIS_OK, 'ONE with nothing pending returns, it does not block');
  }
  assert.deepEqual(seen.full, ['2|1:NO_CHANGE 2:JOINED', '1|1:NO_CHANGE 2:LEFT']);
  assert.deepEqual(seen.delta, ['2|2:JOINED', '1|2:LEFT']);
  // As on SIGINT: track stop, then finalize; a blocking dispatch returns OK once the handle is finalized.
  const blocking = saClmDispatch(handles.full, SA_DISPATCH_BLOCKING);
  for (const mode of ['full', 'delta'] as const) {
    assert.equal(await saClmClusterTrackStop(handles[mode]), SA_AIS_OK);
    assert.equal(await saClmFinalize(handles[mode]), SA_AIS_OK);
  }
  assert.equal(await blocking, SA_AIS_OK);
});

test('SA rules: versions, NULL arguments, flags, INIT without callbacks, NO_SPACE, TIMEOUT, NOT_EXIST, dispatch flags', async (t) => {
  const d = await startTestDaemon();
  t.after(() => d.stop());
  const opts = { stateDir: d.stateDir };
  for (const [releaseCode, majorVersion] of [['A', 1], ['B', 2], ['C', 1]] as const) {
    const v: SaVersion = { releaseCode, majorVersion, minorVersion: 1 };
    assert.equal(await saClmInitialize({}, null, v, opts), SA_AIS_ERR_VERSION, `${releaseCode}.${majorVersion}`);
    assert.deepEqual(v, { releaseCode: 'B', majorVersion: 1, minorVersion: 1 });
  }
  assert.equal(await saClmInitialize(null, null, { releaseCode: 'B', majorVersion: 1, minorVersion: 1 }, opts), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saClmInitialize({}, null, null, opts), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saClmInitialize({}, null, { releaseCode: 'B', majorVersion: 1, minorVersion: 1 }, { stateDir: '/nonexistent' }), SA_AIS_ERROR.SA_AIS_ERR_LIBRARY);
  const out: { handle?: number } = {};
  assert.equal(await saClmInitialize(out, null, { releaseCode: 'B', majorVersion: 1, minorVersion: 1 }, opts), SA_AIS_OK);
  const h = out.handle!;
  assert.equal(await saClmClusterTrack(h, SA_TRACK_CURRENT, null), SA_AIS_ERR_INIT, 'OpenSAF saClmClusterTrack_07');
  assert.equal(await saClmClusterTrack(h, SA_TRACK_CHANGES, { viewNumber: 0, numberOfItems: 4, notification: [] }), SA_AIS_ERR_INIT);
  assert.equal(await saClmClusterTrack(h, SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY, null), SA_AIS_ERR_BAD_FLAGS);
  assert.equal(await saClmClusterTrack(h, 0x40, null), SA_AIS_ERR_BAD_FLAGS);
  assert.equal(await saClmClusterTrack(h, 0, { viewNumber: 0, numberOfItems: 4, notification: null }), SA_AIS_ERR_BAD_FLAGS, 'flags 0 (OpenAIS: OK)');
  assert.equal(await saClmClusterTrack(h, SA_TRACK_CURRENT, { viewNumber: 0, numberOfItems: 0, notification: [] }), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST, 'not tracking');
  const node: { clusterNode?: ClmNode } = {};
  assert.equal(await saClmClusterNodeGet(h, 1, 0n, node), SA_AIS_ERR_TIMEOUT);
  assert.equal(await saClmClusterNodeGet(h, 1, SA_TIME_END, null), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saClmClusterNodeGet(h, 99, SA_TIME_END, node), SA_AIS_ERR_NOT_EXIST, 'OpenSAF saClmClusterNodeGet_06 (OpenAIS: OK, undefined node)');
  assert.equal(await saClmClusterNodeGetAsync(h, 1, 1), SA_AIS_ERR_INIT, 'no node get callback');
  assert.equal(await saClmDispatch(h, 7), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saClmDispatch(9999, 7), SA_AIS_ERR_INVALID_PARAM, 'flags before the handle');
  assert.equal(await saClmDispatch(9999, SA_DISPATCH_ALL), SA_AIS_ERR_BAD_HANDLE);
  assert.equal(await saClmFinalize(h), SA_AIS_OK);
});

test('NO_SPACE: a caller array shorter than the view gets the required count (SA rule; OpenAIS truncated silently)', { timeout: 60_000 }, async (t) => {
  const ports = await freeUdpPorts(2);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const [a, b] = await Promise.all(nodes.map((n) => startTestDaemon({ nodeId: n.nodeId, nodes })));
  t.after(() => Promise.all([a!.stop(), b!.stop()]));
  const out: { handle?: number } = {};
  assert.equal(await saClmInitialize(out, null, { releaseCode: 'B', majorVersion: 1, minorVersion: 1 }, { stateDir: a!.stateDir }), SA_AIS_OK);
  const short: SaClmClusterNotificationBuffer = { viewNumber: 0, numberOfItems: 1, notification: new Array(1) };
  assert.equal(await saClmClusterTrack(out.handle!, SA_TRACK_CURRENT, short), SA_AIS_ERR_NO_SPACE);
  assert.equal(short.numberOfItems, 2);
  assert.equal(await saClmClusterTrack(out.handle!, SA_TRACK_CURRENT, short), SA_AIS_OK);
  assert.deepEqual(short.notification!.map((i) => i.nodeId), [1, 2]);
  assert.equal(await saClmFinalize(out.handle!), SA_AIS_OK);
});
