/**
 * Hosts the executive in the daemon: the services (cpg, clm, orderlog, status), the mapping of client
 * connections to the executive's client connections, back-pressure from the ring's send queue to
 * the clients (ring-gate.ts), logs and counters. The daemon feeds it the ring's deliveries and
 * configuration changes. Connections come from the IPC server in ringcastd (exec-host.ts) or from
 * simulated client processes in the simulator (src/sim/daemon): this file opens no socket and
 * arms no timer of its own, so the daemon's whole stack runs under seeded faults.
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
 * missed; connections once the ring runs; on a planned stop, beginDrain() stops reading every
 * client (what they already handed over is finished and answered; `pendingWork` says how much is
 * left), then every connection closes (their CPG groups hear procdown), then stop(); the daemon
 * leaves the ring once the work is delivered.
 */
import type { Logger } from 'pino';
import type { ConfigChange } from '../totem/state.js';
import { Executive, type ClientConnection, type CsStatus, type ExecDelivery, type ExecTraceEvent, type Service } from '../exec/index.js';
import { CS_ERROR, IpcError } from '../ipc/index.js';
import { CpgService, type CpgServiceOptions } from '../services/cpg/service.js';
import { ClmService, type ClmServiceOptions } from '../services/clm/service.js';
import { OrderLogService, type OrderLogOptions } from '../services/orderlog/index.js';
import { EvtService, NODE_EVT_CLOCK, type EvtServiceOptions } from '../services/evt/service.js';
import { VotequorumService, type VotequorumServiceOptions } from '../services/votequorum/service.js';
import { corosyncRingId } from '../protocol/ring-id.js';
import { CfgService, type CfgHost } from '../services/cfg/service.js';
import { NODE_CLOCK, type HostClock } from './host-clock.js';
import { RingGate, type GatedRing } from './ring-gate.js';
import { StatusService, type StatusSource } from './status-service.js';
import { ServiceCounters, type ServiceCount } from './service-counters.js';

/**
 * A client connection as the host needs it: the IPC server's Connection fits, and so does a
 * simulated client. respond/sendEvent return false when the client's outbound queue passed its
 * soft mark (it then emits 'drain' once it is below it again).
 */
export interface HostConnection {
  readonly id: number;
  readonly pid: number;
  readonly serviceName: string;
  readonly closed: boolean;
  respond(requestId: number, code: number, payload?: Uint8Array): boolean;
  sendEvent(messageId: number, payload: Uint8Array, tail?: Uint8Array): boolean;
  pauseRequests(): void;
  resumeRequests(): void;
  close(): void;
  once(event: 'drain', listener: () => void): unknown;
}

export interface ServiceHostOptions {
  readonly nodeId: number;
  readonly ring: GatedRing;
  readonly cpg?: CpgServiceOptions;
  /** This node's CLM record (nodelist name, address, boot time); default (tests): `node<id>`, 0.0.0.0, 0. */
  readonly clm?: ClmServiceOptions;
  readonly orderLog?: OrderLogOptions;
  /** quorum { provider: corosync_votequorum }: host votequorum (id 5); without it, always quorate. */
  readonly votequorum?: Omit<VotequorumServiceOptions, 'timer' | 'log'>;
  /** cfg (id 1): link status, cluster-wide reload, shutdown; hosted when the host is given (the daemon, not the simulator). */
  readonly cfg?: CfgHost;
  /** Services of your own, hosted after the built-in ones (their ids and names must be free). */
  readonly services?: readonly Service[];
  /** The EVT service's options (queue sizes, filter rule, bounds); its clock comes from `clock`. */
  readonly evt?: Omit<EvtServiceOptions, 'clock'>;
  /** The status service's source; without one (the simulator) the status service is not hosted. */
  readonly status?: StatusSource;
  readonly logger: Logger;
  readonly clock?: HostClock;
  /** Ordered messages without an executive header (see ExecutiveOptions.onForeign). */
  readonly onForeign?: (delivery: ExecDelivery) => void;
}

