/**
 * The daemon's IPC listener: owns the socket file, the connection table and the counters, and
 * decides handshakes through the owner's acceptService. It knows nothing about services beyond
 * their names; requests go to the owner's onRequest with the Connection that answers them.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { DisconnectReason, RejectCode } from './codes.js';
import { Connection, type ConnectionHooks, type HandshakeDecision, type IpcRequest } from './connection.js';
import { IpcError } from './errors.js';
import { BOOT_ID_BYTES, encodeFrame, IPC_PROTOCOL_VERSION, type HelloFrame } from './frame.js';
import { MIN_FRAME_BYTES, REJECT_OVERFLOW_SOCKETS, resolveServerLimits, type IpcServerLimits } from './limits.js';
import { applySocketPermissions, checkSocketPath, clearStaleSocket, removeOwnSocket, type SocketFileIdentity } from './socket-file.js';
import { createServerStats, type IpcServerStats, type MutableServerStats } from './stats.js';

/** Structured logger hook; pino's Logger fits it. */
export interface IpcLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What a client declared in its hello, for the owner's decision. */
export interface HelloInfo {
  readonly serviceName: string;
  /** Declared, not verified (no SO_PEERCRED in Node). */
  readonly pid: number;
  readonly connectionId: number;
}

export interface IpcServerOptions {
  /** The daemon's run/state directory; the socket file goes in it. */
  readonly socketDir: string;
  /** Default 'ringcast.sock'. */
  readonly socketName?: string;
  /** Default 0o660: owner and group may connect, others may not. */
  readonly socketMode?: number;
  /** Owner to chown the socket file to (Corosync's uidgid, by file permission); default unchanged. */
  readonly socketUid?: number;
  readonly socketGid?: number;
  readonly nodeId: number;
  /** 16 bytes naming this daemon run, so clients can tell a restart from a reconnect; default random. */
  readonly bootId?: Uint8Array;
  readonly limits?: Partial<IpcServerLimits>;
  /** true: accept; false: UNKNOWN_SERVICE; a RejectCode: refuse with it (e.g. 'ACCESS_DENIED'). */
  acceptService(hello: HelloInfo): boolean | RejectCode;
  onRequest(connection: Connection, request: IpcRequest): void;
  onConnection?(connection: Connection): void;
  onDisconnect?(connection: Connection, reason: DisconnectReason, detail: string): void;
  readonly logger?: IpcLogger;
}

/** Reasons that mean a misbehaving or stuck client: logged at warn, rate-limited. */
const CLIENT_FAULTS: ReadonlySet<DisconnectReason> = new Set(['SLOW_CONSUMER', 'OVERSIZE_FRAME', 'BAD_FRAME', 'BAD_HANDSHAKE', 'HANDSHAKE_TIMEOUT']);
const LOG_INTERVAL_MS = 10_000;
const LOG_LINES_PER_INTERVAL_MAX = 20;

export class IpcServer {
  readonly path: string;
  readonly limits: IpcServerLimits;
  readonly bootId: Uint8Array;
  readonly #options: IpcServerOptions;
  readonly #stats: MutableServerStats = createServerStats();
  readonly #connections = new Map<number, Connection>();
  readonly #sockets = new Set<Socket>();
  readonly #hooks: ConnectionHooks;
  #server: Server | undefined;
  #identity: SocketFileIdentity | undefined;
  #ready = false;
  #nextId = 1;
  #logWindowStartMs = 0;
  #logLines = 0;
  #logSuppressed = 0;

  constructor(options: IpcServerOptions) {
    this.#options = options;
    this.limits = resolveServerLimits(options.limits);
    this.#hooks = this.#makeHooks();
    this.path = join(options.socketDir, options.socketName ?? 'ringcast.sock');
    checkSocketPath(this.path);
    this.bootId = options.bootId ?? randomBytes(BOOT_ID_BYTES);
    if (this.bootId.length !== BOOT_ID_BYTES) throw new RangeError(`bootId must be ${BOOT_ID_BYTES} bytes`);
    if (options.socketMode !== undefined && !(Number.isInteger(options.socketMode) && options.socketMode >= 0 && options.socketMode <= 0o777)) {
      throw new RangeError(`socketMode ${options.socketMode} is not a permission mode in 0..0o777`);
    }
    if (!Number.isInteger(options.nodeId) || options.nodeId < 0 || options.nodeId > 0xffffffff) throw new RangeError('nodeId must be a u32');
  }

  get stats(): IpcServerStats {
    return this.#stats;
  }

  /** Accepted connections, open now. */
  connections(): IterableIterator<Connection> {
    return this.#connections.values();
  }

