/**
 * The CPG service on simulated executives: clients (FakeConnections speaking the library
 * protocol) join, multicast and leave across 3 and 5 nodes; connections close (procdown), nodes
 * crash (nodedown), partitions heal (nodeup, merged membership). Every check reads decoded events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpgReason } from '../../protocol/cpg/vocabulary.js';
import { bytes, CpgSimCluster, member, text, type Client } from './service.fixture.js';

function started(nodes: number, seed: number): CpgSimCluster {
  const c = new CpgSimCluster({ nodes, seed });
  for (let id = 1; id <= nodes; id++) c.start(id);
  assert.ok(c.settle(), 'one ring, synced');
  return c;
}

for (const n of [3, 5]) {
  test(`${n} nodes: one client per node joins; all see the same joins, then every message in one order`, () => {
    const c = started(n, 100 + n);
    const clients: Client[] = [];
    for (let id = 1; id <= n; id++) {
      const client = c.client(id);
      clients.push(client);
      c.join(client, 'g');
      assert.ok(c.settle());
    }
    const all = clients.map(member);
    assert.deepEqual(c.membershipEverywhere('g'), all);
    // Each client's first event in the group is its own join; later joins follow in order.
    clients.forEach((client, i) => {
      const changes = c.confchgs(client, 'g');
      assert.equal(changes.length, n - i, `client ${i} sees its own join and the ${n - i - 1} after it`);
      assert.equal(changes[0], `${all.slice(0, i + 1).join(',')}||${all[i]}#${CpgReason.join}`);
    });
    // Interleaved sends from every node.
    for (let round = 0; round < 10; round++) {
      for (const client of clients) c.cluster.at(c.now + round * 2 + client.node * 0.3, () => c.mcast(client, 'g', `${client.node}.${round}`));
    }
    c.run(100);
    assert.ok(c.settle());
    const streams = clients.map((client) => c.delivered(client, 'g'));
    assert.equal(streams[0]!.length, 10 * n);
    for (const s of streams) assert.deepEqual(s, streams[0], 'agreed order across senders');
    for (const client of clients) {
      const own = streams[0]!.filter((m) => m.startsWith(`${member(client)}:`)).map((m) => m.split(':')[1]);
      assert.deepEqual(own, Array.from({ length: 10 }, (_, r) => `${client.node}.${r}`), 'per-sender FIFO, own messages included');
    }
  });
}

test('two groups, two processes on one node: order agrees across groups; each hears only its groups', () => {
  const c = started(3, 7);
  const a = c.client(1);
  const b = c.client(1);
  const d = c.client(2);
  c.join(a, 'x');
  c.join(a, 'y');
  c.join(b, 'x');
  c.join(d, 'y');
  assert.ok(c.settle());
  assert.deepEqual(c.membershipEverywhere('x'), [member(a), member(b)]);
  assert.deepEqual(c.membershipEverywhere('y'), [member(a), member(d)]);
  for (let i = 0; i < 5; i++) {
    c.mcast(b, 'x', `bx${i}`);
    c.mcast(d, 'y', `dy${i}`);
    c.mcast(a, i % 2 === 0 ? 'x' : 'y', `a${i}`);
  }
  assert.ok(c.settle());
  const aAll = c.events(a).flatMap((e) => (e.kind === 'deliver' ? [text(e.data)] : []));
  const bAll = c.events(b).flatMap((e) => (e.kind === 'deliver' ? [text(e.data)] : []));
  const dAll = c.events(d).flatMap((e) => (e.kind === 'deliver' ? [text(e.data)] : []));
  assert.equal(aAll.length, 15);
  assert.deepEqual(bAll, aAll.filter((m) => m.startsWith('bx') || ['a0', 'a2', 'a4'].includes(m)), 'x subsequence');
  assert.deepEqual(dAll, aAll.filter((m) => m.startsWith('dy') || ['a1', 'a3'].includes(m)), 'y subsequence');
  const list = c.ok(d, { kind: 'groupsList' });
  assert.ok(list.kind === 'groupsList');
  assert.deepEqual(list.groups.map((g) => `${text(g.group)}:${g.members.length}`), ['x:2', 'y:2']);
  const local = c.ok(d, { kind: 'localNodeIdGet' });
  assert.deepEqual(local, { kind: 'localNodeIdGet', nodeId: 2 });
});

test('library errors: EXIST, NOT_EXIST, BUSY, NAME_TOO_LONG, INVALID_PARAM; safe mcast is delivered', () => {
  const c = started(3, 8);
  const a = c.client(1);
  const b = c.client(3);
  assert.equal(c.request(a, { kind: 'leave', group: bytes('g') }).status, 'CS_ERR_NOT_EXIST');
  assert.equal(c.request(a, { kind: 'mcast', group: bytes('g'), guarantee: 'agreed', data: bytes('x') }).status, 'CS_ERR_NOT_EXIST');
  c.join(a, 'g');
  assert.equal(c.request(a, { kind: 'join', group: bytes('g'), deliverInitialTotemConf: false }).status, 'CS_ERR_EXIST');
  assert.equal(c.request(a, { kind: 'leave', group: bytes('g') }).status, 'CS_ERR_BUSY', 'join not applied yet');
  assert.ok(c.settle());
  c.join(b, 'g');
  assert.ok(c.settle());
  c.mcast(a, 'g', 'safe one', 'safe');
  assert.ok(c.settle());
  assert.deepEqual(c.delivered(b, 'g'), [`${member(a)}:safe one`]);
  // Malformed payloads never reach the core.
  const long = new Uint8Array([129, ...new Uint8Array(129), 0, 0, 0, 0]);
  c.exec(1)!.request(a.conn, 2, 0, 9001, long);
  assert.equal(a.conn.responsesTo(9001)[0]?.status, 'CS_ERR_NAME_TOO_LONG');
  c.exec(1)!.request(a.conn, 2, 2, 9002, Uint8Array.of(7));
  assert.equal(a.conn.responsesTo(9002)[0]?.status, 'CS_ERR_INVALID_PARAM');
  c.exec(1)!.request(a.conn, 2, 42, 9003, new Uint8Array(0));
  assert.equal(a.conn.responsesTo(9003)[0]?.status, 'CS_ERR_INVALID_PARAM');
  // Leave: the leaver sees its own leave last; the other member sees it too.
  c.ok(a, { kind: 'leave', group: bytes('g') });
  assert.ok(c.settle());
  assert.equal(c.confchgs(a, 'g').at(-1), `${member(b)}|${member(a)}#${CpgReason.leave}|`);
  assert.equal(c.confchgs(b, 'g').at(-1), `${member(b)}|${member(a)}#${CpgReason.leave}|`);
  c.mcast(b, 'g', 'after');
  assert.ok(c.settle());
  assert.ok(!c.delivered(a, 'g').some((m) => m.endsWith(':after')), 'a left: it hears no more');
});

test('a closed connection is procdown for the other members, on every node', () => {
  const c = started(3, 9);
  const a = c.client(1);
  const b = c.client(2);
  const d = c.client(3);
  for (const x of [a, b, d]) c.join(x, 'g');
  assert.ok(c.settle());
  c.close(b);
  assert.ok(c.settle());
  for (const x of [a, d]) assert.equal(c.confchgs(x, 'g').at(-1), `${member(a)},${member(d)}|${member(b)}#${CpgReason.procdown}|`);
  assert.deepEqual(c.membershipEverywhere('g'), [member(a), member(d)]);
  assert.equal(c.cpg(2).handles, 0);
});

test('a crashed node is nodedown for the survivors; it comes back empty', () => {
  const c = started(5, 10);
  const clients = [1, 2, 3, 4, 5].map((id) => c.client(id));
  for (const x of clients) c.join(x, 'g');
  assert.ok(c.settle());
  c.crash(3);
  assert.ok(c.settle(), 'four nodes');
  const gone = clients[2]!;
  const rest = clients.filter((x) => x !== gone);
  for (const x of rest) {
    assert.equal(c.confchgs(x, 'g').at(-1), `${rest.map(member).join(',')}|${member(gone)}#${CpgReason.nodedown}|`);
    const ring = c.events(x).filter((e) => e.kind === 'totem_confchg').at(-1);
    assert.ok(ring?.kind === 'totem_confchg');
    assert.deepEqual([...ring.nodes], [1, 2, 4, 5]);
  }
  c.start(3);
  assert.ok(c.settle());
  assert.deepEqual(c.membershipEverywhere('g'), rest.map(member));
});

test('merge after a partition: each side keeps its joins; after the heal all share the union (nodeup)', () => {
  const c = started(5, 11);
  const clients = [1, 2, 3, 4, 5].map((id) => c.client(id));
  c.join(clients[0]!, 'g');
  c.join(clients[3]!, 'g');
  assert.ok(c.settle());
  const sides = [[1, 2], [3, 4, 5]];
  c.cluster.network.partition(sides);
  assert.ok(c.settle({ groups: sides }), 'two rings');
  // Each side saw the other side's member go (nodedown) and goes on alone.
  assert.equal(c.confchgs(clients[0]!, 'g').at(-1), `${member(clients[0]!)}|${member(clients[3]!)}#${CpgReason.nodedown}|`);
  c.join(clients[1]!, 'g');
  c.join(clients[4]!, 'g');
  assert.ok(c.settle({ groups: sides }));
  c.mcast(clients[1]!, 'g', 'minority');
  c.mcast(clients[4]!, 'g', 'majority');
  assert.ok(c.settle({ groups: sides }));
  assert.deepEqual(c.delivered(clients[0]!, 'g'), [`${member(clients[1]!)}:minority`]);
  assert.deepEqual(c.delivered(clients[3]!, 'g'), [`${member(clients[4]!)}:majority`]);
  c.cluster.network.heal();
  assert.ok(c.settle(), 'one ring');
  const union = [0, 1, 3, 4].map((i) => member(clients[i]!));
  assert.deepEqual(c.membershipEverywhere('g'), union);
  // The minority's members hear the majority's members come up, and the other way round.
  assert.equal(c.confchgs(clients[0]!, 'g').at(-1), `${union.join(',')}||${member(clients[3]!)}#${CpgReason.nodeup},${member(clients[4]!)}#${CpgReason.nodeup}`);
  assert.equal(c.confchgs(clients[4]!, 'g').at(-1), `${union.join(',')}||${member(clients[0]!)}#${CpgReason.nodeup},${member(clients[1]!)}#${CpgReason.nodeup}`);
  // And the merged group works.
  c.mcast(clients[0]!, 'g', 'merged');
  assert.ok(c.settle());
  for (const i of [0, 1, 3, 4]) assert.equal(c.delivered(clients[i]!, 'g').at(-1), `${member(clients[0]!)}:merged`);
});

test('initial totem confchg on request; every handle hears each new ring', () => {
  const c = started(3, 12);
  const a = c.client(2);
  c.ok(a, { kind: 'join', group: bytes('g'), deliverInitialTotemConf: true });
  assert.ok(c.settle());
  const kinds = c.events(a).map((e) => e.kind);
  assert.deepEqual(kinds, ['confchg', 'totem_confchg']);
  c.crash(1);
  assert.ok(c.settle());
  const ring = c.events(a).at(-1);
  assert.ok(ring?.kind === 'totem_confchg');
  assert.deepEqual([...ring.nodes], [2, 3]);
});
