/**
 * Hosts the executive in the daemon: the services (cpg, orderlog, status), the IPC server on the
 * state dir's `ringcast.sock`, the mapping of IPC connections to the executive's client
 * connections, back-pressure from the ring's send queue to the clients (ring-gate.ts), logs and
 * counters. The daemon feeds it the ring's deliveries and configuration changes.
 *
 * A connection's requests are read only while three things hold: the ring takes messages (the
 * gate is open), the client takes its answers (not congested), and none of its own requests is
 * held by the executive. The last one is the per-connection FIFO rule: a request the ring cannot
 * take yet is kept (LibRequest.retryLater), not answered CS_ERR_TRY_AGAIN, and the requests
 * behind it stay unread in the socket until it is taken; so a client may pipeline mcasts and
 * they reach the ring in its order. When the gate reopens, held requests go before any
 * connection is read again.
 *
 * Lifecycle (Corosync's order): startExecutive() before the ring starts, so no configuration is
 * missed; startIpc() once the ring runs; stop(): IPC first (clients see CS_ERR_LIBRARY and their
 * CPG groups hear procdown), then the executive; the daemon then leaves the ring.
 */
import type { Logger } from 'pino';
import type { ConfigChange } from '../totem/state.js';
import { Executive, type ClientConnection, type CsStatus, type ExecDelivery, type ExecTraceEvent } from '../exec/index.js';
import { CS_ERROR, IpcError, IpcServer, type Connection, type IpcServerLimits } from '../ipc/index.js';
import { CpgService, type CpgServiceOptions } from '../services/cpg/service.js';
import { OrderLogService, type OrderLogOptions } from '../services/orderlog/index.js';
import { formatRingId } from '../history/ids.js';
import { RingGate, type GatedRing } from './ring-gate.js';
import { StatusService, type StatusSource } from './status-service.js';

export interface ExecHostOptions {
  readonly nodeId: number;
  readonly ring: GatedRing;
  /** The state dir: the socket file goes in it. */
  readonly socketDir: string;
  readonly socketName?: string;
  /** Default 0o660 (owner and group may connect). */
  readonly socketMode?: number;
  readonly socketGid?: number;
  readonly ipcLimits?: Partial<IpcServerLimits>;
  readonly cpg?: CpgServiceOptions;
  readonly orderLog?: OrderLogOptions;
  readonly status: StatusSource;
  readonly logger: Logger;
}

/**
 * The daemon's per-connection bound on queued outbound bytes (the IPC default is 4 MiB). The ring
 * hands over deliveries in synchronous bursts: after a stall or a new ring, everything the senders
 * had queued (16 MiB per node by default) arrives in one go, before any socket write completes.
 * Under a 4 MiB bound even a client that reads as fast as it can is cut as a slow consumer by
 * such a burst; 32 MiB covers a full send queue plus the burst of another node.
 */
export const DAEMON_OUTBOUND_MAX_BYTES = 32 * 1024 * 1024;

export interface ExecHostStats {
  /** Events a client could not take (over its frame bound): that client was cut. */
  eventsRefused: number;
  /** Responses over the client's frame bound, answered CS_ERR_TOO_BIG instead. */
  responsesTooBig: number;
  /** Times a client's requests were paused because its outbound queue passed the soft mark. */
  congestionPauses: number;
}

interface HostHooks {
  readonly stats: ExecHostStats;
  refuse(conn: Connection, err: unknown): void;
  congested(client: IpcClientConnection): void;
  applyPause(client: IpcClientConnection): void;
}

/** One IPC connection as the executive sees it. */
class IpcClientConnection implements ClientConnection {
  /** Its outbound queue passed the soft mark: its requests wait until it drains. */
  congested = false;
  /** One of its requests waits for the ring (the executive holds it): later ones wait unread. */
  held = false;

  constructor(
    readonly conn: Connection,
    readonly serviceId: number,
    private readonly host: HostHooks,
  ) {}

  get id(): number {
    return this.conn.id;
  }

  get pid(): number {
    return this.conn.pid;
  }