export interface ServiceHostStats {
  /** Events a client could not take (over its frame bound): that client was cut. */
  eventsRefused: number;
  /** Responses over the client's frame bound, answered CS_ERR_TOO_BIG instead. */
  responsesTooBig: number;
  /** Times a client's requests were paused because its outbound queue passed the soft mark. */
  congestionPauses: number;
}

interface HostHooks {
  readonly stats: ServiceHostStats;
  readonly serviceCounters: ServiceCounters;
  refuse(conn: HostConnection, err: unknown): void;
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
    readonly conn: HostConnection,
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
    this.host.serviceCounters.answered(this.serviceId, status);
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

export class ServiceHost {
  readonly exec: Executive;
  readonly cpg: CpgService;
  readonly evt: EvtService;
  readonly clm: ClmService;
  /** Hosted when quorum.provider is corosync_votequorum. */
  readonly votequorum: VotequorumService | undefined;
  /** Hosted when the options give a cfg host. */
  readonly cfg: CfgService | undefined;
  readonly gate: RingGate;
  readonly stats: ServiceHostStats = { eventsRefused: 0, responsesTooBig: 0, congestionPauses: 0 };
  /** Requests, error answers and applied messages per service, for the metrics endpoint. */
  readonly serviceCounters = new ServiceCounters();
  readonly #clients = new Map<number, IpcClientConnection>();
  readonly #serviceIds: ReadonlyMap<string, number>;
  readonly #log: Logger;
  readonly #clock: HostClock;
  #draining = false;

