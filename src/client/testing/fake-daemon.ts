/**
 * A stand-in for ringcastd in client tests: a real IpcServer speaking the CPG library protocol
 * (lib-protocol.ts) and the status service, with one-node semantics computed on the spot (a join
 * or mcast "comes back in agreed order" immediately after its answer). Tests script refusals
 * (CS_ERR_TRY_AGAIN for the next N mcasts), hold answers, and stop and restart the server to
 * exercise reconnection. Not a model of the ring: the real service is tested in src/services/cpg.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CS_ERROR, IpcServer, type Connection, type CsErrorName } from '../../ipc/index.js';
import {
  decodeCpgLibRequest,
  encodeCpgLibEvent,
  encodeCpgLibEventParts,
  encodeCpgLibResponse,
  type CpgLibEvent,
  type CpgLibRequest,
  type CpgLibResponse,
} from '../../protocol/cpg/lib-protocol.js';
import { CpgReason } from '../../protocol/cpg/vocabulary.js';
import { StatusRequest } from '../../protocol/status.js';
import { corosyncRingId } from '../../protocol/ring-id.js';

interface Member {
  readonly connection: Connection;
  readonly nodeId: number;
  readonly pid: number;
}

export interface FakeDaemonOptions {
  readonly nodeId?: number;
  /** Reuse a directory (a restart keeps the socket path). */
  readonly dir?: string;
}

export class FakeDaemon {
  readonly dir: string;
  readonly nodeId: number;
  /** The next N mcasts are refused with CS_ERR_TRY_AGAIN. */
  tryAgainMcasts = 0;
  /** The next N joins are refused with CS_ERR_TRY_AGAIN (a leave still on its way round the ring). */
  tryAgainJoins = 0;
  /** Joins of these groups are refused with this code. */
  refuseJoins = new Map<string, CsErrorName>();
  /** Requests of these kinds are kept unanswered in `held` (tests answer or drop them). */
  holdKinds = new Set<CpgLibRequest['kind']>();
  readonly held: { connection: Connection; requestId: number; request: CpgLibRequest }[] = [];
  /** Every request the daemon received, in order, with its connection's pid. */
  readonly log: { pid: number; request: CpgLibRequest }[] = [];
  flowControl: 'enabled' | 'disabled' = 'disabled';
  ring = { nodeId: 1, seq: 4 };
  status: Record<string, unknown> = {};
  #server: IpcServer | undefined;
  readonly #groups = new Map<string, Member[]>();
  readonly #names = new Map<string, Uint8Array>();

  private constructor(dir: string, nodeId: number) {
    this.dir = dir;
    this.nodeId = nodeId;
  }

