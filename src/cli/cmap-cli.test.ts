/**
 * cmap on real daemons (in-process, UDP loopback) with `ringcast cmap` as a separate process:
 * get / set / delete / dump / track with corosync-cmapctl's lines, messages and exit codes, a
 * read-only key refused and unchanged, and a tracker that sees runtime.members.<id>.status turn
 * to "left" when a node dies (its ring stops without a leave message). The client library's
 * bounds: key length, value size, trackers per connection; tracking ends with its AbortSignal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, RingcastError } from '../client/index.js';
import { freeUdpPorts, startTestDaemon, waitFor, type TestDaemon } from '../daemon/testing.js';
import { CmapRequest, encodeSet } from '../protocol/cmap.js';
import { cmapConfigFromText } from './cmap-config.js';

const CLI = join(fileURLToPath(new URL('.', import.meta.url)), 'ringcast.js');

interface Run { code: number | null; stdout: string; stderr: string }

function cli(args: string[], options: { onStdout?: (text: string) => void } = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, RINGCAST_STATE_DIR: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c;
    options.onStdout?.(stdout);
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`ringcast ${args.join(' ')}: no exit in 20 s; stdout ${stdout}`))), 20_000);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

const confText = (nodes: { nodeId: number; port: number }[]): string => `totem {
  version: 2
  cluster_name: lab
  token: 200
  config_version: 3
}
nodelist {
${nodes.map((n) => `  node {\n    ring0_addr: 127.0.0.1\n    nodeid: ${n.nodeId}\n    name: n${n.nodeId}\n  }`).join('\n')}
}
`;

async function startThree(t: { after(fn: () => Promise<unknown>): void }): Promise<TestDaemon[]> {
  const ports = await freeUdpPorts(3);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const text = confText(nodes);
  const ds = await Promise.all(nodes.map((n) => startTestDaemon({
    nodeId: n.nodeId, nodes, waitMembers: 0, overrides: { cmapConfig: cmapConfigFromText(text, n.nodeId) },
  })));
  t.after(() => Promise.all(ds.map((d) => d.stop())));
  await waitFor('three synced daemons', () => ds.every((d) => d.daemon.node.status().members.length === 3 && d.daemon.host.exec.syncState === 'done'), 20_000);
  return ds;
}

test('ringcast cmap get / set / delete / dump: corosync-cmapctl\'s lines, messages and exit codes; a read-only key stays as it was', async (t) => {
  const [d1] = await startThree(t);
  const dir = ['--state-dir', d1!.stateDir];
  assert.deepEqual(await cli(['cmap', 'get', 'totem.cluster_name', ...dir]), { code: 0, stdout: 'totem.cluster_name (str) = lab\n', stderr: '' });
  assert.deepEqual(await cli(['cmap', 'get', 'totem.config_version', 'nodelist.local_node_pos', ...dir]),
    { code: 0, stdout: 'totem.config_version (u64) = 3\nnodelist.local_node_pos (u32) = 0\n', stderr: '' });
  assert.deepEqual(await cli(['cmap', 'get', 'no.such.key', ...dir]), { code: 1, stdout: '', stderr: 'Can\'t get key no.such.key. Error CS_ERR_NOT_EXIST\n' });
  // Read-only: refused with Corosync's words, nothing changed.
  assert.deepEqual(await cli(['cmap', 'set', 'totem.cluster_name', 'str', 'other', ...dir]),
    { code: 1, stdout: '', stderr: 'Failed to set key totem.cluster_name. Error CS_ERR_ACCESS\n' });
  assert.deepEqual(await cli(['cmap', 'delete', 'nodelist.node.0.nodeid', ...dir]),
    { code: 1, stdout: '', stderr: 'Can\'t delete key nodelist.node.0.nodeid. Error CS_ERR_ACCESS\n' });
  assert.equal((await cli(['cmap', 'get', 'totem.cluster_name', ...dir])).stdout, 'totem.cluster_name (str) = lab\n');
  // Wrong types and values: the tool's own refusals.
  assert.deepEqual(await cli(['cmap', 'set', 'app.x', 'u9', '1', ...dir]), { code: 1, stdout: '', stderr: 'Unknown type u9\n' });
  assert.deepEqual(await cli(['cmap', 'set', 'app.x', 'u8', '300', ...dir]), { code: 1, stdout: '', stderr: '300 is not valid u8 integer\n' });
  assert.deepEqual(await cli(['cmap', 'set', 'app.x', 'u32', 'abc', ...dir]), { code: 1, stdout: '', stderr: 'abc is not valid u32 type value\n' });
  assert.deepEqual(await cli(['cmap', 'set', 'app.x', 'u8', ...dir]), { code: 1, stdout: '', stderr: 'At least 3 parameters are expected for set\n' });
  assert.deepEqual(await cli(['cmap', 'get', ...dir]), { code: 1, stdout: '', stderr: 'Expected key after options\n' });
  assert.deepEqual(await cli(['cmap', 'set', 'bad key', 'str', 'x', ...dir]), { code: 1, stdout: '', stderr: 'Failed to set key bad key. Error CS_ERR_NAME_TOO_LONG\n' });
  assert.equal((await cli(['cmap', 'get', 'app.x', ...dir])).code, 1, 'nothing was created by a refusal');
  // Accepted writes, in text and JSON.
  assert.deepEqual(await cli(['cmap', 'set', 'app.mode', 'str', 'active', ...dir]), { code: 0, stdout: '', stderr: '' });
  assert.deepEqual(await cli(['cmap', 'set', 'app.big', 'u64', '18446744073709551615', ...dir]), { code: 0, stdout: '', stderr: '' });
  assert.deepEqual(await cli(['cmap', 'set', 'app.ratio', 'dbl', '0.25', ...dir]), { code: 0, stdout: '', stderr: '' });
  assert.deepEqual(await cli(['cmap', 'dump', 'app.', ...dir]), {
    code: 0, stderr: '', stdout: 'app.big (u64) = 18446744073709551615\napp.mode (str) = active\napp.ratio (dbl) = 0.250000\n',
  });
  const json = await cli(['cmap', 'dump', 'app.', '--json', ...dir]);
  assert.deepEqual(json.stdout.trim().split('\n').map((l) => JSON.parse(l)), [
    { key: 'app.big', type: 'u64', value: '18446744073709551615' },
    { key: 'app.mode', type: 'str', value: 'active' },
    { key: 'app.ratio', type: 'dbl', value: 0.25 },
  ]);
  assert.deepEqual(await cli(['cmap', 'delete', 'app.mode', ...dir]), { code: 0, stdout: '', stderr: '' });
  assert.deepEqual(await cli(['cmap', 'delete', 'app.mode', ...dir]), { code: 1, stdout: '', stderr: 'Can\'t delete key app.mode. Error CS_ERR_NOT_EXIST\n' });
  // Runtime keys: every member, with Corosync's types and the trailing blank of ip.
  const members = await cli(['cmap', 'dump', 'runtime.members.', ...dir]);
  assert.equal(members.code, 0);
  for (const id of [1, 2, 3]) {
    for (const line of [
      `runtime.members.${id}.config_version (u64) = 3`, `runtime.members.${id}.ip (str) = r(0) ip(127.0.0.1) `,
      `runtime.members.${id}.join_count (u32) = 1`, `runtime.members.${id}.status (str) = joined`,
    ]) assert.ok(members.stdout.split('\n').includes(line), `${line} in\n${members.stdout}`);
  }
  const effective = await cli(['cmap', 'get', 'runtime.config.totem.token', 'runtime.services.cmap.service_id', ...dir]);
  // The token in effect: 200 ms plus token_coefficient (650 ms) for the third node, as Corosync computes it.
  assert.deepEqual(effective, { code: 0, stderr: '', stdout: 'runtime.config.totem.token (u32) = 850\nruntime.services.cmap.service_id (u16) = 0\n' });
  const stats = await cli(['cmap', 'get', 'stats.srp.orf_token_rx', '--map', 'stats', ...dir]);
  assert.match(stats.stdout, /^stats\.srp\.orf_token_rx \(u64\) = [1-9]\d*\n$/);
  assert.deepEqual(await cli(['cmap', 'dump', 'nothing.here.', ...dir]), { code: 1, stdout: '', stderr: '' }, 'no key under the prefix: exit 1');
  assert.equal((await cli(['--help'])).stdout.split('\n').filter((l) => l.includes('cmap')).length, 1, 'one line in ringcast --help');
});

test('tracking through a membership change: a node dies, the tracker on another node sees runtime.members.<id>.status modified to left', async (t) => {
  const ds = await startThree(t);
  const [d1, , d3] = ds;
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const tracker = cli(['cmap', 'track', 'runtime.members.3.', '--count', '1', '--state-dir', d1!.stateDir], {
    onStdout: (text) => text.startsWith('Type "q" to finish\n') && ready(),
  });
  await started;
  // Stopped without a leave message: the others find out when the token is lost, as with kill -9.
  await d3!.daemon.node.stop({ leave: false });
  const r = await tracker;
  assert.deepEqual(r, { code: 0, stderr: '', stdout: 'Type "q" to finish\nmodify> runtime.members.3.status (str) = left\n' });
  await waitFor('a ring of two', () => d1!.daemon.node.status().members.length === 2, 10_000);
});

test('client.cmap(): values, entries, tracking ended by its signal; the bounds on key length, value size and trackers per connection', async (t) => {
  const d = await startTestDaemon();
  t.after(() => d.stop());
  const client = await connect({ stateDir: d.stateDir });
  t.after(() => client.close());
  const cmap = await client.cmap();
  const abort = new AbortController();
  const seen: string[] = [];
  const tracking = (async () => {
    for await (const n of cmap.track('app.', { prefix: true, signal: abort.signal })) {
      seen.push(`${n.event} ${n.key} ${String(n.newValue?.value ?? n.oldValue?.value)}`);
      if (seen.length === 3) abort.abort();
    }
  })();
  // The connection's state is made by its first request, the track_add, which registers the tracker at once.
  await waitFor('the tracker registered', () => d.daemon.host.cmap.statusSection()['connections'] === 1, 5_000);
  await cmap.set('app.n', 'u32', 7);
  assert.deepEqual(await cmap.get('app.n'), { key: 'app.n', type: 'u32', value: 7n, raw: (await cmap.get('app.n')).raw });
  await cmap.adjust('app.n', 1);
  await cmap.delete('app.n');
  await assert.rejects(tracking, (err: unknown) => err instanceof RingcastError && err.code === 'ABORT_ERR');
  assert.deepEqual(seen, ['add app.n 7', 'modify app.n 8', 'delete app.n 8']);
  const keys: string[] = [];
  for await (const e of cmap.entries('runtime.members.1.')) keys.push(e.key);
  assert.deepEqual(keys, ['runtime.members.1.config_version', 'runtime.members.1.ip', 'runtime.members.1.join_count', 'runtime.members.1.status']);

  // Key length: 255 is Corosync's longest name, 256 is refused by the library before sending.
  await cmap.set(`k.${'x'.repeat(253)}`, 'u8', 1);
  await assert.rejects(cmap.set(`k.${'x'.repeat(254)}`, 'u8', 1), (e: unknown) => e instanceof RingcastError && e.code === 'CS_ERR_NAME_TOO_LONG');
  // Value size: 16 KiB is the bound; one byte more is refused by the library and by the daemon.
  await cmap.set('k.blob', 'bin', new Uint8Array(16 * 1024));
  await assert.rejects(cmap.set('k.blob', 'bin', new Uint8Array(16 * 1024 + 1)), (e: unknown) => e instanceof RingcastError && e.code === 'CS_ERR_INVALID_PARAM');
  const raw = await client.service('cmap');
  await assert.rejects(raw.request(CmapRequest.set, encodeSet('k.blob', { type: 'bin', bytes: new Uint8Array(16 * 1024 + 1) })),
    (e: unknown) => e instanceof RingcastError && e.code === 'CS_ERR_INVALID_PARAM');
  assert.equal((await cmap.get('k.blob')).raw.bytes.length, 16 * 1024, 'unchanged by the refusal');
  assert.equal((await cmap.get('totem.token').catch((e: RingcastError) => e.code)), 'CS_ERR_NOT_EXIST', 'this daemon was given no configuration keys');
  // Trackers per connection: 64, the 65th refused; another connection is not affected.
  const signal = AbortSignal.timeout(30_000);
  const trackers = Array.from({ length: 64 }, (_, i) => cmap.track(`t.${i}`, { signal }));
  // The store also holds the service's own tracker of totem.config_version.
  await waitFor('64 trackers', () => (d.daemon.host.cmap.store as unknown as { trackers: Map<number, unknown> }).trackers.size >= 65, 5_000);
  await assert.rejects(cmap.track('t.more', { signal }).next(), (e: unknown) => e instanceof RingcastError && e.code === 'CS_ERR_NO_RESOURCES');
  const other = await client.cmap();
  const fine = other.track('t.other', { signal });
  await other.set('t.other', 'u8', 1);
  assert.equal((await fine.next()).value?.key, 't.other');
  await Promise.all(trackers.map((it) => it.return?.()));
});

test('config versions cross nodes in sync: a node whose version is older than a joiner\'s asks to stop, with Corosync\'s log line', async (t) => {
  const ports = await freeUdpPorts(2);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const stops: string[] = [];
  const start = (nodeId: number, version: number, waitMembers: number) => startTestDaemon({
    nodeId, nodes, waitMembers, overrides: {
      cmapConfig: cmapConfigFromText(`totem {\n  config_version: ${version}\n}\n`, nodeId),
      onShutdownRequest: (reason) => stops.push(`${nodeId}: ${reason}`),
    },
  });
  // Node 1 alone first: a ring without old members compares nothing.
  const d1 = await start(1, 5, 1);
  t.after(() => d1.stop());
  const d2 = await start(2, 7, 0);
  t.after(() => d2.stop());
  await waitFor('node 1 asked to stop', () => stops.length > 0, 20_000);
  assert.deepEqual(stops, ['1: the configuration version differs from the other nodes\' (totem.config_version)']);
  assert.ok(d1.logs.some((l) => l.msg === 'Received config version (7) is different than my config version (5)! Exiting'));
  const c = await connect({ stateDir: d2.stateDir });
  t.after(() => c.close());
  const v = await (await c.cmap()).get('runtime.members.1.config_version');
  assert.equal(v.value, 5n, 'node 2 stored what node 1 sent');
});

test('runtime.votequorum.* follows votequorum: a tracker hears highest_node_id drop when the highest node dies', async (t) => {
  const ports = await freeUdpPorts(3);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const config = {
    votes: 1, expectedVotes: 3, twoNode: false, waitForAll: false, lastManStanding: false,
    lastManStandingWindowMs: 10_000, autoTieBreaker: { kind: 'none' as const }, allowDownscale: false,
  };
  const ds = await Promise.all(nodes.map((n) => startTestDaemon({ nodeId: n.nodeId, nodes, waitMembers: 0, overrides: { votequorum: { config } } })));
  t.after(() => Promise.all(ds.map((d) => d.stop())));
  await waitFor('three quorate daemons', () => ds.every((d) => d.daemon.host.quorate && d.daemon.node.status().members.length === 3 && d.daemon.host.exec.syncState === 'done'), 20_000);
  const client = await connect({ stateDir: ds[0]!.stateDir });
  t.after(() => client.close());
  const cmap = await client.cmap();
  assert.equal((await cmap.get('runtime.votequorum.highest_node_id')).value, 3n);
  assert.equal((await cmap.get('runtime.votequorum.this_node_id')).value, 1n);
  const signal = AbortSignal.timeout(20_000);
  const changes = cmap.track('runtime.votequorum.', { prefix: true, signal });
  await waitFor('the tracker registered', () => d1Trackers(ds[0]!) >= 2, 5_000);
  await ds[2]!.daemon.node.stop({ leave: false });
  for (;;) {
    const n = await changes.next();
    assert.equal(n.done, false);
    if (n.value.key !== 'runtime.votequorum.highest_node_id') continue;
    assert.deepEqual([n.value.event, n.value.oldValue?.value, n.value.newValue?.value], ['modify', 3n, 2n]);
    break;
  }
  await changes.return?.();
});

/** Trackers in a daemon's map: the service's own config-version tracker plus the clients'. */
function d1Trackers(d: TestDaemon): number {
  return (d.daemon.host.cmap.store as unknown as { trackers: Map<number, unknown> }).trackers.size;
}

