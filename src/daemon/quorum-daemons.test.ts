/**
 * votequorum on real daemons (in-process, UDP loopback) and `ringcast quorum` as a separate
 * process against them: three nodes quorate, one stopped still quorate, two stopped not quorate
 * (exit 2, "Activity blocked"), then --set-expected lets the last one act; the client's change
 * iterator sees each step; refusals print Corosync's messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type QuorumEvent } from '../client/index.js';
import { freeUdpPorts, startTestDaemon, waitFor, type TestDaemon } from './testing.js';
import type { VotequorumConfig } from '../services/votequorum/quorum-state.js';
import type { Service, ServiceApi } from '../exec/index.js';

/** A service of its own that only keeps its ServiceApi: other services ask `api.quorate()`. */
function probe(): Service & { api?: ServiceApi } {
  const s: Service & { api?: ServiceApi } = {
    id: 48, name: 'probe', libHandlers: [{ name: 'noop', handle: (req) => req.respond('CS_OK') }], execHandlers: [],
    start: (api) => void (s.api = api), stop: () => {}, onConfigChange: () => {}, onConnectionClosed: () => {},
  };
  return s;
}
const PROBES = new Map<number, ReturnType<typeof probe>>();

const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'cli', 'ringcast.js');

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, RINGCAST_STATE_DIR: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`ringcast ${args.join(' ')}: no exit in 15 s`))), 15_000);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

const CONFIG: VotequorumConfig = {
  votes: 1, expectedVotes: 3, twoNode: false, waitForAll: false, lastManStanding: false,
  lastManStandingWindowMs: 10_000, autoTieBreaker: { kind: 'none' }, allowDownscale: false,
};
const NAMES = new Map([[1, 'n1'], [2, 'n2'], [3, 'n3']]);

async function startThree(t: { after(fn: () => Promise<unknown>): void }): Promise<TestDaemon[]> {
  const ports = await freeUdpPorts(3);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const ds = await Promise.all(nodes.map((n) => startTestDaemon({
    nodeId: n.nodeId, nodes, waitMembers: 0,
    overrides: { votequorum: { config: CONFIG, names: NAMES }, services: [PROBES.set(n.nodeId, probe()).get(n.nodeId)!] },
  })));
  const stopped = new Set<TestDaemon>();
  t.after(() => Promise.all(ds.filter((d) => !stopped.has(d)).map((d) => d.stop())));
  for (const d of ds) {
    const stop = d.stop;
    (d as { stop: () => Promise<void> }).stop = () => (stopped.add(d), stop());
  }
  await waitFor('three quorate daemons', () => ds.every((d) => d.daemon.host.quorate && d.daemon.node.status().members.length === 3 && d.daemon.host.exec.syncState === 'done'), 20_000);
  return ds;
}

/** The -s text without its Date line (the only line that depends on the clock). */
const withoutDate = (text: string): string => text.split('\n').filter((l) => !l.startsWith('Date:')).join('\n');

