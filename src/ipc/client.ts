/**
 * The client end of the IPC socket: handshake, requests correlated by id, events, and a bounded
 * queue in front of the server's in-flight window. When the server stops reading (its owner paused
 * requests), this side stops writing once the window is used or the socket buffer holds a frame,
 * and further requests wait in the queue; a full queue answers CS_ERR_TRY_AGAIN, or, for callers
 * who pass whenFull: 'wait', keeps them in a second bounded line until there is room.
 */
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { REJECT_CS_ERROR, type DisconnectReason } from './codes.js';
import { abortError, IpcError } from './errors.js';
import { EventQueue } from './event-queue.js';
import { decodeFrame, encodeFrame, IPC_PROTOCOL_VERSION, REQUEST_HEADER_BYTES, type AcceptFrame, type IpcFrame } from './frame.js';
import { DEFAULT_SERVER_LIMITS, HELLO_FRAME_BYTES_MAX } from './limits.js';
import { FrameParser } from './parser.js';

export interface IpcClientOptions {
  /** The daemon's socket file. */
  readonly path: string;
  readonly serviceName: string;
  /** Declared to the server in the hello; default process.pid. */
  readonly pid?: number;
  /** Largest frame this client accepts; the server uses min(this, its own). Default 1 MiB + 64 KiB. */
  readonly maxFrameBytes?: number;
  /** Requests held client-side while the server's window is full. Default 256. */
  readonly maxQueuedRequests?: number;
  /** Further callers with whenFull: 'wait' allowed to line up behind a full queue. Default 1024. */
  readonly maxWaitingRequests?: number;
  /** Events buffered for the events() iterator before the client stops reading the socket. Default 1024. */
  readonly maxQueuedEvents?: number;
  /** Default 5,000 ms. */
  readonly handshakeTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface IpcRequestOptions {
  readonly signal?: AbortSignal;
  /** 'reject' (default): CS_ERR_TRY_AGAIN when the queue is full. 'wait': line up for room (bounded too). */
  readonly whenFull?: 'reject' | 'wait';
}

export interface IpcResponse {
  readonly status: number;
  readonly payload: Uint8Array;
}

export interface IpcEvent {
  readonly messageId: number;
  readonly payload: Uint8Array;
}

export interface IpcDisconnect {
  readonly reason: DisconnectReason;
  readonly detail: string;
}

export interface IpcClientStats {
  requestsSent: number;
  responsesReceived: number;
  /** Responses that arrived for requests whose caller had aborted: dropped. */
  lateResponses: number;
  eventsReceived: number;
}

interface Pending {
  readonly messageId: number;
  readonly payload: Uint8Array;
  resolve(r: IpcResponse): void;
  reject(e: unknown): void;
  /** Set when the caller aborted after the request was written: the slot stays used until the answer comes. */
  abandoned: boolean;
  detach(): void;
}

export async function connectIpc(options: IpcClientOptions): Promise<IpcClient> {
  const client = new IpcClient(options);
  await client.ready;
  return client;
}

/** Events: 'event' (IpcEvent), 'disconnected' (IpcDisconnect). */
export class IpcClient extends EventEmitter {
  readonly ready: Promise<void>;
  readonly stats: IpcClientStats = { requestsSent: 0, responsesReceived: 0, lateResponses: 0, eventsReceived: 0 };
  #accept: AcceptFrame | undefined;
  #socket: Socket;
  #parser = new FrameParser(HELLO_FRAME_BYTES_MAX);
  #maxFrameBytes: number;
  #maxQueued: number;
  #maxWaiting: number;
  #maxQueuedEvents: number;
  #inFlight = new Map<number, Pending>();
  #unsent: Pending[] = [];
  #nextRequestId = 0;
  #events: EventQueue<IpcEvent> | undefined;
  #readPaused = false;
  #heldByOwner = false;
  #corked = false;
  #disconnect: IpcDisconnect | undefined;
  #settleReady: { resolve(): void; reject(e: unknown): void } | undefined;
  #socketClosed: Promise<void>;