  respond(requestId: number, status: CsStatus, payload: Uint8Array): void {
    try {
      if (!this.conn.respond(requestId, CS_ERROR[status], payload)) this.host.congested(this);
    } catch (err) {
      if (!(err instanceof IpcError && err.code === 'CS_ERR_TOO_BIG')) throw err;
      // The request stays in flight after a refused answer: tell the client why instead.
      this.host.stats.responsesTooBig++;
      this.conn.respond(requestId, CS_ERROR.CS_ERR_TOO_BIG);
    }
  }

  sendEvent(messageId: number, payload: Uint8Array, tail?: Uint8Array): void {
    try {
      if (!this.conn.sendEvent(messageId, payload, tail)) this.host.congested(this);
    } catch (err) {
      this.host.refuse(this.conn, err);
    }
  }

  holdRequests(held: boolean): void {
    this.held = held;
    this.host.applyPause(this);
  }
}

export class ExecHost {
  readonly exec: Executive;
  readonly cpg: CpgService;
  readonly gate: RingGate;
  readonly ipc: IpcServer;
  readonly stats: ExecHostStats = { eventsRefused: 0, responsesTooBig: 0, congestionPauses: 0 };
  readonly #clients = new Map<number, IpcClientConnection>();
  readonly #serviceIds: ReadonlyMap<string, number>;
  readonly #log: Logger;

  constructor(options: ExecHostOptions) {
    this.#log = options.logger;
    this.cpg = new CpgService(options.cpg);
    const services = [this.cpg, new OrderLogService(options.orderLog), new StatusService(options.status)];
    this.#serviceIds = new Map(services.map((s) => [s.name, s.id]));
    this.gate = new RingGate(options.ring, { onChange: (closed) => this.#gateChanged(closed) });
    this.exec = new Executive({
      nodeId: options.nodeId,
      ring: this.gate,
      services,
      schedule: (run) => setImmediate(run),
      trace: (event) => this.#trace(event),
      // The own-message bound is flow control too; it ends without a gate event.
      onOwnMessagesRoom: () => {
        if (!this.gate.closed) this.cpg.setFlowControl('disabled');
      },
    });
    this.ipc = new IpcServer({
      socketDir: options.socketDir,
      socketName: options.socketName,
      socketMode: options.socketMode ?? 0o660,
      socketGid: options.socketGid,
      nodeId: options.nodeId,
      limits: { outboundMaxBytes: DAEMON_OUTBOUND_MAX_BYTES, ...options.ipcLimits },
      logger: options.logger,
      acceptService: (hello) => this.#serviceIds.has(hello.serviceName),
      onConnection: (conn) => this.#connected(conn),
      onRequest: (conn, req) => {
        const client = this.#clients.get(conn.id);
        if (client === undefined) throw new Error(`request on unknown connection ${conn.id}`);
        this.exec.request(client, client.serviceId, req.messageId, req.requestId, req.payload);
      },
      onDisconnect: (conn, reason, detail) => this.#disconnected(conn, reason, detail),
    });
  }

  /** Before the ring starts. */
  startExecutive(): void {
    this.exec.start();
  }

  /** Once the ring runs; fails (CS_ERR_EXIST) if another daemon serves the socket. */
  async startIpc(): Promise<void> {
    await this.ipc.start();
  }

  deliver(delivery: ExecDelivery): void {
    this.exec.deliver(delivery);
    this.gate.check();
  }

  configChange(change: ConfigChange): void {
    this.exec.configChange(change);
    this.gate.check();
  }

  async stop(): Promise<void> {
    await this.ipc.stop();
    this.exec.stop();
    this.gate.stop();
  }

  /** The `ipc` and `exec` sections of status.json. */
  statusSections(): { ipc: Record<string, unknown>; exec: Record<string, unknown> } {
    return {
      ipc: {
        ...this.ipc.stats,
        clients: this.#clients.size,
        requestsPaused: this.gate.closed,
        requestsHeld: this.exec.heldRequests,
        gateCloses: this.gate.stats.closes,
        ringQueueFull: this.gate.stats.queueFull,
        ...this.stats,
      },
      exec: {
        ...this.exec.stats,
        syncState: this.exec.syncState,
        sync: this.exec.syncStats,
        ownMessages: this.exec.ownMessages,
        cpg: this.cpg.statusCounters(),
      },
    };
  }

  #connected(conn: Connection): void {
    const serviceId = this.#serviceIds.get(conn.serviceName)!;
    this.#clients.set(conn.id, new IpcClientConnection(conn, serviceId, this));
    // A client arriving while the ring is full waits like the others.
    if (this.gate.closed) conn.pauseRequests();
    this.#log.debug({ connection: conn.id, service: conn.serviceName, pid: conn.pid }, `IPC connection created: ${conn.serviceName} client pid ${conn.pid} (connection ${conn.id})`);
  }

  #disconnected(conn: Connection, reason: string, detail: string): void {
    const client = this.#clients.get(conn.id);
    if (client === undefined) return;
    this.#clients.delete(conn.id);
    this.exec.connectionClosed(client);
    this.#log.debug({ connection: conn.id, service: conn.serviceName, pid: conn.pid, reason, detail }, `IPC connection closed: ${conn.serviceName} client pid ${conn.pid} (connection ${conn.id}): ${reason}`);
  }

