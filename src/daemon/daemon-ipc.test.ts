/**
 * A Daemon in-process on UDP loopback with real IpcClients on its socket: CPG join, mcast and
 * the client's own delivery; the status service; an unknown service refused; a closed connection
 * is procdown for another member; garbage on the socket leaves the daemon serving; shutdown tells
 * clients CS_ERR_LIBRARY; status.json carries the ipc and exec sections.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { connectIpc, CS_ERROR, IpcError, type IpcClient, type IpcEvent } from '../ipc/index.js';
import {
  CpgLibRequestId,
  decodeCpgLibEvent,
  decodeCpgLibResponse,
  encodeCpgLibRequest,
  type CpgLibEvent,
  type CpgLibRequest,
  type CpgLibResponse,
} from '../protocol/cpg/lib-protocol.js';
import { CpgReason } from '../protocol/cpg/vocabulary.js';
import { STATUS_FILE } from '../protocol/paths.js';
import { StatusRequest, type DaemonStatus, type MembersAnswer } from '../protocol/status.js';
import { startTestDaemon, waitFor, type TestDaemon } from './testing.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A CPG client over the raw IPC client, collecting decoded events. */
class CpgTestClient {
  readonly events: CpgLibEvent[] = [];
  private constructor(readonly ipc: IpcClient) {
    ipc.on('event', (e: IpcEvent) => {
      const d = decodeCpgLibEvent(e.messageId, e.payload);
      assert.ok(d.ok, `event ${e.messageId} decodes`);
      this.events.push(d.value);
    });
  }

  static async connect(d: TestDaemon, pid: number): Promise<CpgTestClient> {
    return new CpgTestClient(await connectIpc({ path: d.socketPath, serviceName: 'cpg', pid }));
  }

  async call(req: CpgLibRequest): Promise<{ status: number; value?: CpgLibResponse }> {
    const { messageId, payload } = encodeCpgLibRequest(req);
    const r = await this.ipc.request(messageId, payload);
    if (r.status !== CS_ERROR.CS_OK) return { status: r.status };
    const v = decodeCpgLibResponse(req.kind, r.payload);
    assert.ok(v.ok);
    return { status: r.status, value: v.value };
  }

  async ok(req: CpgLibRequest): Promise<CpgLibResponse> {
    const r = await this.call(req);
    assert.equal(r.status, CS_ERROR.CS_OK, `${req.kind}`);
    return r.value!;
  }

  delivered(): string[] {
    return this.events.flatMap((e) => (e.kind === 'deliver' ? [`${e.pid}:${dec.decode(e.data)}`] : []));
  }

  confchgs(): Extract<CpgLibEvent, { kind: 'confchg' }>[] {
    return this.events.filter((e): e is Extract<CpgLibEvent, { kind: 'confchg' }> => e.kind === 'confchg');
  }
}

const join_ = (group: string): CpgLibRequest => ({ kind: 'join', group: enc.encode(group), deliverInitialTotemConf: false });
const mcast = (group: string, text: string, guarantee: 'agreed' | 'safe' = 'agreed'): CpgLibRequest =>
  ({ kind: 'mcast', group: enc.encode(group), guarantee, data: enc.encode(text) });