  constructor(options: IpcClientOptions) {
    super();
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_SERVER_LIMITS.maxFrameBytes;
    this.#maxQueued = options.maxQueuedRequests ?? 256;
    this.#maxWaiting = options.maxWaitingRequests ?? 1024;
    this.#maxQueuedEvents = options.maxQueuedEvents ?? 1024;
    this.ready = new Promise((resolve, reject) => (this.#settleReady = { resolve, reject }));
    this.ready.catch(() => {});
    const socket = connect(options.path);
    this.#socket = socket;
    this.#socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    const timeoutMs = options.handshakeTimeoutMs ?? 5_000;
    const timer = setTimeout(() => {
      const detail = `no answer to hello in ${timeoutMs} ms`;
      this.#fail('HANDSHAKE_TIMEOUT', detail, new IpcError('CS_ERR_TIMEOUT', detail, { reason: 'HANDSHAKE_TIMEOUT' }));
    }, timeoutMs);
    const signal = options.signal;
    const onAbort = () => this.#fail('CLOSED_LOCALLY', 'connect aborted', abortError(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    this.ready.finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }).catch(() => {});
    socket.on('connect', () => {
      const hello = { kind: 'hello', versionMin: IPC_PROTOCOL_VERSION, versionMax: IPC_PROTOCOL_VERSION, pid: options.pid ?? process.pid, maxFrameBytes: this.#maxFrameBytes, serviceName: options.serviceName } as const;
      socket.write(encodeFrame(hello));
    });
    socket.on('data', (chunk: Buffer) => {
      this.#parser.push(chunk);
      this.#pumpIn();
    });
    socket.on('drain', () => this.#pumpOut());
    socket.on('end', () => this.#fail('PEER_CLOSED', 'server closed the connection'));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The socket file's mode is the daemon's access control: EACCES on connect means "not allowed".
      const cause = err.code === 'EACCES' && !this.#accept ? new IpcError('CS_ERR_ACCESS', `no permission to connect to ${options.path}`, { cause: err }) : err;
      this.#fail('SOCKET_ERROR', err.code ?? err.message, cause);
    });
  }

  get connectionId(): number {
    return this.#accepted().connectionId;
  }
  get nodeId(): number {
    return this.#accepted().nodeId;
  }
  get bootId(): Uint8Array {
    return this.#accepted().bootId;
  }
  /** Negotiated bound on every frame, both ways. */
  get maxFrameBytes(): number {
    return this.#accepted().maxFrameBytes;
  }
  get maxRequestPayloadBytes(): number {
    return this.#accepted().maxFrameBytes - REQUEST_HEADER_BYTES;
  }
  get maxInFlightRequests(): number {
    return this.#accepted().maxInFlightRequests;
  }
  get inFlightRequests(): number {
    return this.#inFlight.size;
  }
  /** Requests not yet written (queued and waiting). */
  get queuedRequests(): number {
    return this.#unsent.length;
  }
  get closed(): boolean {
    return this.#disconnect !== undefined;
  }
  get disconnectReason(): IpcDisconnect | undefined {
    return this.#disconnect;
  }

  request(messageId: number, payload: Uint8Array = new Uint8Array(0), options: IpcRequestOptions = {}): Promise<IpcResponse> {
    if (this.#disconnect) return Promise.reject(libraryError(this.#disconnect));
    if (!this.#accept) return Promise.reject(new IpcError('CS_ERR_BAD_HANDLE', 'not connected yet: await ready'));
    if (!Number.isInteger(messageId) || messageId < 0 || messageId > 0xffffffff) {
      return Promise.reject(new IpcError('CS_ERR_INVALID_PARAM', `messageId ${messageId} is not a u32`));
    }
    if (payload.length > this.maxRequestPayloadBytes) {
      return Promise.reject(new IpcError('CS_ERR_TOO_BIG', `payload of ${payload.length} bytes exceeds ${this.maxRequestPayloadBytes}`));
    }
    const bound = options.whenFull === 'wait' ? this.#maxQueued + this.#maxWaiting : this.#maxQueued;
    if (this.#unsent.length >= bound) {
      return Promise.reject(new IpcError('CS_ERR_TRY_AGAIN', `${this.#unsent.length} requests queued`, { reason: 'QUEUE_FULL' }));
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<IpcResponse>((resolve, reject) => {
      const onAbort = () => this.#abort(pending, abortError(signal));
      const pending: Pending = {
        messageId, payload, resolve, reject, abandoned: false,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#unsent.push(pending);
      this.#pumpOut();
    });
  }

  /** Events as an async iterator (one at a time); it throws CS_ERR_LIBRARY if the connection is lost. */
  events(): AsyncIterableIterator<IpcEvent> {
    if (this.#events) throw new Error('an events() iterator is already open on this client');
    const queue = new EventQueue<IpcEvent>(this.#maxQueuedEvents, {
      onFull: () => this.#setReadPaused(true),
      onRoom: () => this.#setReadPaused(false),
      onDetach: () => {
        if (this.#events === queue) this.#events = undefined;
        this.#setReadPaused(false);
      },
    });
    if (this.#disconnect) queue.end(this.#disconnect.reason === 'CLOSED_LOCALLY' ? undefined : libraryError(this.#disconnect));
    else this.#events = queue;
    return queue;
  }

  /** Closes the connection; pending requests reject with CS_ERR_LIBRARY. Resolves when the socket is released. */
  async close(): Promise<void> {
    this.#fail('CLOSED_LOCALLY', 'closed by the client');
    await this.#socketClosed;
  }

  #accepted(): AcceptFrame {
    if (!this.#accept) throw new IpcError('CS_ERR_BAD_HANDLE', 'not connected yet: await ready');
    return this.#accept;
  }

  /**
   * For an owner that takes events from the 'event' emitter and buffers them itself: stop reading
   * the socket (true) while its buffer is full, so events (and responses) wait in the kernel and
   * the daemon's flow control, not in this process; false reads on.
   */
  holdReading(held: boolean): void {
    this.#heldByOwner = held;
    this.#applyReading();
  }

  #setReadPaused(paused: boolean): void {
    this.#readPaused = paused;
    this.#applyReading();
  }

  #applyReading(): void {
    if (this.#readPaused || this.#heldByOwner) this.#socket.pause();
    else if (!this.#disconnect) {
      this.#socket.resume();
      this.#pumpIn();
    }
  }

  /** Writes queued requests while the server's window has room and the socket buffer is not backed up. */
  #pumpOut(): void {
    if (!this.#accept || this.#disconnect) return;
    const window = this.#accept.maxInFlightRequests;
    if (this.#unsent.length === 0 || this.#inFlight.size >= window) return;
    // Requests made in one turn of the event loop (a pipelining caller's burst) leave in one
    // writev rather than one write system call each; uncorked on the next tick, before any I/O.
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    while (this.#unsent.length > 0 && this.#inFlight.size < window && this.#socket.writableLength < this.#accept.maxFrameBytes) {
      const pending = this.#unsent.shift()!;
      const requestId = this.#allocateRequestId();
      this.#inFlight.set(requestId, pending);
      this.stats.requestsSent++;
      this.#socket.write(encodeFrame({ kind: 'request', requestId, messageId: pending.messageId, payload: pending.payload }));
    }
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };

  #allocateRequestId(): number {
    do {
      this.#nextRequestId = (this.#nextRequestId + 1) >>> 0;
    } while (this.#inFlight.has(this.#nextRequestId));
    return this.#nextRequestId;
  }

  #abort(pending: Pending, error: IpcError): void {
    const index = this.#unsent.indexOf(pending);
    if (index >= 0) this.#unsent.splice(index, 1);
    else pending.abandoned = true;
    pending.detach();
    pending.reject(error);
  }

  #pumpIn(): void {
    while (!this.#disconnect && !this.#readPaused && !this.#heldByOwner) {
      const step = this.#parser.next();
      if (step.kind === 'need-more') return;
      if (step.kind === 'error') return this.#fail(step.code === 'OVERSIZE' ? 'OVERSIZE_FRAME' : 'BAD_FRAME', step.detail);
      const decoded = decodeFrame(step.body);
      if (!decoded.ok) return this.#fail('BAD_FRAME', `${decoded.error.code}: ${decoded.error.detail}`);
      this.#onFrame(decoded.frame);
    }
  }

  #onFrame(frame: IpcFrame): void {
    if (!this.#accept) return this.#onHandshakeAnswer(frame);
    switch (frame.kind) {
      case 'response':
        return this.#onResponse(frame.requestId, { status: frame.status, payload: frame.payload });
      case 'event': {
        this.stats.eventsReceived++;
        const event: IpcEvent = { messageId: frame.messageId, payload: frame.payload };
        this.emit('event', event);
        this.#events?.push(event);
        return;
      }
      case 'closing':
        return this.#fail(frame.reason, frame.detail);
      default:
        return this.#fail('BAD_FRAME', `server sent ${frame.kind} after the handshake`);
    }
  }

  #onHandshakeAnswer(frame: IpcFrame): void {
    if (frame.kind === 'accept') {
      if (frame.version !== IPC_PROTOCOL_VERSION || frame.maxFrameBytes > this.#maxFrameBytes) {
        return this.#fail('BAD_HANDSHAKE', `accept with version ${frame.version}, maxFrameBytes ${frame.maxFrameBytes}`);
      }
      this.#accept = frame;
      this.#parser.setMaxFrameBytes(frame.maxFrameBytes);
      this.#settleReady?.resolve();
      return this.#pumpOut();
    }
    if (frame.kind === 'reject') {
      const error = new IpcError(REJECT_CS_ERROR[frame.code], `server refused: ${frame.code} (${frame.detail})`, { reason: frame.code });
      return this.#fail('REJECTED', `${frame.code}: ${frame.detail}`, error);
    }
    if (frame.kind === 'closing') return this.#fail(frame.reason, frame.detail);
    this.#fail('BAD_HANDSHAKE', `server answered the hello with ${frame.kind}`);
  }

  #onResponse(requestId: number, response: IpcResponse): void {
    const pending = this.#inFlight.get(requestId);
    if (!pending) return this.#fail('BAD_FRAME', `response to request ${requestId}, which is not in flight`);
    this.#inFlight.delete(requestId);
    this.stats.responsesReceived++;
    if (pending.abandoned) this.stats.lateResponses++;
    else {
      pending.detach();
      pending.resolve(response);
    }
    this.#pumpOut();
  }

  /** The one way out: every pending request rejects with CS_ERR_LIBRARY, the iterator ends, 'disconnected' fires once. */
  #fail(reason: DisconnectReason, detail: string, cause?: unknown): void {
    if (this.#disconnect) return;
    const info: IpcDisconnect = { reason, detail };
    this.#disconnect = info;
    this.#socket.destroy();
    const error = libraryError(info, cause);
    if (this.#settleReady && !this.#accept) {
      this.#settleReady.reject(cause instanceof IpcError ? cause : error);
    }
    this.#settleReady = undefined;
    const pendings = [...this.#inFlight.values(), ...this.#unsent];
    this.#inFlight.clear();
    this.#unsent = [];
    for (const pending of pendings) {
      pending.detach();
      if (!pending.abandoned) pending.reject(error);
    }
    this.#events?.end(reason === 'CLOSED_LOCALLY' ? undefined : error);
    this.#events = undefined;
    if (this.#accept) this.emit('disconnected', info);
  }
}

function libraryError(info: IpcDisconnect, cause?: unknown): IpcError {
  return new IpcError('CS_ERR_LIBRARY', `IPC connection lost: ${info.reason} (${info.detail})`, { reason: info.reason, cause });
}
