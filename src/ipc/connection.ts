/**
 * One client socket on the server side: handshake, request delivery, and the outbound queue with
 * its two marks. Inbound flow control is by not reading: while the owner has paused requests, or
 * the client already has maxInFlightRequests unanswered, the socket is paused, so the client's
 * writes back up in the kernel and then in its own bounded queue, never in daemon memory.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { DisconnectReason, RejectCode } from './codes.js';
import { CS_ERROR, IpcError } from './errors.js';
import {
  decodeFrame,
  encodeEventHead,
  encodeFrame,
  encodedFrameBytes,
  EVENT_HEADER_BYTES,
  RESPONSE_HEADER_BYTES,
  type AcceptFrame,
  type HelloFrame,
  type IpcFrame,
} from './frame.js';
import { HELLO_FRAME_BYTES_MAX, type IpcServerLimits } from './limits.js';
import { FrameParser } from './parser.js';
import type { MutableServerStats } from './stats.js';

export interface IpcRequest {
  readonly requestId: number;
  /** Chosen by the service; the transport does not interpret it. */
  readonly messageId: number;
  /** A view into the received bytes; copy it if kept long after the call. */
  readonly payload: Uint8Array;
}

/** What the server decides about a hello: accept with these fields, or refuse with a code. */
export type HandshakeDecision =
  | { readonly accept: Omit<AcceptFrame, 'kind' | 'connectionId'> }
  | { readonly reject: RejectCode; readonly detail: string };

/** The server's side of a connection; kept internal to the ipc folder. */
export interface ConnectionHooks {
  readonly limits: IpcServerLimits;
  readonly stats: MutableServerStats;
  decide(hello: HelloFrame, connectionId: number): HandshakeDecision;
  accepted(connection: Connection): void;
  request(connection: Connection, request: IpcRequest): void;
  ownerError(connection: Connection, err: unknown): void;
  closed(connection: Connection, reason: DisconnectReason, detail: string, wasAccepted: boolean): void;
}

type State = 'handshaking' | 'open' | 'closed';
const EMPTY = new Uint8Array(0);
/** Upper bound on a hello/accept/reject/closing frame on the wire (closing: 4 + 4 + 255). */
const CONTROL_FRAME_BYTES_MAX = 263;

/** Reasons the client can still be told in a closing frame before the socket ends. */
const TELL_CLIENT: ReadonlySet<DisconnectReason> = new Set([
  'CLOSED_LOCALLY', 'SERVER_STOPPING', 'OVERSIZE_FRAME', 'BAD_FRAME', 'BAD_HANDSHAKE', 'HANDSHAKE_TIMEOUT',
]);

/**
 * Events: 'drain' (outboundBytes fell back under the soft mark), 'close' (reason, detail).
 */
export class Connection extends EventEmitter {
  readonly id: number;
  #serviceName = '';
  #pid = 0;
  #state: State = 'handshaking';
  #socket: Socket;
  #hooks: ConnectionHooks;
  #parser = new FrameParser(HELLO_FRAME_BYTES_MAX);
  #maxFrameBytes = HELLO_FRAME_BYTES_MAX;
  #inFlight = new Set<number>();
  #outboundBytes = 0;
  #aboveSoft = false;
  #paused = false;
  #corked = false;
  /** Bytes written since the last uncork: their completion is counted at once. */
  #batchBytes = 0;
  /** Inside #pump: a nested call (an answer given inside the request handler) leaves the work to it. */
  #pumping = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(id: number, socket: Socket, hooks: ConnectionHooks) {
    super();
    this.id = id;
    this.#socket = socket;
    this.#hooks = hooks;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#close('PEER_CLOSED', 'client closed its end'));
    socket.on('error', (err: NodeJS.ErrnoException) => this.#close('SOCKET_ERROR', err.code ?? err.message));
    this.#timer = setTimeout(() => this.#close('HANDSHAKE_TIMEOUT', `no hello in ${hooks.limits.handshakeTimeoutMs} ms`), hooks.limits.handshakeTimeoutMs);
    this.#timer.unref();
    socket.resume();
  }

  get serviceName(): string {
    return this.#serviceName;
  }
  /** The pid the client declared in its hello: informational, since Node cannot read SO_PEERCRED. */
  get pid(): number {
    return this.#pid;
  }
  get closed(): boolean {
    return this.#state === 'closed';
  }
  /** Bytes handed to the socket and not yet taken by the kernel: responses and events queued. */
  get outboundBytes(): number {
    return this.#outboundBytes;
  }
  /** False once outboundBytes reaches the soft mark (or the connection closed): time to hold back events. */
  get writable(): boolean {
    return this.#state === 'open' && this.#outboundBytes < this.#hooks.limits.outboundSoftBytes;
  }
  get inFlightRequests(): number {
    return this.#inFlight.size;
  }
  get requestsPaused(): boolean {
    return this.#paused;
  }
  /** Largest payload respond() and sendEvent() take on this connection (negotiated frame bound). */
  get maxEventPayloadBytes(): number {
    return this.#maxFrameBytes - EVENT_HEADER_BYTES;
  }
  get maxResponsePayloadBytes(): number {
    return this.#maxFrameBytes - RESPONSE_HEADER_BYTES;
  }