test('a tracker that never reads is cut off at the outbound bound; the writer and a reading tracker are unaffected', async (t) => {
  const { connect: netConnect } = await import('node:net');
  const { encodeFrame, IPC_PROTOCOL_VERSION } = await import('../ipc/frame.js');
  const { encodeTrackAdd, CmapTrack } = await import('../protocol/cmap.js');
  const d = await startTestDaemon({ overrides: { ipc: { limits: { outboundMaxBytes: 2 * 1024 * 1024, outboundSoftBytes: 256 * 1024 } } } });
  t.after(() => d.stop());
  const socket = netConnect(d.socketPath);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  t.after(() => socket.destroy());
  socket.write(encodeFrame({ kind: 'hello', versionMin: IPC_PROTOCOL_VERSION, versionMax: IPC_PROTOCOL_VERSION, pid: 9999, maxFrameBytes: 2 * 1024 * 1024, serviceName: 'cmap' }));
  socket.write(encodeFrame({ kind: 'request', requestId: 1, messageId: CmapRequest.trackAdd, payload: encodeTrackAdd('flood.', CmapTrack.add | CmapTrack.modify | CmapTrack.delete | CmapTrack.prefix) }));
  socket.pause();
  const client = await connect({ stateDir: d.stateDir });
  t.after(() => client.close());
  const cmap = await client.cmap();
  const reader = await client.cmap();
  await waitFor('the stubborn tracker registered', () => d1Trackers(d) >= 2, 5_000);
  const signal = AbortSignal.timeout(30_000);
  const heard = reader.track('flood.', { prefix: true, signal });
  await waitFor('the reading tracker registered', () => d1Trackers(d) >= 3, 5_000);
  const sets = 200;
  let received = 0;
  const reading = (async () => {
    for await (const n of heard) {
      assert.equal(n.key, 'flood.x');
      if (++received === sets) break;
    }
  })();
  // Each notice carries the new and the old 16 KiB value: 200 of them are 6 MiB, three times the bound.
  for (let i = 0; i < sets; i++) await cmap.set('flood.x', 'bin', new Uint8Array(16 * 1024).fill(i));
  await reading;
  assert.equal(received, sets, 'the reading tracker heard every change');
  await waitFor('the stubborn tracker cut as a slow consumer', () => d.daemon.host.ipc.stats.disconnects.SLOW_CONSUMER >= 1, 10_000);
  await waitFor('its tracker gone with its connection', () => d1Trackers(d) === 2, 5_000);
  assert.equal((await cmap.get('flood.x')).raw.bytes[0], sets - 1);
});