  static async start(options: FakeDaemonOptions = {}): Promise<FakeDaemon> {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'rc-client-')));
    const daemon = new FakeDaemon(dir, options.nodeId ?? 1);
    await daemon.restart();
    return daemon;
  }

  get socketPath(): string {
    return join(this.dir, 'ringcast.sock');
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  /** Stops the server: clients see SERVER_STOPPING; the group table goes with it, as with a daemon restart. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.stop();
    this.#groups.clear();
  }

  async restart(): Promise<void> {
    if (this.#server) await this.stop();
    const server = new IpcServer({
      socketDir: this.dir,
      nodeId: this.nodeId,
      acceptService: (hello) => hello.serviceName === 'cpg' || hello.serviceName === 'status',
      onRequest: (connection, request) => {
        if (connection.serviceName === 'status') this.#onStatus(connection, request.requestId, request.messageId);
        else this.#onCpg(connection, request.requestId, request.messageId, request.payload);
      },
      onDisconnect: (connection) => this.#procdown(connection),
    });
    await server.start();
    this.#server = server;
  }

  async done(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  members(group: string): { nodeId: number; pid: number }[] {
    return (this.#groups.get(group) ?? []).map(({ nodeId, pid }) => ({ nodeId, pid }));
  }

  /** Cuts every cpg connection while the server keeps running (their members leave as procdown). */
  dropClients(): void {
    for (const c of [...(this.#server?.connections() ?? [])]) if (c.serviceName === 'cpg') c.shutdown('SERVER_STOPPING');
  }

  /** Sends an event to every connection of the cpg service (flow control, totem confchg). */
  broadcast(event: CpgLibEvent): void {
    const frame = encodeCpgLibEvent(event);
    for (const c of this.#server?.connections() ?? []) if (c.serviceName === 'cpg') c.sendEvent(frame.messageId, frame.payload);
  }

  /** Answers a held request as the daemon would have. */
  release(index = 0): void {
    const [held] = this.held.splice(index, 1);
    if (held) this.#apply(held.connection, held.requestId, held.request);
  }

  #onStatus(connection: Connection, requestId: number, messageId: number): void {
    let answer: Record<string, unknown>;
    if (messageId === StatusRequest.status) answer = { nodeId: this.nodeId, ringId: corosyncRingId({ rep: this.ring.nodeId, seq: this.ring.seq }), ...this.status };
    else if (messageId === StatusRequest.members) {
      answer = { ringId: { rep: this.ring.nodeId, seq: this.ring.seq }, ring: corosyncRingId({ rep: this.ring.nodeId, seq: this.ring.seq }), state: 'operational', members: [this.nodeId] };
    }
    else return void connection.respond(requestId, CS_ERROR.CS_ERR_INVALID_PARAM);
    connection.respond(requestId, CS_ERROR.CS_OK, new TextEncoder().encode(JSON.stringify(answer)));
  }

  #onCpg(connection: Connection, requestId: number, messageId: number, payload: Uint8Array): void {
    const decoded = decodeCpgLibRequest(messageId, payload);
    if (!decoded.ok) return void connection.respond(requestId, CS_ERROR.CS_ERR_INVALID_PARAM);
    const request = decoded.value;
    this.log.push({ pid: connection.pid, request });
    if (this.holdKinds.has(request.kind)) return void this.held.push({ connection, requestId, request });
    this.#apply(connection, requestId, request);
  }

  #apply(connection: Connection, requestId: number, request: CpgLibRequest): void {
    const fail = (code: CsErrorName) => void connection.respond(requestId, CS_ERROR[code]);
    const ok = (res: CpgLibResponse) => void connection.respond(requestId, CS_ERROR.CS_OK, encodeCpgLibResponse(res));
    const key = 'group' in request ? Buffer.from(request.group).toString('latin1') : '';
    const members = this.#groups.get(key) ?? [];
    const self = members.find((m) => m.connection === connection);
    switch (request.kind) {
      case 'join': {
        if (self) return fail('CS_ERR_EXIST');
        const refusal = this.refuseJoins.get(key);
        if (refusal) return fail(refusal);
        if (this.tryAgainJoins > 0) {
          this.tryAgainJoins--;
          return fail('CS_ERR_TRY_AGAIN');
        }
        ok({ kind: 'join' });
        const me = { connection, nodeId: this.nodeId, pid: connection.pid };
        this.#names.set(key, request.group);
        this.#groups.set(key, [...members, me]);
        this.#confchg(key, [], [me]);
        if (request.deliverInitialTotemConf) this.#send(connection, { kind: 'totem_confchg', ringId: this.ring, nodes: [this.nodeId] });
        return;
      }
      case 'leave': {
        if (!self) return fail('CS_ERR_NOT_EXIST');
        ok({ kind: 'leave' });
        this.#confchg(key, [self], [], CpgReason.leave);
        this.#groups.set(key, members.filter((m) => m !== self));
        return;
      }
      case 'mcast': {
        if (!self) return fail('CS_ERR_NOT_EXIST');
        if (this.tryAgainMcasts > 0) {
          this.tryAgainMcasts--;
          return fail('CS_ERR_TRY_AGAIN');
        }
        ok({ kind: 'mcast' });
        for (const m of members) this.#send(m.connection, { kind: 'deliver', group: request.group, nodeId: self.nodeId, pid: self.pid, data: request.data });
        return;
      }
      case 'membershipGet':
        return ok({ kind: 'membershipGet', members: members.map(({ nodeId, pid }) => ({ nodeId, pid })) });
      case 'localNodeIdGet':
        return ok({ kind: 'localNodeIdGet', nodeId: this.nodeId });
      case 'groupsList': {
        const groups = [...this.#groups].filter(([, ms]) => ms.length > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, ms]) => ({ group: this.#names.get(k)!, members: ms.map(({ nodeId, pid }) => ({ nodeId, pid })) }));
        return ok({ kind: 'groupsList', groups });
      }
      case 'flowControlGet':
        return ok({ kind: 'flowControlGet', state: this.flowControl });
    }
  }

  /** One confchg to every member after the change (the leaver included, as its own last event). */
  #confchg(key: string, left: Member[], joined: Member[], leftReason: number = CpgReason.leave): void {
    const group = this.#names.get(key)!;
    const before = this.#groups.get(key) ?? [];
    const after = before.filter((m) => !left.includes(m));
    const addr = (m: Member, reason: number) => ({ nodeId: m.nodeId, pid: m.pid, reason: reason as 1 });
    const event: CpgLibEvent = {
      kind: 'confchg', group, members: after.map(({ nodeId, pid }) => ({ nodeId, pid })),
      left: left.map((m) => addr(m, leftReason)), joined: joined.map((m) => addr(m, CpgReason.join)),
    };
    for (const m of new Set([...before, ...joined])) this.#send(m.connection, event);
  }

  #procdown(connection: Connection): void {
    for (const [key, members] of this.#groups) {
      const self = members.find((m) => m.connection === connection);
      if (!self) continue;
      this.#confchg(key, [self], [], CpgReason.procdown);
      this.#groups.set(key, members.filter((m) => m !== self));
    }
  }

  #send(connection: Connection, event: CpgLibEvent): void {
    // The daemon's encoding: a delivery's data goes out as the frame's tail.
    const frame = encodeCpgLibEventParts(event);
    if (connection.serviceName === 'cpg') connection.sendEvent(frame.messageId, frame.payload, frame.tail);
  }
}
