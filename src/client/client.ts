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
import { CfgHandle, type CfgHandleOptions } from './cfg.js';
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

/** What the client closes with itself. */
interface Closable {
  close(): Promise<void>;
  once?(event: 'close', listener: () => void): unknown;
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
  readonly #handles = new Set<Closable>();

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
    return this.#track(await CpgHandle.open(this.socketPath, this.#inherit(options, true)));
  }

  /**
   * A CLM (SA Forum cluster membership) handle on its own connection; inherits `reconnect` and
   * `pid` from connect() unless given. Rejects SaAisError (SA_AIS_ERR_LIBRARY when no daemon).
   */
  async clm(options: ClmOpenOptions = {}): Promise<ClmHandle> {
    return this.#track(await ClmHandle.open(this.socketPath, this.#inherit(options, true)));
  }

  /**
   * A new EVT handle (saEvtInitialize) on its own connection; inherits `reconnect` and `pid` from
   * connect() unless given. Rejects SaAisError SA_AIS_ERR_VERSION for a version other than B.1.x.
   */
  async evt(options: EvtOpenOptions = {}): Promise<EvtHandle> {
    return this.#track(await EvtHandle.open(this.socketPath, this.#inherit(options, true)));
  }

  /**
   * A handle on any service the daemon hosts, by name (`orderlog`, or a service of your own:
   * docs/writing-a-service.md), on its own connection. CS_ERR_NOT_EXIST if the daemon has no such service.
   */
  async service(name: string, options: Omit<ServiceHandleOptions, 'pid'> = {}): Promise<ServiceHandle> {
    return this.#track(await ServiceHandle.open(this.socketPath, name, this.#inherit(options, false)));
  }

  /**
   * votequorum on its own connection: state, changes, setExpected, setVotes (src/client/quorum.ts).
   * CS_ERR_NOT_EXIST when the daemon runs without `quorum { provider: corosync_votequorum }`.
   */
  async quorum(options: Omit<QuorumHandleOptions, 'pid'> = {}): Promise<QuorumHandle> {
    return this.#track(await QuorumHandle.open(this.socketPath, this.#inherit(options, false)));
  }

  /**
   * cfg (cluster control) on its own connection: link status, a cluster-wide reload, a shutdown
   * of this node that asks registered clients first (src/client/cfg.ts).
   */
  async cfg(options: Omit<CfgHandleOptions, 'pid'> = {}): Promise<CfgHandle> {
    return this.#track(await CfgHandle.open(this.socketPath, this.#inherit(options, false)));
  }

  /** A handle's options with what connect() was given: its pid, and `reconnect` where the handle takes it. */
  #inherit<O extends object>(options: O, reconnects: boolean): O & { pid?: number } {
    const reconnect = reconnects ? (options as { reconnect?: unknown }).reconnect ?? this.#options.reconnect : undefined;
    return {
      ...options,
      ...(reconnect === undefined ? {} : { reconnect }),
      ...(this.#options.pid === undefined ? {} : { pid: this.#options.pid }),
    };
  }

  /** Closed with the client; forgotten when it closes itself (handles that say so). */
  #track<H extends Closable>(handle: H): H {
    this.#handles.add(handle);
    handle.once?.('close', () => this.#handles.delete(handle));
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
    await this.#status.close();
  }
}
