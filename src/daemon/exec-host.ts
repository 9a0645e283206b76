/**
 * The service host (service-host.ts) on the daemon's IPC server: the state dir's `ringcast.sock`
 * accepts clients of the hosted services and hands their requests, in order, to the host.
 *
 * Lifecycle (Corosync's order): startExecutive() before the ring starts, so no configuration is
 * missed; startIpc() once the ring runs; stop(): IPC first (clients see CS_ERR_LIBRARY and their
 * CPG groups hear procdown), then the executive; the daemon then leaves the ring. A planned stop
 * (Daemon.stop) first drains: see ServiceHost.beginDrain.
 */
import { IpcServer, type IpcServerLimits } from '../ipc/index.js';
import { ServiceHost, type ServiceHostOptions } from './service-host.js';

export interface ExecHostOptions extends ServiceHostOptions {
  /** The state dir: the socket file goes in it. */
  readonly socketDir: string;
  readonly socketName?: string;
  /** Default 0o660 (owner and group may connect). */
  readonly socketMode?: number;
  readonly socketGid?: number;
  readonly ipcLimits?: Partial<IpcServerLimits>;
}

/**
 * The daemon's per-connection bound on queued outbound bytes (the IPC default is 4 MiB). The ring
 * hands over deliveries in synchronous bursts: after a stall or a new ring, everything the senders
 * had queued (16 MiB per node by default) arrives in one go, before any socket write completes.
 * Under a 4 MiB bound even a client that reads as fast as it can is cut as a slow consumer by
 * such a burst; 32 MiB covers a full send queue plus the burst of another node.
 */
export const DAEMON_OUTBOUND_MAX_BYTES = 32 * 1024 * 1024;

export class ExecHost extends ServiceHost {
  readonly ipc: IpcServer;

  constructor(options: ExecHostOptions) {
    super(options);
    this.ipc = new IpcServer({
      socketDir: options.socketDir,
      socketName: options.socketName,
      socketMode: options.socketMode ?? 0o660,
      socketGid: options.socketGid,
      nodeId: options.nodeId,
      limits: { outboundMaxBytes: DAEMON_OUTBOUND_MAX_BYTES, ...options.ipcLimits },
      logger: options.logger,
      // A draining daemon takes no new client: it says why (SERVER_STOPPING, CS_ERR_TRY_AGAIN).
      acceptService: (hello) => (this.draining ? 'SERVER_STOPPING' : this.accepts(hello.serviceName)),
      onConnection: (conn) => this.connected(conn),
      onRequest: (conn, req) => this.request(conn, req.messageId, req.requestId, req.payload),
      onDisconnect: (conn, reason, detail) => this.disconnected(conn, reason, detail),
    });
  }

  /** Once the ring runs; fails (CS_ERR_EXIST) if another daemon serves the socket. */
  async startIpc(): Promise<void> {
    await this.ipc.start();
  }

  override async stop(): Promise<void> {
    await this.ipc.stop();
    super.stop();
  }

  override statusSections(): { ipc: Record<string, unknown>; exec: Record<string, unknown> } {
    return super.statusSections({ ...this.ipc.stats });
  }
}
