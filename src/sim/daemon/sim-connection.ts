/**
 * A simulated IPC connection between a client process and its node's service host. It plays
 * both ends of the Unix socket: requests reach the host in the order the client sent them, and
 * only while the host reads (not paused by back-pressure or a held request, the node not
 * paused); answers and events reach the client in the order the host wrote them, one IPC hop
 * later. Each hop is its own event in virtual time, so nothing re-enters the host from inside
 * its own call, as with a real socket.
 */
import type { HostConnection } from '../../daemon/service-host.js';

/** The node's side of a connection: the host, and the scheduling the simulated daemon provides. */
export interface ConnectionHost {
  /** Whether the daemon process reads its sockets (up and not paused). */
  readonly reading: boolean;
  request(conn: SimConnection, messageId: number, requestId: number, payload: Uint8Array): void;
  disconnected(conn: SimConnection, reason: string): void;
  /** Runs `run` one IPC hop later, unless this daemon incarnation ended meanwhile. */
  hop(run: () => void): void;
  /** Runs `run` on the client's side one IPC hop later, even if the daemon exited meanwhile (it sees EOF). */
  toClient(run: () => void): void;
}

/** What the client process hears from its connection. */
export interface ConnectionClient {
  onResponse(requestId: number, code: number, payload: Uint8Array): void;
  onEvent(messageId: number, payload: Uint8Array): void;
  /** The daemon closed the connection (it cut the client or stopped). */
  onClosed(): void;
}

interface WaitingRequest {
  readonly messageId: number;
  readonly requestId: number;
  readonly payload: Uint8Array;
}

export class SimConnection implements HostConnection {
  readonly serviceName: string;
  #closed = false;
  #paused = false;
  /** Requests that reached the daemon's socket and were not read yet. */
  readonly #unread: WaitingRequest[] = [];
  readonly #host: ConnectionHost;
  readonly #client: ConnectionClient;

  constructor(readonly id: number, readonly pid: number, serviceName: string, host: ConnectionHost, client: ConnectionClient) {
    this.serviceName = serviceName;
    this.#host = host;
    this.#client = client;
  }

  get closed(): boolean {
    return this.#closed;
  }

  // The daemon's side.

  respond(requestId: number, code: number, payload?: Uint8Array): boolean {
    const copy = payload === undefined ? new Uint8Array(0) : payload.slice();
    this.#host.hop(() => this.#closed || this.#client.onResponse(requestId, code, copy));
    return true;
  }

  sendEvent(messageId: number, payload: Uint8Array, tail?: Uint8Array): boolean {
    const bytes = new Uint8Array(payload.length + (tail?.length ?? 0));
    bytes.set(payload);
    if (tail) bytes.set(tail, payload.length);
    this.#host.hop(() => this.#closed || this.#client.onEvent(messageId, bytes));
    return true;
  }

  pauseRequests(): void {
    this.#paused = true;
  }

  resumeRequests(): void {
    this.#paused = false;
    this.pump();
  }

  /** The daemon cuts the client. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#host.disconnected(this, 'CLOSED_BY_DAEMON');
    // A daemon that closes its clients and then exits: the client still sees its end close.
    this.#host.toClient(() => this.#client.onClosed());
  }

  /** Simulated clients read everything at once: their queue never passes the soft mark. */
  once(_event: 'drain', _listener: () => void): this {
    return this;
  }

  /**
   * Runs `run` on the client's side, in order with the events written before it: the
   * simulator's way to tell a client what a real one could only infer (see cpg-app.ts).
   */
  notify(run: () => void): void {
    this.#host.hop(() => this.#closed || run());
  }

  /** Hands unread requests to the host while it reads; a held request stops the loop. */
  pump(): void {
    while (!this.#paused && !this.#closed && this.#host.reading && this.#unread.length > 0) {
      const next = this.#unread.shift()!;
      this.#host.request(this, next.messageId, next.requestId, next.payload);
    }
  }

  // The client's side.

  send(messageId: number, requestId: number, payload: Uint8Array): void {
    this.#host.hop(() => {
      if (this.#closed) return;
      this.#unread.push({ messageId, requestId, payload });
      this.pump();
    });
  }

  /** The client closes its end (a clean exit or its death: the daemon cannot tell them apart). */
  hangUp(): void {
    this.#host.hop(() => {
      if (this.#closed) return;
      this.#closed = true;
      this.#host.disconnected(this, 'EOF');
    });
  }

  /** The daemon process died with the client still connected. */
  lost(): void {
    this.#closed = true;
  }
}