  /**
   * Clears a stale socket file (refusing if a live server answers on it), listens, applies mode
   * and owner. Connections that slip in before the mode is applied are dropped (NOT_READY), so the
   * window between listen() and chmod() grants nothing.
   */
  async start(): Promise<void> {
    if (this.#server) throw new Error('IpcServer already started');
    await clearStaleSocket(this.path);
    const server = createServer({ pauseOnConnect: true }, (socket) => this.#onSocket(socket));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.#server = undefined;
        reject(new IpcError(err.code === 'EADDRINUSE' ? 'CS_ERR_EXIST' : 'CS_ERR_ACCESS', `cannot listen on ${this.path}`, { cause: err }));
      };
      server.once('error', onError);
      server.listen(this.path, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => this.#options.logger?.error({ err }, 'IPC listener error'));
    try {
      const { socketMode = 0o660, socketUid, socketGid } = this.#options;
      this.#identity = await applySocketPermissions(this.path, socketMode, socketUid, socketGid);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.#ready = true;
    this.#options.logger?.info({ path: this.path }, 'IPC listening');
  }

  /** Stops listening, tells every client SERVER_STOPPING, waits (at most closeGraceMs) for the sockets, removes the file. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#ready = false;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of [...this.#connections.values()]) connection.shutdown('SERVER_STOPPING');
    await closed;
    await removeOwnSocket(this.path, this.#identity);
    this.#identity = undefined;
  }

  #onSocket(socket: Socket): void {
    this.#stats.connectionsTotal++;
    if (!this.#ready) {
      this.#stats.disconnects.NOT_READY++;
      socket.destroy();
      return;
    }
    this.#stats.connectionsOpen++;
    this.#sockets.add(socket);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      this.#stats.connectionsOpen--;
    });
    if (this.#sockets.size > this.limits.maxConnections) return this.#refuseOverCapacity(socket);
    const id = this.#allocateId();
    new Connection(id, socket, this.#hooks);
  }

  /** Over capacity: a reject frame without waiting for the hello, or silence past the overflow margin. */
  #refuseOverCapacity(socket: Socket): void {
    socket.on('error', () => {});
    socket.resume(); // discard whatever it sends, and see its close
    this.#stats.disconnects.REJECTED++;
    if (this.#sockets.size > this.limits.maxConnections + REJECT_OVERFLOW_SOCKETS) {
      socket.destroy();
      return;
    }
    this.#stats.rejects.TOO_MANY_CONNECTIONS++;
    const detail = `${this.limits.maxConnections} connections open`;
    socket.end(encodeFrame({ kind: 'reject', code: 'TOO_MANY_CONNECTIONS', detail }));
    const timer = setTimeout(() => socket.destroy(), this.limits.closeGraceMs).unref();
    socket.once('close', () => clearTimeout(timer));
    this.#log('warn', { reason: 'TOO_MANY_CONNECTIONS' }, 'IPC connection refused: too many connections');
  }

  #allocateId(): number {
    // u32 ids that wrap; skipping live ones keeps them unique among open connections.
    do {
      this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
    } while (this.#connections.has(this.#nextId));
    return this.#nextId;
  }

  #decide(hello: HelloFrame, connectionId: number): HandshakeDecision {
    if (!this.#ready) return { reject: 'SERVER_STOPPING', detail: 'server stopping' };
    if (hello.versionMin > IPC_PROTOCOL_VERSION || hello.versionMax < IPC_PROTOCOL_VERSION) {
      return { reject: 'UNSUPPORTED_VERSION', detail: `server speaks version ${IPC_PROTOCOL_VERSION}` };
    }
    if (hello.maxFrameBytes < MIN_FRAME_BYTES) return { reject: 'UNSUPPORTED_VERSION', detail: `maxFrameBytes below ${MIN_FRAME_BYTES}` };
    const verdict = this.#options.acceptService({ serviceName: hello.serviceName, pid: hello.pid, connectionId });
    if (verdict !== true) {
      const code = verdict === false ? 'UNKNOWN_SERVICE' : verdict;
      return { reject: code, detail: `service ${hello.serviceName}` };
    }
    return {
      accept: {
        version: IPC_PROTOCOL_VERSION,
        nodeId: this.#options.nodeId,
        bootId: this.bootId,
        maxFrameBytes: Math.min(this.limits.maxFrameBytes, hello.maxFrameBytes),
        maxInFlightRequests: this.limits.maxInFlightRequests,
      },
    };
  }

  #makeHooks(): ConnectionHooks {
    return {
      limits: this.limits,
      stats: this.#stats,
      decide: (hello, connectionId) => this.#decide(hello, connectionId),
      accepted: (connection) => {
        this.#stats.handshakesAccepted++;
        this.#connections.set(connection.id, connection);
        this.#options.onConnection?.(connection);
      },
      request: (connection, request) => this.#options.onRequest(connection, request),
      ownerError: (connection, err) => this.#options.logger?.error({ err, connection: connection.id }, 'IPC request handler threw'),
      closed: (connection, reason, detail, wasAccepted) => {
        this.#stats.disconnects[reason]++;
        this.#connections.delete(connection.id);
        const fields = { connection: connection.id, service: connection.serviceName, pid: connection.pid, reason, detail };
        if (CLIENT_FAULTS.has(reason)) this.#log('warn', fields, `IPC client disconnected: ${reason}`);
        if (wasAccepted) this.#options.onDisconnect?.(connection, reason, detail);
      },
    };
  }

  /** At most LOG_LINES_PER_INTERVAL_MAX warn lines per interval, so a local flood is not a log flood. */
  #log(level: 'warn', fields: object, msg: string): void {
    const logger = this.#options.logger;
    if (!logger) return;
    const nowMs = performance.now();
    if (nowMs - this.#logWindowStartMs >= LOG_INTERVAL_MS) {
      this.#logWindowStartMs = nowMs;
      this.#logLines = 0;
    }
    if (this.#logLines >= LOG_LINES_PER_INTERVAL_MAX) {
      this.#logSuppressed++;
      return;
    }
    this.#logLines++;
    logger[level]({ ...fields, suppressed: this.#logSuppressed }, msg);
    this.#logSuppressed = 0;
  }
}