  /**
   * A client cannot take an event (larger than the frame it negotiated). It would miss a callback
   * the others saw, so it is cut: its groups hear procdown, the client sees the disconnect.
   * Deferred: this runs inside an executive handler, which must not re-enter the executive.
   */
  refuse(conn: Connection, err: unknown): void {
    this.stats.eventsRefused++;
    this.#log.warn({ connection: conn.id, service: conn.serviceName, pid: conn.pid, err }, `IPC client pid ${conn.pid} cannot take an event; disconnecting it`);
    setImmediate(() => conn.close());
  }

  /**
   * A client that does not keep up with what it is sent (typically its own flood coming back as
   * deliveries) may not add more: its requests wait until its queue drains below the soft mark.
   * Only if it stays behind while the ring goes on does the IPC layer's hard bound cut it.
   */
  congested(client: IpcClientConnection): void {
    if (client.congested || client.conn.closed) return;
    client.congested = true;
    this.stats.congestionPauses++;
    client.conn.pauseRequests();
    client.conn.once('drain', () => {
      client.congested = false;
      this.applyPause(client);
    });
  }

  /** Requests flow only while the ring takes messages, the client takes its answers and none of its requests is held. */
  applyPause(client: IpcClientConnection): void {
    if (this.gate.closed || client.congested || client.held) client.conn.pauseRequests();
    else client.conn.resumeRequests();
  }

  #gateChanged(closed: boolean): void {
    // Held requests were refused before anything now waiting unread: they go to the ring first.
    if (!closed) this.exec.ringDrained();
    for (const client of this.#clients.values()) this.applyPause(client);
    this.cpg.setFlowControl(closed ? 'enabled' : 'disabled');
    this.#log.debug({ clients: this.#clients.size }, closed
      ? 'Ring send queue full: pausing requests of IPC clients (flow control on)'
      : 'Ring send queue drained: resuming requests of IPC clients (flow control off)');
  }

  #trace(event: ExecTraceEvent): void {
    switch (event.kind) {
      case 'syncStart':
        this.#log.debug({ ring: formatRingId(event.ringId.rep, event.ringId.seq), members: event.members }, 'Synchronization started');
        break;
      case 'syncAbort':
        this.#log.info({ ring: formatRingId(event.ringId.rep, event.ringId.seq) }, 'Synchronization aborted by a configuration change');
        break;
      case 'syncComplete':
        this.#log.info({ ring: formatRingId(event.ringId.rep, event.ringId.seq) }, 'Completed service synchronization, ready to provide service.');
        break;
      case 'dropped':
        // Building the line costs; a flood of foreign messages must not pay for a disabled level.
        if (this.#log.isLevelEnabled('debug')) this.#log.debug({ reason: event.reason, from: event.from }, `executive message dropped: ${event.reason} ${event.detail}`);
        break;
      default:
        break;
    }
  }
}
