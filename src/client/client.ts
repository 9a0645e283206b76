/**
 * connect(): the entry point of the client library. It resolves the daemon's socket
 * (`<stateDir>/ringcast.sock`), opens the 'status' service at once so a missing daemon is
 * reported by connect itself (CS_ERR_LIBRARY, reason DAEMON_NOT_RUNNING), and hands out one
 * CpgHandle (one IPC connection) per cpg() call, one ClmHandle per clm() call.
 */
import { ClmHandle, type ClmHandleOptions } from './clm.js';
import { CpgHandle, type CpgHandleOptions } from './cpg.js';
import { EvtHandle, type EvtHandleOptions } from './evt.js';
import { ServiceHandle, type ServiceHandleOptions } from './service.js';
import { QuorumHandle, type QuorumHandleOptions } from './quorum.js';
import { resolveReconnect, type ReconnectOptions } from './link.js';
import { resolveSocketPath } from '../protocol/paths.js';
import { STATUS_SERVICE_NAME } from '../protocol/status.js';
import { StatusLink, type RingcastMembers, type RingcastStatus } from './status.js';

export interface ConnectOptions {
  /** The daemon's state directory; default RINGCAST_STATE_DIR, else /var/lib/ringcast. */
  readonly stateDir?: string;
  readonly signal?: AbortSignal;
  /**
   * Reconnect after the daemon goes away (true: bounded defaults). Handles re-join their groups
   * and report `reconnected` with mayHaveMissed: true; nothing in between is replayed.
   */
  readonly reconnect?: boolean | ReconnectOptions;
  /** Declared to the daemon and shown as the CPG member pid. Default process.pid. */
  readonly pid?: number;
}

export type CpgOpenOptions = Omit<CpgHandleOptions, 'pid'>;
export type ClmOpenOptions = Omit<ClmHandleOptions, 'pid'>;
export type EvtOpenOptions = Omit<EvtHandleOptions, 'pid'>;

export async function connect(options: ConnectOptions = {}): Promise<RingcastClient> {
  const socketPath = resolveSocketPath(options.stateDir);
  const reconnect = resolveReconnect(options.reconnect);
  const target = { path: socketPath, serviceName: STATUS_SERVICE_NAME, ...(options.pid === undefined ? {} : { pid: options.pid }) };
  const status = await StatusLink.open(target, reconnect, options.signal);
  return new RingcastClient(socketPath, status, options);
}

export class RingcastClient {
  /** The socket this client talks to. */
  readonly socketPath: string;
  readonly #status: StatusLink;
  readonly #options: ConnectOptions;
  readonly #handles = new Set<CpgHandle | EvtHandle | ServiceHandle | QuorumHandle>();
  readonly #clmHandles = new Set<ClmHandle>();

  /** Use connect(). */
  constructor(socketPath: string, status: StatusLink, options: ConnectOptions) {
    this.socketPath = socketPath;
    this.#status = status;
    this.#options = options;
  }

  /** The local node's id. */
  get nodeId(): number {
    return this.#status.nodeId;
  }

  /** A new CPG handle on its own connection; inherits `reconnect` and `pid` from connect() unless given. */
  async cpg(options: CpgOpenOptions = {}): Promise<CpgHandle> {
    const reconnect = options.reconnect ?? this.#options.reconnect;
    const handle = await CpgHandle.open(this.socketPath, {
      ...options,
      ...(reconnect === undefined ? {} : { reconnect }),
      ...(this.#options.pid === undefined ? {} : { pid: this.#options.pid }),
    });
    this.#handles.add(handle);
    handle.once('close', () => this.#handles.delete(handle));
    return handle;
  }

  /**
   * A CLM (SA Forum cluster membership) handle on its own connection; inherits `reconnect` and
   * `pid` from connect() unless given. Rejects SaAisError (SA_AIS_ERR_LIBRARY when no daemon).
   */
  async clm(options: ClmOpenOptions = {}): Promise<ClmHandle> {
    const reconnect = options.reconnect ?? this.#options.reconnect;
    const handle = await ClmHandle.open(this.socketPath, {
      ...options,
      ...(reconnect === undefined ? {} : { reconnect }),
      ...(this.#options.pid === undefined ? {} : { pid: this.#options.pid }),
    });
    this.#clmHandles.add(handle);
    return handle;
  }

  /**
   * A new EVT handle (saEvtInitialize) on its own connection; inherits `reconnect` and `pid` from
   * connect() unless given. Rejects SaAisError SA_AIS_ERR_VERSION for a version other than B.1.x.
   */
  async evt(options: EvtOpenOptions = {}): Promise<EvtHandle> {
    const reconnect = options.reconnect ?? this.#options.reconnect;
    const handle = await EvtHandle.open(this.socketPath, {
      ...options,
      ...(reconnect === undefined ? {} : { reconnect }),
      ...(this.#options.pid === undefined ? {} : { pid: this.#options.pid }),
    });
    this.#handles.add(handle);
    handle.once('close', () => this.#handles.delete(handle));
    return handle;
  }

  /**
   * A handle on any service the daemon hosts, by name (`orderlog`, or a service of your own:
   * docs/writing-a-service.md), on its own connection. CS_ERR_NOT_EXIST if the daemon has no such service.
   */
  async service(name: string, options: Omit<ServiceHandleOptions, 'pid'> = {}): Promise<ServiceHandle> {
    const handle = await ServiceHandle.open(this.socketPath, name, {
      ...options,
      ...(this.#options.pid === undefined ? {} : { pid: this.#options.pid }),
    });
    this.#handles.add(handle);
    handle.once('close', () => this.#handles.delete(handle));
    return handle;
  }

  /**
   * votequorum on its own connection: state, changes, setExpected, setVotes (src/client/quorum.ts).
   * CS_ERR_NOT_EXIST when the daemon runs without `quorum { provider: corosync_votequorum }`.
   */
  async quorum(options: Omit<QuorumHandleOptions, 'pid'> = {}): Promise<QuorumHandle> {
    const handle = await QuorumHandle.open(this.socketPath, {
      ...options,
      ...(this.#options.pid === undefined ? {} : { pid: this.#options.pid }),
    });
    this.#handles.add(handle);
    handle.once('close', () => this.#handles.delete(handle));
    return handle;
  }

  /** The daemon's status (what `ringcast status` shows). */
  status(options: { signal?: AbortSignal } = {}): Promise<RingcastStatus> {
    return this.#status.status(options.signal);
  }

  /** The current ring id and its members' node ids. */
  members(options: { signal?: AbortSignal } = {}): Promise<RingcastMembers> {
    return this.#status.members(options.signal);
  }

  /** Closes every handle this client opened, then its own connection. */
  async close(): Promise<void> {
    await Promise.all([...this.#handles].map((h) => h.close()));
    await Promise.all([...this.#clmHandles].map((h) => h.close()));
    await this.#status.close();
  }
}
