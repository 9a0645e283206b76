/**
 * Test harness: the EVT service on every node of a simulated cluster (SimExecCluster: the real
 * executive over the real Totem core, virtual time, partitions), with fake client connections
 * that speak the library protocol. Calls are synchronous from the test's view: `call` sends a
 * request and runs virtual time until it is answered, retrying SA_AIS_ERR_TRY_AGAIN (a sync in
 * progress) as a client would. Each node's service clock may be offset, to play nodes whose
 * wall clocks disagree.
 */
import assert from 'node:assert/strict';
import { FakeConnection } from '../../exec/testing/fake-connection.js';
import { SimExecCluster } from '../../exec/testing/sim-exec.js';
import { decodeEvtDelivery, decodeEvtLibResponse, encodeEvtLibRequest, EvtLibRequestId, type EvtDelivery, type EvtLibRequest, type EvtLibResponseBody } from '../../protocol/evt-lib.js';
import { SA_AIS_ERR_TRY_AGAIN, SA_AIS_OK } from '../../protocol/sa-errors.js';
import { decodeEvtDeliveryBatch, EVT_EVENT_DELIVER_BATCH } from '../../protocol/evt-batch.js';
import { decodeEvtDeliveryShared, EVT_EVENT_DELIVER_SHARED } from '../../protocol/evt-shared.js';
import { EVT_SERVICE_ID } from './messages.js';
import { EvtService, type EvtServiceOptions } from './service.js';

export interface EvtSimOptions {
  readonly nodes: number;
  readonly seed: number;
  /** Per node id: ms added to the virtual clock the node's service reads. */
  readonly clockOffsetMs?: Readonly<Record<number, number>>;
  readonly service?: Omit<EvtServiceOptions, 'clock'>;
}

export interface Client {
  readonly node: number;
  readonly conn: FakeConnection;
}

export class EvtSim {
  readonly c: SimExecCluster<EvtService>;
  #nextConn = 1;
  #nextRequest = 1;
  readonly #seen = new Map<Client, number>();

  constructor(options: EvtSimOptions) {
    const c: SimExecCluster<EvtService> = new SimExecCluster<EvtService>({
      nodes: options.nodes,
      seed: options.seed,
      services: (nodeId) => [new EvtService({
        ...options.service,
        clock: {
          nowMs: () => c.now + (options.clockOffsetMs?.[nodeId] ?? 0),
          after: (ms, run) => {
            let on = true;
            c.cluster.at(c.now + ms, () => on && run());
            return () => (on = false);
          },
          // After the current step, as setImmediate after an I/O turn.
          defer: (run) => c.cluster.at(c.now, run),
        },
      })],
    });
    this.c = c;
    for (let id = 1; id <= options.nodes; id++) c.start(id);
    assert.ok(c.settle(), 'the cluster formed');
  }

  svc(node: number): EvtService {
    const s = this.c.services(node)[0];
    assert.ok(s, `node ${node} runs`);
    return s;
  }

  /**
   * A connected client with room for `credits` deliveries (default: many); `batch`: it asks for
   * batched deliveries; `share`: then for shared ones too, at most that many targets per entry.
   */
  client(node: number, options: { credits?: number; batch?: number; share?: number } = {}): Client {
    const cl = { node, conn: new FakeConnection(this.#nextConn++) };
    if ((options.credits ?? 60_000) > 0) this.ok(cl, { kind: 'take', credits: options.credits ?? 60_000 });
    if (options.batch !== undefined) this.ok(cl, { kind: 'batch', maxDeliveries: options.batch, maxBytes: 64 * 1024 });
    if (options.share !== undefined) this.ok(cl, { kind: 'share', maxTargets: options.share });
    return cl;
  }

  send(cl: Client, req: EvtLibRequest): number {
    const id = this.#nextRequest++;
    const frame = encodeEvtLibRequest(req);
    this.c.exec(cl.node)!.request(cl.conn, EVT_SERVICE_ID, frame.messageId, id, frame.payload);
    return id;
  }

  /** Sends and runs until answered (TRY_AGAIN retried); returns the SA code and body. */
  call(cl: Client, req: EvtLibRequest): { saCode: number; body?: EvtLibResponseBody } {
    for (let attempt = 0; attempt < 200; attempt++) {
      const id = this.send(cl, req);
      const deadline = this.c.now + 10_000;
      this.c.cluster.runUntilTrue(() => cl.conn.responsesTo(id).length > 0, deadline);
      const res = cl.conn.responsesTo(id)[0];
      assert.ok(res, `request ${req.kind} answered`);
      assert.equal(res.status, 'CS_OK');
      const decoded = decodeEvtLibResponse(req.kind, res.payload);
      assert.ok(decoded.ok);
      if (decoded.value.saCode !== SA_AIS_ERR_TRY_AGAIN) return decoded.value;
      this.c.run(50);
    }
    assert.fail(`${req.kind} still TRY_AGAIN`);
  }

  ok(cl: Client, req: EvtLibRequest): EvtLibResponseBody | undefined {
    const r = this.call(cl, req);
    assert.equal(r.saCode, SA_AIS_OK, `${req.kind} answered SA code ${r.saCode}`);
    return r.body;
  }

  open(cl: Client, name: string, flags: number): number {
    const body = this.ok(cl, { kind: 'open', flags, name: new TextEncoder().encode(name) });
    assert.ok(body?.kind === 'open');
    return body.channel;
  }

  publish(cl: Client, channel: number, opts: { retentionMs?: number; patterns?: string[]; data?: string; priority?: 0 | 1 | 2 | 3 } = {}): bigint {
    const body = this.ok(cl, {
      kind: 'publish', channel, priority: opts.priority ?? 3, retentionNs: BigInt(opts.retentionMs ?? 0) * 1_000_000n, publishTimeNs: 0n,
      publisherName: new Uint8Array(0), patterns: (opts.patterns ?? []).map((p) => new TextEncoder().encode(p)),
      data: new TextEncoder().encode(opts.data ?? ''),
    });
    assert.ok(body?.kind === 'publish');
    return body.eventId;
  }

  /** Every delivery this client received so far. */
  deliveries(cl: Client): EvtDelivery[] {
    return cl.conn.events.flatMap((e) => {
      if (e.messageId === EVT_EVENT_DELIVER_SHARED) {
        const frame = decodeEvtDeliveryShared(e.payload);
        assert.ok(frame.ok);
        return frame.value.flatMap((entry) => {
          const out: EvtDelivery[] = [];
          for (let i = 0; i < entry.targets.length; i += 2) out.push({ ...entry.body, channel: entry.targets[i]!, subscriptionId: entry.targets[i + 1]! });
          return out;
        });
      }
      if (e.messageId === EVT_EVENT_DELIVER_BATCH) {
        const batch = decodeEvtDeliveryBatch(e.payload);
        assert.ok(batch.ok);
        return batch.value;
      }
      const d = decodeEvtDelivery(e.payload);
      assert.ok(d.ok);
      return [d.value];
    });
  }

  /** Deliveries since the last call of fresh() for this client. */
  fresh(cl: Client): EvtDelivery[] {
    const all = this.deliveries(cl);
    const from = this.#seen.get(cl) ?? 0;
    this.#seen.set(cl, all.length);
    return all.slice(from);
  }

  /** Every live node's table in canonical form (replicas must agree). */
  tables(): Map<number, string> {
    return new Map(this.c.liveNodes().map((id) => [id, JSON.stringify(this.svc(id).table.snapshot())]));
  }

  settle(groups?: number[][]): void {
    assert.ok(this.c.settle(groups ? { groups } : {}), 'settled');
  }
}

export { EvtLibRequestId };