  /**
   * Answers a request delivered to the owner. Returns `writable` afterwards; false and a no-op once
   * closed (the owner may answer after the client left). Answering an id that is not in flight is
   * a programmer error and throws; a payload over the frame bound throws CS_ERR_TOO_BIG and leaves
   * the request in flight so the owner can still answer it with an error status.
   */
  respond(requestId: number, status: number, payload: Uint8Array = EMPTY): boolean {
    if (this.#state === 'closed') return false;
    if (!this.#inFlight.has(requestId)) throw new RangeError(`request ${requestId} is not in flight on connection ${this.id}`);
    this.#checkSize(payload.length, this.maxResponsePayloadBytes, 'response');
    this.#inFlight.delete(requestId);
    this.#write({ kind: 'response', requestId, status, payload });
    this.#pump();
    return this.writable;
  }

  /** Pushes an unsolicited event. Returns `writable` afterwards (false: hold back until 'drain'). */
  sendEvent(messageId: number, payload: Uint8Array = EMPTY, tail?: Uint8Array): boolean {
    if (this.#state !== 'open') return false;
    if (tail === undefined || tail.length === 0) {
      this.#checkSize(payload.length, this.maxEventPayloadBytes, 'event');
      this.#write({ kind: 'event', messageId, payload });
      return this.writable;
    }
    // The event's payload is payload ‖ tail: the head is encoded with the frame header, the tail
    // (a delivery's data) is handed to the socket as it is, one more chunk of the same writev.
    this.#checkSize(payload.length + tail.length, this.maxEventPayloadBytes, 'event');
    const length = encodedFrameBytes('event', payload.length + tail.length);
    if (!this.#mayQueue(length)) return false;
    const head = encodeEventHead(messageId, payload, tail.length);
    this.#queue(head, length);
    this.#socket.write(tail);
    return this.writable;
  }

  /** Stops delivering requests and stops reading the socket, so the client's sends back up. */
  pauseRequests(): void {
    this.#paused = true;
    this.#pump();
  }

  resumeRequests(): void {
    this.#paused = false;
    this.#pump();
  }

  close(): void {
    this.#close('CLOSED_LOCALLY', 'closed by the server');
  }

  /** @internal used by the server on stop. */
  shutdown(reason: 'SERVER_STOPPING'): void {
    this.#close(reason, 'server stopping');
  }

  #checkSize(payloadBytes: number, max: number, what: string): void {
    if (payloadBytes > max) throw new IpcError('CS_ERR_TOO_BIG', `${what} payload of ${payloadBytes} bytes exceeds ${max}`);
  }

  #onData(chunk: Buffer): void {
    this.#hooks.stats.bytesIn += chunk.length;
    this.#parser.push(chunk);
    this.#pump();
  }

  /**
   * Takes frames while the gate is open, then pauses or resumes the socket to match the gate.
   * Not re-entered: an owner that answers inside its request handler frees a window slot, and a
   * nested pump would run the next request before that handler finished (its events after the
   * next request's, and one stack frame per buffered request); the running loop takes it next.
   */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      this.#pumpFrames();
    } finally {
      this.#pumping = false;
    }
    if (this.#state === 'closed') return;
    if (this.#gated()) this.#socket.pause();
    else this.#socket.resume();
  }

  #pumpFrames(): void {
    while (this.#state !== 'closed' && !this.#gated()) {
      const step = this.#parser.next();
      if (step.kind === 'need-more') break;
      if (step.kind === 'error') {
        const reason = this.#state === 'handshaking' ? 'BAD_HANDSHAKE' : step.code === 'OVERSIZE' ? 'OVERSIZE_FRAME' : 'BAD_FRAME';
        this.#close(reason, step.detail);
        return;
      }
      this.#hooks.stats.framesIn++;
      const decoded = decodeFrame(step.body);
      if (!decoded.ok) {
        this.#close(this.#state === 'handshaking' ? 'BAD_HANDSHAKE' : 'BAD_FRAME', `${decoded.error.code}: ${decoded.error.detail}`);
        return;
      }
      if (this.#state === 'handshaking') this.#onHello(decoded.frame);
      else this.#onRequest(decoded.frame);
    }
  }

  #gated(): boolean {
    return this.#state === 'open' && (this.#paused || this.#inFlight.size >= this.#hooks.limits.maxInFlightRequests);
  }

  #onHello(frame: IpcFrame): void {
    if (frame.kind !== 'hello') return this.#close('BAD_HANDSHAKE', `first frame is ${frame.kind}, not hello`);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#serviceName = frame.serviceName;
    this.#pid = frame.pid;
    const decision = this.#hooks.decide(frame, this.id);
    if ('reject' in decision) {
      this.#hooks.stats.rejects[decision.reject]++;
      this.#write({ kind: 'reject', code: decision.reject, detail: decision.detail });
      return this.#close('REJECTED', `${decision.reject}: ${decision.detail}`);
    }
    this.#maxFrameBytes = decision.accept.maxFrameBytes;
    this.#parser.setMaxFrameBytes(this.#maxFrameBytes);
    this.#state = 'open';
    this.#write({ kind: 'accept', connectionId: this.id, ...decision.accept });
    this.#hooks.accepted(this);
  }