test('votequorum on three daemons: quorate, one gone still quorate, two gone blocked, set-expected; ringcast quorum as corosync-quorumtool', { timeout: 90_000 }, async (t) => {
  const [d1, d2, d3] = await startThree(t);
  const client = await connect({ stateDir: d1!.stateDir });
  t.after(() => client.close());
  const q = await client.quorum();
  const s = await q.state();
  assert.equal(s.quorate, true);
  assert.deepEqual([s.expectedVotes, s.highestExpected, s.totalVotes, s.quorum], [3, 3, 3, 2]);
  assert.deepEqual(s.flags, ['Quorate']);
  assert.deepEqual(s.nodes, [{ nodeId: 1, votes: 1, name: 'n1', local: true }, { nodeId: 2, votes: 1, name: 'n2', local: false }, { nodeId: 3, votes: 1, name: 'n3', local: false }]);
  const ring = d1!.daemon.node.status().ringId;
  assert.equal(s.ringId, `${ring.rep.toString(16)}.${ring.seq.toString(16)}`);

  // The text of corosync-quorumtool -s, line for line (the design note's example, our ring id).
  const text = await runCli(['quorum', '--state-dir', d1!.stateDir]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout.split('\n')[2]!, /^Date: {13}[A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3][0-9] \d\d:\d\d:\d\d \d{4}$/);
  assert.equal(withoutDate(text.stdout), [
    'Quorum information', '------------------', 'Quorum provider:  corosync_votequorum', 'Nodes:            3',
    'Node ID:          1', `Ring ID:          ${s.ringId}`, 'Quorate:          Yes', '',
    'Votequorum information', '----------------------', 'Expected votes:   3', 'Highest expected: 3', 'Total votes:      3',
    'Quorum:           2  ', 'Flags:            Quorate ', '',
    'Membership information', '----------------------', '    Nodeid      Votes Name',
    '         1          1 n1 (local)', '         2          1 n2', '         3          1 n3', '',
  ].join('\n'));
  const json = await runCli(['quorum', '--json', '--state-dir', d1!.stateDir]);
  assert.equal(json.code, 0);
  assert.equal(json.stdout.trim(), JSON.stringify({
    quorate: true, expectedVotes: 3, highestExpected: 3, totalVotes: 3, quorum: 2, flags: ['Quorate'], ringId: s.ringId,
    nodes: [{ nodeId: 1, votes: 1, name: 'n1', local: true }, { nodeId: 2, votes: 1, name: 'n2', local: false }, { nodeId: 3, votes: 1, name: 'n3', local: false }],
  }));
  const list = await runCli(['quorum', '--list', '--state-dir', d2!.stateDir]);
  assert.equal(list.stdout, '\nMembership information\n----------------------\n    Nodeid      Votes Name\n         1          1 n1\n         2          1 n2 (local)\n         3          1 n3\n');

  // Refusals, with Corosync's messages and exit 1; nothing changes.
  const low = await runCli(['quorum', '--set-expected', '2', '--state-dir', d1!.stateDir]);
  assert.deepEqual([low.code, low.stderr.trim()], [1, 'ringcast: Unable to set expected votes: CS_ERR_INVALID_PARAM']);
  const zero = await runCli(['quorum', '--set-expected', '0', '--state-dir', d1!.stateDir]);
  assert.deepEqual([zero.code, zero.stderr.trim()], [1, 'ringcast: New expected votes value was not valid, try a positive number']);
  const unknown = await runCli(['quorum', '--set-votes', '1', '--nodeid', '9', '--state-dir', d1!.stateDir]);
  assert.deepEqual([unknown.code, unknown.stderr.trim()], [1, 'ringcast: Unable to set votes 1 for nodeid: 9: CS_ERR_NAME_NOT_FOUND']);
  assert.equal((await q.state()).expectedVotes, 3);

  // Changes: the current state first, then what each stop does.
  const events: QuorumEvent[] = [];
  const iterator = q.changes();
  const reader = (async () => {
    for await (const e of { [Symbol.asyncIterator]: () => iterator }) events.push(e);
  })();
  await waitFor('current nodelist and quorum', () => events.length >= 2, 5_000);
  assert.deepEqual(events.slice(0, 2).map((e) => e.type), ['nodelist', 'quorum']);

  await d3!.stop();
  await waitFor('node 1 in a ring of two', () => d1!.daemon.node.status().members.length === 2 && d1!.daemon.host.exec.syncState === 'done', 20_000);
  await waitFor('a nodelist of two, then quorum', () => events.some((e) => e.type === 'nodelist' && e.members.length === 2) && events.at(-1)?.type === 'quorum', 10_000);
  const afterOne = events.at(-1) as Extract<QuorumEvent, { type: 'quorum' }>;
  assert.equal(afterOne.quorate, true);
  assert.deepEqual(afterOne.nodes, [{ nodeId: 1, state: 'member' }, { nodeId: 2, state: 'member' }, { nodeId: 3, state: 'dead' }]);
  assert.equal((await runCli(['quorum', '--state-dir', d1!.stateDir])).code, 0);

  await d2!.stop();
  await waitFor('node 1 not quorate', () => !d1!.daemon.host.quorate, 20_000);
  const blocked = await runCli(['quorum', '--state-dir', d1!.stateDir]);
  assert.equal(blocked.code, 2);
  const lines = blocked.stdout.split('\n');
  assert.ok(lines.includes('Quorate:          No'));
  assert.ok(lines.includes('Quorum:           2 Activity blocked'));
  assert.ok(lines.includes('Flags:            '));
  assert.ok(lines.includes('Total votes:      1'));
  assert.ok(events.some((e) => e.type === 'quorum' && !e.quorate));
  assert.equal(PROBES.get(1)!.api!.quorate(), false, 'a service of the executive asks quorate?');

  // The operator lowers expected votes: the last node may act again.
  const set = await runCli(['quorum', '--set-expected', '1', '--state-dir', d1!.stateDir]);
  assert.equal(set.code, 0, set.stderr);
  const after = await q.state();
  assert.deepEqual([after.quorate, after.expectedVotes, after.quorum], [true, 1, 1]);
  assert.equal(PROBES.get(1)!.api!.quorate(), true);
  assert.equal((await runCli(['quorum', '--state-dir', d1!.stateDir])).code, 0);
  assert.ok(events.some((e) => e.type === 'expectedVotes' && e.expectedVotes === 1));
  await iterator.return!();
  await reader;
  // The daemon's status says it too.
  assert.equal((await client.status()).quorate, true);
});

