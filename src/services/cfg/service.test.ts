/**
 * The cfg service on hand-driven executives (LoopRing): the shutdown question (no client
 * registered, all yes, one no, timeout with REQUEST and REGARDLESS, a tracker leaving as an
 * implicit yes, a newcomer asked, the requester leaving, EXIST while pending, ACCESS for a
 * stranger's answer), SHUTDOWN delivered to every node but stopping only its sender, and the
 * cluster-wide reload: every node re-reads its own file, the source answers with its own result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopRing } from '../../exec/testing/loop-ring.js';
import { FakeConnection } from '../../exec/testing/fake-connection.js';
import {
  CFG_CS_ERR_INVALID_PARAM, CFG_CS_ERR_TIMEOUT, CFG_CS_OK, CfgEvent, CfgRequest, ShutdownFlag, decodeLinkStatus, decodeReload, decodeTestShutdown,
  decodeU32, encodeU32,
} from '../../protocol/cfg.js';
import { CfgService, type CfgReloadOutcome } from './service.js';
import { CFG_SERVICE_ID } from './wire.js';

function cluster(n: number) {
  const ring = new LoopRing();
  const timers: { ms: number; run: () => void; on: boolean }[] = [];
  const deferred: (() => void)[] = [];
  const shutdowns: number[] = [];
  const logs: string[] = [];
  const reloadOutcome = new Map<number, CfgReloadOutcome>();
  const services = new Map<number, CfgService>();
  for (let id = 1; id <= n; id++) {
    const svc = new CfgService({
      host: {
        linkStatus: () => ({ transport: 'udpu', ringId: { rep: 1, seq: 8 }, operational: true, nodes: [{ nodeId: id, address: `10.0.0.${id}`, flags: 3, heardAgoMs: 0 }] }),
        reloadConfig: () => reloadOutcome.get(id) ?? { ok: true, message: '', applied: [`logging.debug@${id}`], refused: [] },
        shutdown: () => shutdowns.push(id),
        shutdownTimeoutMs: () => 5000,
      },
      timer: (ms, run) => {
        const t = { ms, run, on: true };
        timers.push(t);
        return () => (t.on = false);
      },
      defer: (run) => deferred.push(run),
      log: (_level, message) => logs.push(`${id}: ${message}`),
    });
    services.set(id, svc);
    ring.add(id, [svc]);
  }
  ring.configure(Array.from({ length: n }, (_, i) => i + 1));
  ring.pump();
  let requestId = 1;
  const ask = (node: number, conn: FakeConnection, messageId: number, payload: Uint8Array = new Uint8Array(0)): number => {
    const id = requestId++;
    ring.execs.get(node)!.request(conn, CFG_SERVICE_ID, messageId, id, payload);
    ring.pump();
    return id;
  };
  const status = (conn: FakeConnection, id: number): string | undefined => conn.responsesTo(id)[0]?.status;
  const runDeferred = (): void => {
    for (const run of deferred.splice(0)) run();
  };
  const close = (node: number, conn: FakeConnection): void => {
    ring.execs.get(node)!.connectionClosed(conn);
    ring.pump();
  };
  return { ring, services, timers, shutdowns, logs, reloadOutcome, ask, status, runDeferred, close };
}

const questions = (conn: FakeConnection) => conn.events.filter((e) => e.messageId === CfgEvent.testShutdown).map((e) => {
  const d = decodeTestShutdown(e.payload);
  assert.ok(d.ok);
  return d.value;
});

test('no client registered: the shutdown is agreed at once; SHUTDOWN reaches every node, only its sender stops', () => {
  const c = cluster(3);
  const tool = new FakeConnection(1);
  const id = c.ask(2, tool, CfgRequest.tryShutdown, encodeU32(ShutdownFlag.request));
  assert.equal(c.status(tool, id), 'CS_OK');
  c.runDeferred();
  assert.deepEqual(c.shutdowns, [2]);
  for (const node of [1, 2, 3]) assert.ok(c.logs.includes(`${node}: Node 2 was shut down by sysadmin`), c.logs.join('\n'));
  // A second request while the node is leaving: EXIST.
  const again = c.ask(2, tool, CfgRequest.tryShutdown, encodeU32(ShutdownFlag.request));
  assert.equal(c.status(tool, again), 'CS_ERR_EXIST');
});

test('registered clients are asked (not the requester); all yes shuts down, one no vetoes with CS_ERR_BUSY', () => {
  for (const answers of [[1, 1], [1, 0]]) {
    const c = cluster(1);
    const apps = [new FakeConnection(10), new FakeConnection(11)];
    const tool = new FakeConnection(12);
    for (const a of [...apps, tool]) assert.equal(c.status(a, c.ask(1, a, CfgRequest.trackStart, encodeU32(0))), 'CS_OK');
    const id = c.ask(1, tool, CfgRequest.tryShutdown, encodeU32(ShutdownFlag.request));
    assert.equal(c.status(tool, id), undefined, 'not answered before the clients are');
    assert.deepEqual(questions(tool), [], 'the requester is not asked');
    for (const a of apps) assert.deepEqual(questions(a), [{ status: CFG_CS_OK, flags: ShutdownFlag.request }]);
    assert.equal(c.timers[0]!.ms, 5000);
    assert.equal(c.status(apps[0]!, c.ask(1, apps[0]!, CfgRequest.replyToShutdown, encodeU32(answers[0]!))), 'CS_OK');
    assert.equal(c.status(tool, id), undefined, 'one answer of two: still pending');
    c.ask(1, apps[1]!, CfgRequest.replyToShutdown, encodeU32(answers[1]!));
    const agreed = answers.every((a) => a === 1);
    assert.equal(c.status(tool, id), agreed ? 'CS_OK' : 'CS_ERR_BUSY');
    assert.equal(c.timers[0]!.on, false, 'the timer is cancelled by the decision');
    c.runDeferred();
    assert.deepEqual(c.shutdowns, agreed ? [1] : []);
    assert.equal(c.services.get(1)!.stats.shutdownsVetoed, agreed ? 0 : 1);
  }
});

test('timeout: missing answers count as no: REQUEST is vetoed, REGARDLESS shuts down; every tracker hears CS_ERR_TIMEOUT', () => {
  for (const flags of [ShutdownFlag.request, ShutdownFlag.regardless]) {
    const c = cluster(1);
    const app = new FakeConnection(10);
    const tool = new FakeConnection(12);
    c.ask(1, app, CfgRequest.trackStart, encodeU32(0));
    const id = c.ask(1, tool, CfgRequest.tryShutdown, encodeU32(flags));
    assert.equal(c.status(tool, id), undefined);
    c.timers[0]!.run();
    c.ring.pump();
    assert.equal(c.status(tool, id), flags === ShutdownFlag.regardless ? 'CS_OK' : 'CS_ERR_BUSY');
    assert.deepEqual(questions(app), [{ status: CFG_CS_OK, flags }, { status: CFG_CS_ERR_TIMEOUT, flags }]);
    c.runDeferred();
    assert.deepEqual(c.shutdowns, flags === ShutdownFlag.regardless ? [1] : []);
    // After the decision an answer finds nothing pending.
    assert.equal(c.status(app, c.ask(1, app, CfgRequest.replyToShutdown, encodeU32(1))), 'CS_ERR_ACCESS');
  }
});

test('a tracker that disconnects or stops tracking counts as yes; a newcomer is asked too; a stranger may not answer', () => {
  const c = cluster(1);
  const [a, b, newcomer, stranger, tool] = [10, 11, 12, 13, 14].map((id) => new FakeConnection(id)) as [FakeConnection, FakeConnection, FakeConnection, FakeConnection, FakeConnection];
  c.ask(1, a, CfgRequest.trackStart, encodeU32(0));
  c.ask(1, b, CfgRequest.trackStart, encodeU32(0));
  const id = c.ask(1, tool, CfgRequest.tryShutdown, encodeU32(ShutdownFlag.request));
  assert.equal(c.status(stranger, c.ask(1, stranger, CfgRequest.replyToShutdown, encodeU32(1))), 'CS_ERR_ACCESS');
  assert.equal(c.status(tool, c.ask(1, tool, CfgRequest.tryShutdown, encodeU32(ShutdownFlag.request))), 'CS_ERR_EXIST', 'one question at a time');
  c.ask(1, newcomer, CfgRequest.trackStart, encodeU32(0));
  assert.equal(questions(newcomer).length, 1, 'a client registering while the question is open is asked');
  c.close(1, a);
  c.ask(1, b, CfgRequest.trackStop);
  assert.equal(c.status(tool, id), undefined, 'the newcomer has not answered yet');
  // An answer given twice counts once (the second replaces the first).
  c.ask(1, newcomer, CfgRequest.replyToShutdown, encodeU32(0));
  assert.equal(c.status(tool, id), 'CS_ERR_BUSY');
});

test('the requester going away cancels the question; bad flags and bad payloads are refused', () => {
  const c = cluster(1);
  const app = new FakeConnection(10);
  const tool = new FakeConnection(12);
  c.ask(1, app, CfgRequest.trackStart, encodeU32(0));
  assert.equal(c.status(tool, c.ask(1, tool, CfgRequest.tryShutdown, encodeU32(3))), 'CS_ERR_INVALID_PARAM');
  assert.equal(c.status(tool, c.ask(1, tool, CfgRequest.tryShutdown, new Uint8Array(2))), 'CS_ERR_INVALID_PARAM');
  assert.equal(c.status(app, c.ask(1, app, CfgRequest.replyToShutdown, encodeU32(2))), 'CS_ERR_INVALID_PARAM');
  c.ask(1, tool, CfgRequest.tryShutdown, encodeU32(ShutdownFlag.request));
  c.close(1, tool);
  assert.equal(c.timers[0]!.on, false);
  assert.equal(c.status(app, c.ask(1, app, CfgRequest.replyToShutdown, encodeU32(1))), 'CS_ERR_ACCESS', 'nothing pending any more');
  c.runDeferred();
  assert.deepEqual(c.shutdowns, []);
  // IMMEDIATE asks nobody.
  const tool2 = new FakeConnection(13);
  assert.equal(c.status(tool2, c.ask(1, tool2, CfgRequest.tryShutdown, encodeU32(ShutdownFlag.immediate))), 'CS_OK');
  c.runDeferred();
  assert.deepEqual(c.shutdowns, [1]);
});

test('reload: every node re-reads its own file in agreed order; the requester gets its own node\'s result', () => {
  const c = cluster(3);
  const heard: string[] = [];
  for (const [id, s] of c.services) s.onReloaded((o, from) => heard.push(`${id}<${from}:${o.ok}`));
  c.reloadOutcome.set(3, { ok: false, message: 'corosync.conf:4: totem.token: expected an integer', applied: [], refused: [] });
  const tool = new FakeConnection(20);
  const id = c.ask(1, tool, CfgRequest.reloadConfig);
  const r = tool.responsesTo(id)[0]!;
  assert.equal(r.status, 'CS_OK');
  const answer = decodeReload(r.payload);
  assert.ok(answer.ok);
  assert.deepEqual(answer.value, { status: CFG_CS_OK, message: '', applied: ['logging.debug@1'], refused: [] });
  assert.deepEqual(heard.sort(), ['1<1:true', '2<1:true', '3<1:false']);
  // Node 3's failure is its own: asked there, the tool hears it.
  const id3 = c.ask(3, tool, CfgRequest.reloadConfig);
  const bad = decodeReload(tool.responsesTo(id3)[0]!.payload);
  assert.ok(bad.ok);
  assert.equal(bad.value.status, CFG_CS_ERR_INVALID_PARAM);
  assert.match(bad.value.message, /:4: totem\.token/);
  assert.equal(c.services.get(3)!.stats.reloadFailures, 2);
});

test('localget and linkstatus answer from this node; decoders refuse what is malformed', () => {
  const c = cluster(2);
  const tool = new FakeConnection(20);
  const id = c.ask(2, tool, CfgRequest.localGet);
  assert.deepEqual(decodeU32(tool.responsesTo(id)[0]!.payload), { ok: true, value: 2 });
  const ls = c.ask(2, tool, CfgRequest.linkStatus);
  const links = decodeLinkStatus(tool.responsesTo(ls)[0]!.payload);
  assert.ok(links.ok);
  assert.equal(links.value.localNodeId, 2);
  assert.equal(links.value.nodes[0]!.address, '10.0.0.2');
  assert.equal(decodeLinkStatus(new Uint8Array(5)).ok, false);
  assert.equal(decodeReload(new Uint8Array([1, 0, 0, 0, 0xff, 0xff])).ok, false, 'a string over its bound');
});