  #onRequest(frame: IpcFrame): void {
    if (frame.kind !== 'request') return this.#close('BAD_FRAME', `a client may not send ${frame.kind} frames`);
    if (this.#inFlight.has(frame.requestId)) return this.#close('BAD_FRAME', `request id ${frame.requestId} is already in flight`);
    this.#inFlight.add(frame.requestId);
    const request: IpcRequest = { requestId: frame.requestId, messageId: frame.messageId, payload: frame.payload };
    try {
      this.#hooks.request(this, request);
    } catch (err) {
      // An owner bug must not take the daemon down through a socket callback; the client gets an error status.
      this.#hooks.ownerError(this, err);
      if (this.#state === 'open' && this.#inFlight.has(frame.requestId)) this.respond(frame.requestId, CS_ERROR.CS_ERR_LIBRARY);
    }
  }

  /**
   * Queues one frame. The hard bound is checked before the frame is even encoded, so outboundBytes
   * can never exceed outboundMaxBytes: the write that would is the SLOW_CONSUMER cut-off instead.
   */
  #write(frame: IpcFrame): void {
    const length = 'payload' in frame && frame.kind !== 'request' ? encodedFrameBytes(frame.kind, frame.payload.length) : CONTROL_FRAME_BYTES_MAX;
    if (!this.#mayQueue(length)) return;
    const wire = encodeFrame(frame);
    this.#queue(wire, wire.length);
  }

  /** False (and the connection cut) if `length` more bytes would pass the hard outbound bound. */
  #mayQueue(length: number): boolean {
    const max = this.#hooks.limits.outboundMaxBytes;
    if (this.#outboundBytes + length <= max) return true;
    this.#close('SLOW_CONSUMER', `${this.#outboundBytes} bytes queued, a ${length}-byte frame would pass ${max}`);
    return false;
  }

  /** Writes the start of a frame of `length` bytes (the rest, if any, follows at once) and counts it. */
  #queue(wire: Uint8Array, length: number): void {
    this.#outboundBytes += length;
    if (this.#outboundBytes >= this.#hooks.limits.outboundSoftBytes) this.#aboveSoft = true;
    this.#hooks.stats.bytesOut += length;
    this.#hooks.stats.framesOut++;
    this.#cork();
    this.#batchBytes += length;
    this.#socket.write(wire);
  }

  /**
   * Frames written in one turn of the event loop leave in one writev: a burst of deliveries (a
   * token visit's worth, to every client) would otherwise cost one write system call per event.
   * Uncorked on the next tick, before any I/O, so an answer is not delayed. One completion
   * callback per batch (an empty write after the frames completes after them), not per frame.
   */
  #cork(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.#socket.cork();
    process.nextTick(this.#uncork);
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    const bytes = this.#batchBytes;
    this.#batchBytes = 0;
    if (bytes > 0 && !this.#socket.destroyed && !this.#socket.writableEnded) this.#socket.write(EMPTY, () => this.#written(bytes));
    this.#socket.uncork();
  };

  #written(length: number): void {
    this.#outboundBytes -= length;
    if (this.#aboveSoft && this.#outboundBytes < this.#hooks.limits.outboundSoftBytes && this.#state === 'open') {
      this.#aboveSoft = false;
      this.emit('drain');
    }
  }

  #close(reason: DisconnectReason, detail: string): void {
    if (this.#state === 'closed') return;
    const wasAccepted = this.#state === 'open';
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#inFlight.clear();
    // Keep reading (and discarding) so the peer's own close is seen and the socket freed before the grace timer.
    this.#socket.removeAllListeners('data');
    this.#socket.resume();
    if (reason === 'REJECTED' || TELL_CLIENT.has(reason)) {
      // Best effort, and only within the hard bound: the closing frame says why, the end says bye.
      if (reason !== 'REJECTED' && this.#outboundBytes + CONTROL_FRAME_BYTES_MAX <= this.#hooks.limits.outboundMaxBytes) {
        const wire = encodeFrame({ kind: 'closing', reason, detail });
        this.#outboundBytes += wire.length;
        this.#hooks.stats.bytesOut += wire.length;
        this.#hooks.stats.framesOut++;
        this.#socket.write(wire, () => this.#written(wire.length));
      }
      this.#socket.end();
      this.#timer = setTimeout(() => this.#socket.destroy(), this.#hooks.limits.closeGraceMs);
      this.#timer.unref();
      this.#socket.once('close', () => clearTimeout(this.#timer));
    } else {
      this.#socket.destroy();
    }
    this.#hooks.closed(this, reason, detail, wasAccepted);
    if (wasAccepted) this.emit('close', reason, detail);
  }
}