test('without a quorum provider: quorate always, the quorum part only, set-expected refused', { timeout: 30_000 }, async (t) => {
  const d = await startTestDaemon();
  t.after(() => d.stop());
  const text = await runCli(['quorum', '--state-dir', d.stateDir]);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.split('\n');
  assert.ok(lines.includes('Quorum provider:  Not configured'));
  assert.ok(lines.includes('Quorate:          Yes'));
  assert.ok(lines.includes('    Nodeid Name'));
  assert.ok(lines.includes('         1 1 (local)'));
  const set = await runCli(['quorum', '--set-expected', '3', '--state-dir', d.stateDir]);
  assert.deepEqual([set.code, set.stderr.trim()], [1, 'ringcast: You cannot change expected votes, ringcastd is not using votequorum']);
  const client = await connect({ stateDir: d.stateDir });
  t.after(() => client.close());
  await assert.rejects(client.quorum(), { code: 'CS_ERR_NOT_EXIST' });
  assert.equal((await client.status()).quorate, true);
});

test('ringcast quorum cannot reach a daemon: exit 1 (2 means not quorate)', async () => {
  const r = await runCli(['quorum', '--state-dir', '/nonexistent-ringcast-dir']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not running/);
});

test('client.quorum(): changes without the current state, one iterator per handle, leaving the loop stops tracking; typed errors', { timeout: 30_000 }, async (t) => {
  const d = await startTestDaemon({ overrides: { votequorum: { config: { ...CONFIG, expectedVotes: 1 }, names: NAMES } } });
  t.after(() => d.stop());
  await waitFor('quorate alone with expected votes 1', () => d.daemon.host.quorate, 10_000);
  const client = await connect({ stateDir: d.stateDir });
  t.after(() => client.close());
  const q = await client.quorum();
  const it = q.changes({ current: false });
  assert.throws(() => q.changes(), { code: 'CS_ERR_EXIST' });
  const next = it.next();
  // A change: this node's votes go to 2 (setvotes answers once applied); expected votes follow the total.
  await q.setVotes(0, 2);
  const first = await next;
  assert.deepEqual(first.value, { type: 'expectedVotes', expectedVotes: 2 });
  await it.return!();
  await waitFor('tracker gone', () => d.daemon.host.votequorum!.statusSection()['trackers'] === 0, 5_000);
  assert.deepEqual((await q.info()).votes, 2);
  await assert.rejects(q.info(42), { code: 'CS_ERR_NOT_EXIST' });
  await assert.rejects(q.setExpected(0), { code: 'CS_ERR_INVALID_PARAM' });
  await assert.rejects(q.setVotes(42, 1), { code: 'CS_ERR_NAME_NOT_FOUND' });
  // A new iterator on the same handle after the first one ended.
  const again = q.changes();
  assert.equal((await again.next()).value?.type, 'nodelist');
  await again.return!();
});
