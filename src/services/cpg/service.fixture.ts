/**
 * Test fixture: the CPG service on simulated executives (SimExecCluster), with FakeConnection
 * clients that speak the library protocol. Requests and events go through the lib-protocol codecs
 * both ways, so the tests read what a real client would.
 */
import assert from 'node:assert/strict';
import { FakeConnection } from '../../exec/testing/fake-connection.js';
import { SimExecCluster, type SimExecOptions } from '../../exec/testing/sim-exec.js';
import type { CsStatus } from '../../exec/index.js';
import { CPG_SERVICE_ID } from './layout.js';
import {
  decodeCpgLibEvent,
  decodeCpgLibResponse,
  encodeCpgLibRequest,
  type CpgLibEvent,
  type CpgLibRequest,
  type CpgLibResponse,
} from '../../protocol/cpg/lib-protocol.js';
import { CpgService, type CpgServiceOptions } from './service.js';

export interface Client {
  readonly node: number;
  readonly conn: FakeConnection;
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

export class CpgSimCluster extends SimExecCluster<CpgService> {
  #nextConnId = 1;
  #nextRequestId = 1;

  constructor(options: Omit<SimExecOptions<CpgService>, 'services'> & { readonly cpg?: CpgServiceOptions }) {
    super({ ...options, services: () => [new CpgService(options.cpg)] });
  }

  cpg(nodeId: number): CpgService {
    const s = this.services(nodeId)[0];
    assert.ok(s, `node ${nodeId} runs`);
    return s;
  }

  /** A new client process on `node`; its pid is derived from its connection id. */
  client(node: number, pid?: number): Client {
    const id = this.#nextConnId++;
    return { node, conn: new FakeConnection(id, pid ?? 5000 + id) };
  }

  /** Sends a request; returns its status and, on CS_OK, the decoded answer. */
  request(c: Client, req: CpgLibRequest): { status: CsStatus; value?: CpgLibResponse } {
    const requestId = this.#nextRequestId++;
    const { messageId, payload } = encodeCpgLibRequest(req);
    const exec = this.exec(c.node);
    assert.ok(exec, `node ${c.node} runs`);
    exec.request(c.conn, CPG_SERVICE_ID, messageId, requestId, payload);
    const [answer, ...more] = c.conn.responsesTo(requestId);
    assert.ok(answer, `request ${requestId} (${req.kind}) answered at once`);
    assert.equal(more.length, 0);
    if (answer.status !== 'CS_OK') return { status: answer.status };
    const decoded = decodeCpgLibResponse(req.kind, answer.payload);
    assert.ok(decoded.ok, `response to ${req.kind} decodes`);
    return { status: answer.status, value: decoded.value };
  }

  /** A request that must succeed. */
  ok(c: Client, req: CpgLibRequest): CpgLibResponse {
    const r = this.request(c, req);
    assert.equal(r.status, 'CS_OK', `${req.kind} on node ${c.node}`);
    return r.value!;
  }

  join(c: Client, group: string): void {
    this.ok(c, { kind: 'join', group: bytes(group), deliverInitialTotemConf: false });
  }

  mcast(c: Client, group: string, data: string, guarantee: 'agreed' | 'safe' = 'agreed'): void {
    this.ok(c, { kind: 'mcast', group: bytes(group), guarantee, data: bytes(data) });
  }

  close(c: Client): void {
    this.exec(c.node)?.connectionClosed(c.conn);
  }

  /** Every event the client received, decoded. */
  events(c: Client): CpgLibEvent[] {
    return c.conn.events.map((e) => {
      const d = decodeCpgLibEvent(e.messageId, e.payload);
      assert.ok(d.ok, `event ${e.messageId} decodes`);
      return d.value;
    });
  }

  /** Messages delivered to the client in `group`, as `nodeId/pid:text`. */
  delivered(c: Client, group: string): string[] {
    return this.events(c).flatMap((e) => (e.kind === 'deliver' && text(e.group) === group ? [`${e.nodeId}/${e.pid}:${text(e.data)}`] : []));
  }

  /** Confchgs of `group` the client received, as compact strings: `members|left|joined`. */
  confchgs(c: Client, group: string): string[] {
    const fmt = (l: readonly { nodeId: number; pid: number; reason?: number }[]) =>
      l.map((m) => `${m.nodeId}/${m.pid}${m.reason === undefined ? '' : `#${m.reason}`}`).join(',');
    return this.events(c).flatMap((e) => (e.kind === 'confchg' && text(e.group) === group
      ? [`${fmt(e.members)}|${fmt(e.left)}|${fmt(e.joined)}`] : []));
  }

  /** The group's members as `nodeId/pid` on every live node: must be one answer. */
  membershipEverywhere(group: string): string[] {
    const views = this.liveNodes().map((id) => this.cpg(id).core.membership(bytes(group)).map((m) => `${m.nodeId}/${m.pid}`).join(','));
    assert.equal(new Set(views).size, 1, `membership of ${group} differs: ${JSON.stringify(views)}`);
    return views[0] === '' ? [] : views[0]!.split(',');
  }

  /** Runs until `predicate` or `withinMs` virtual ms pass. */
  until(predicate: () => boolean, withinMs = 10_000): boolean {
    return this.cluster.runUntilTrue(predicate, this.now + withinMs);
  }
}

export function member(c: Client): string {
  return `${c.node}/${c.conn.pid}`;
}