  constructor(options: ServiceHostOptions) {
    this.#log = options.logger;
    this.#clock = options.clock ?? NODE_CLOCK;
    this.cpg = new CpgService(options.cpg);
    this.clm = new ClmService(options.clm ?? {
      local: { name: `node${options.nodeId}`, address: { family: 'inet', text: '0.0.0.0' }, bootTimestamp: 0n },
    });
    const clock = this.#clock;
    this.evt = new EvtService({
      ...options.evt,
      clock: clock.nowMs && clock.after ? { nowMs: clock.nowMs, after: clock.after } : NODE_EVT_CLOCK,
    });
    const services: Service[] = [this.cpg, this.clm, new OrderLogService(options.orderLog), this.evt];
    if (options.votequorum) {
      const after = this.#clock.after;
      this.votequorum = new VotequorumService({
        ...options.votequorum,
        ...(after ? { timer: (ms: number, run: () => void) => after(ms, run) } : {}),
        log: (message, fields) => this.#log.info(fields, message),
      });
      services.push(this.votequorum);
    }
    if (options.cfg) {
      // A clock without timers (a test's) still needs the question's timeout: the process's.
      const after = this.#clock.after ?? NODE_CLOCK.after!;
      this.cfg = new CfgService({
        host: options.cfg,
        timer: (ms, run) => after(ms, run),
        defer: this.#clock.defer,
        log: (level, message, fields) => this.#log[level](fields, message),
      });
      services.push(this.cfg);
    }
    if (options.status) services.push(new StatusService(options.status));
    services.push(...(options.services ?? []));
    this.#serviceIds = new Map(services.map((s) => [s.name, s.id]));
    this.gate = new RingGate(options.ring, { onChange: (closed) => this.#gateChanged(closed), every: this.#clock.every });
    this.exec = new Executive({
      nodeId: options.nodeId,
      ring: this.gate,
      services,
      schedule: this.#clock.defer,
      onForeign: options.onForeign,
      quorate: () => this.quorate,
      trace: (event) => this.#trace(event),
      // The own-message bound is flow control too; it ends without a gate event.
      onOwnMessagesRoom: () => {
        if (!this.gate.closed) this.cpg.setFlowControl('disabled');
      },
    });
  }

  /** Before the ring starts. */
  startExecutive(): void {
    this.exec.start();
  }

  /** Whether this partition may act: votequorum's answer, or always true without a quorum provider. */
  get quorate(): boolean {
    return this.votequorum?.quorate ?? true;
  }

  /** Whether a client may connect to this service. */
  accepts(serviceName: string): boolean {
    return this.#serviceIds.has(serviceName);
  }

  /** A client's request, in the order its connection sent them. */
  request(conn: HostConnection, messageId: number, requestId: number, payload: Uint8Array): void {
    const client = this.#clients.get(conn.id);
    if (client === undefined) throw new Error(`request on unknown connection ${conn.id}`);
    this.serviceCounters.request(client.serviceId);
    this.exec.request(client, client.serviceId, messageId, requestId, payload);
  }

  deliver(delivery: ExecDelivery): void {
    this.exec.deliver(delivery);
    this.gate.check();
  }

  configChange(change: ConfigChange): void {
    this.exec.configChange(change);
    this.gate.check();
  }

  /**
   * A planned stop begins: no request is read from any client any more (they wait unread in
   * their sockets, and the client learns SERVER_STOPPING when the connection closes); requests
   * already read, held ones included, go on to the ring and are answered when they come back.
   */
  beginDrain(): void {
    if (this.#draining) return;
    this.#draining = true;
    for (const client of this.#clients.values()) this.applyPause(client);
  }

  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Work accepted and not finished: the executive's own messages in flight or deferred until sync
   * completes, and requests it holds for the ring. A planned stop waits until this is 0 (and the
   * ring delivered everything this node handed it).
   */
  get pendingWork(): number {
    const own = this.exec.ownMessages;
    return own.inFlight + own.deferred + this.exec.heldRequests;
  }

  /** After every client was disconnected. */
  stop(): void {
    this.exec.stop();
    this.gate.stop();
  }

  /** The `ipc` and `exec` sections of status.json; `transport` holds the IPC server's own counters. */
  statusSections(transport: Record<string, unknown> = {}): { ipc: Record<string, unknown>; exec: Record<string, unknown> } {
    return {
      ipc: {
        ...transport,
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
        evt: this.evt.statusCounters(),
        clm: this.clm.statusCounters(),
        ...(this.votequorum ? { votequorum: this.votequorum.statusSection() } : {}),
        ...(this.cfg ? { cfg: this.cfg.statusSection() } : {}),
      },
    };
  }

  /** Per-service counts by service name, every hosted service (metrics; docs/metrics.md). */
  serviceCounts(): (ServiceCount & { readonly name: string })[] {
    const names = new Map([...this.#serviceIds].map(([name, id]) => [id, name]));
    return this.serviceCounters.read(names.keys()).map((c) => ({ ...c, name: names.get(c.serviceId)! }));
  }

  connected(conn: HostConnection): void {
    const serviceId = this.#serviceIds.get(conn.serviceName)!;
    this.#clients.set(conn.id, new IpcClientConnection(conn, serviceId, this));
    // A client arriving while the ring is full (or the daemon drains) waits like the others.
    if (this.gate.closed || this.#draining) conn.pauseRequests();
    this.#log.debug({ connection: conn.id, service: conn.serviceName, pid: conn.pid }, `IPC connection created: ${conn.serviceName} client pid ${conn.pid} (connection ${conn.id})`);
  }

  disconnected(conn: HostConnection, reason: string, detail: string): void {
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
  refuse(conn: HostConnection, err: unknown): void {
    this.stats.eventsRefused++;
    this.#log.warn({ connection: conn.id, service: conn.serviceName, pid: conn.pid, err }, `IPC client pid ${conn.pid} cannot take an event; disconnecting it`);
    this.#clock.defer(() => conn.close());
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

  /** Requests flow only while the daemon is not draining, the ring takes messages, the client takes its answers and none of its requests is held. */
  applyPause(client: IpcClientConnection): void {
    if (this.#draining || this.gate.closed || client.congested || client.held) client.conn.pauseRequests();
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
        this.#log.debug({ ring: corosyncRingId(event.ringId), members: event.members }, 'Synchronization started');
        break;
      case 'syncAbort':
        this.#log.info({ ring: corosyncRingId(event.ringId) }, 'Synchronization aborted by a configuration change');
        break;
      case 'syncComplete':
        this.#log.info({ ring: corosyncRingId(event.ringId) }, 'Completed service synchronization, ready to provide service.');
        break;
      case 'applied':
        this.serviceCounters.applied(event.serviceId);
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