test('daemon over IPC: cpg join, mcast, own delivery; status service; unknown service; procdown; garbage; shutdown', async (t) => {
  const d = await startTestDaemon();
  t.after(() => d.stop());

  await t.test('a cpg client joins, multicasts and receives its own message', async () => {
    const a = await CpgTestClient.connect(d, 4001);
    await a.ok(join_('g'));
    await waitFor('own join confchg', () => a.confchgs().length === 1);
    const first = a.confchgs()[0]!;
    assert.deepEqual(first.joined, [{ nodeId: 1, pid: 4001, reason: CpgReason.join }]);
    await a.ok(mcast('g', 'hello'));
    await a.ok(mcast('g', 'safe hello', 'safe'));
    await waitFor('own deliveries', () => a.delivered().length === 2);
    assert.deepEqual(a.delivered(), ['4001:hello', '4001:safe hello']);
    assert.deepEqual(await a.ok({ kind: 'membershipGet', group: enc.encode('g') }), { kind: 'membershipGet', members: [{ nodeId: 1, pid: 4001 }] });
    assert.deepEqual(await a.ok({ kind: 'localNodeIdGet' }), { kind: 'localNodeIdGet', nodeId: 1 });
    assert.equal((await a.call(join_('g'))).status, CS_ERROR.CS_ERR_EXIST);
    await a.ipc.close();
  });

  await t.test('the status service answers status and members as JSON', async () => {
    const s = await connectIpc({ path: d.socketPath, serviceName: 'status' });
    const status = JSON.parse(dec.decode((await s.request(StatusRequest.status)).payload)) as DaemonStatus;
    assert.equal(status.nodeId, 1);
    assert.deepEqual(status.members, [1]);
    assert.ok(status.ipc && status.exec, 'ipc and exec sections');
    assert.ok((status.ipc as { handshakesAccepted: number }).handshakesAccepted >= 2);
    const members = JSON.parse(dec.decode((await s.request(StatusRequest.members)).payload)) as MembersAnswer;
    assert.deepEqual(members.members, [1]);
    assert.equal(members.state, 'operational');
    assert.equal(members.ringId.rep, 1);
    assert.equal((await s.request(StatusRequest.status, Uint8Array.of(1))).status, CS_ERROR.CS_ERR_INVALID_PARAM);
    assert.equal((await s.request(99)).status, CS_ERROR.CS_ERR_INVALID_PARAM);
    await s.close();
  });

  await t.test('an unknown service is refused at the handshake', async () => {
    await assert.rejects(connectIpc({ path: d.socketPath, serviceName: 'no-such-service' }), (err: unknown) => {
      assert.ok(err instanceof IpcError);
      assert.equal(err.code, 'CS_ERR_NOT_EXIST');
      assert.equal(err.reason, 'UNKNOWN_SERVICE');
      return true;
    });
  });

  await t.test('a connection that closes is procdown for another member of its group', async () => {
    const a = await CpgTestClient.connect(d, 5001);
    const b = await CpgTestClient.connect(d, 5002);
    await a.ok(join_('pd'));
    await waitFor('a joined', () => a.confchgs().length === 1);
    await b.ok(join_('pd'));
    await waitFor('b joined', () => b.confchgs().length === 1 && a.confchgs().length === 2);
    await a.ipc.close();
    await waitFor('procdown at b', () => b.confchgs().length === 2);
    const last = b.confchgs()[1]!;
    assert.deepEqual(last.left, [{ nodeId: 1, pid: 5001, reason: CpgReason.procdown }]);
    assert.deepEqual(last.members, [{ nodeId: 1, pid: 5002 }]);
    await b.ipc.close();
  });

  await t.test('garbage on the socket is cut alone; a second client still works', async () => {
    const before = d.daemon.host.ipc.stats.disconnects.BAD_HANDSHAKE;
    const raw = connect(d.socketPath);
    await new Promise<void>((resolve, reject) => raw.once('connect', resolve).once('error', reject));
    const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    raw.on('error', () => {});
    raw.on('data', () => {});
    raw.write(Buffer.from('\x10\x00\x00\x00GET / HTTP/1.1\r\n\r\n'));
    await closed;
    assert.equal(d.daemon.host.ipc.stats.disconnects.BAD_HANDSHAKE, before + 1);
    // Malformed CPG payloads in well-formed frames are answered with an error, not cut.
    const bad = await connectIpc({ path: d.socketPath, serviceName: 'cpg' });
    assert.equal((await bad.request(CpgLibRequestId.join, Uint8Array.of(200))).status, CS_ERROR.CS_ERR_NAME_TOO_LONG);
    assert.equal((await bad.request(CpgLibRequestId.mcast, Uint8Array.of(9))).status, CS_ERROR.CS_ERR_INVALID_PARAM);
    assert.equal((await bad.request(77)).status, CS_ERROR.CS_ERR_INVALID_PARAM);
    await bad.close();
    const c = await CpgTestClient.connect(d, 6001);
    await c.ok(join_('after-garbage'));
    await c.ok(mcast('after-garbage', 'still here'));
    await waitFor('delivery after garbage', () => c.delivered().length === 1);
    await c.ipc.close();
  });

  await t.test('status.json carries the ipc and exec sections', async () => {
    await waitFor('status file with exec counters', () => {
      try {
        const s = JSON.parse(readFileSync(join(d.stateDir, STATUS_FILE), 'utf8')) as DaemonStatus;
        return s.exec !== undefined && (s.exec as { requests: number }).requests > 0 && s.ipc !== undefined;
      } catch {
        return false;
      }
    }, 5_000);
  });

  await t.test('shutdown: a connected client sees CS_ERR_LIBRARY', async () => {
    const a = await CpgTestClient.connect(d, 7001);
    await a.ok(join_('bye'));
    const gone = new Promise<string>((resolve) => a.ipc.once('disconnected', (info: { reason: string }) => resolve(info.reason)));
    await d.stop();
    assert.equal(await gone, 'SERVER_STOPPING');
    await assert.rejects(a.call({ kind: 'localNodeIdGet' }), (err: unknown) => err instanceof IpcError && err.code === 'CS_ERR_LIBRARY');
    assert.ok(d.logs.some((l) => /IPC connection created: cpg client pid 7001/.test(l.msg)), 'debug log of the connection');
  });
});
