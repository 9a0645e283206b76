/**
 * Per-server and per-connection bounds with their defaults. Every queue the IPC layer keeps is
 * bounded by one of these; design.md says what happens when each is reached.
 */

export interface IpcServerLimits {
  /** Sockets at once, handshaking ones included. Default 256. */
  readonly maxConnections: number;
  /**
   * Largest length prefix (body bytes) accepted or sent, both ways; the handshake narrows it to the
   * client's own bound. Default 1 MiB + 64 KiB, so a 1 MiB service message plus its headers fits.
   */
  readonly maxFrameBytes: number;
  /** Requests delivered to the owner and not yet answered, per connection. Default 64. */
  readonly maxInFlightRequests: number;
  /** Queued outbound bytes at which `connection.writable` turns false. Default 1 MiB. */
  readonly outboundSoftBytes: number;
  /** Queued outbound bytes a connection may never pass: the write that would is a SLOW_CONSUMER cut-off. Default 4 MiB. */
  readonly outboundMaxBytes: number;
  /** Time a new socket has to send its hello. Default 5,000 ms. */
  readonly handshakeTimeoutMs: number;
  /** Time a closing socket gets to flush its last frame before it is destroyed. Default 1,000 ms. */
  readonly closeGraceMs: number;
}

export const MIB = 1024 * 1024;

export const DEFAULT_SERVER_LIMITS: IpcServerLimits = {
  maxConnections: 256,
  maxFrameBytes: MIB + 64 * 1024,
  maxInFlightRequests: 64,
  outboundSoftBytes: MIB,
  outboundMaxBytes: 4 * MIB,
  handshakeTimeoutMs: 5_000,
  closeGraceMs: 1_000,
};

/** Smallest frame bound either side may negotiate: every control frame (closing: 259 bytes) fits. */
export const MIN_FRAME_BYTES = 512;
/** Bound on the hello, the only frame a server reads before the handshake (18 + 64 bytes today). */
export const HELLO_FRAME_BYTES_MAX = 256;
/** Sockets beyond maxConnections that still get a polite TOO_MANY_CONNECTIONS reject; past that, dropped unanswered. */
export const REJECT_OVERFLOW_SOCKETS = 64;

export function resolveServerLimits(overrides: Partial<IpcServerLimits> = {}): IpcServerLimits {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...overrides };
  const positive = (name: keyof IpcServerLimits, min = 1) => {
    const value = limits[name];
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} ${value} must be an integer >= ${min}`);
  };
  positive('maxConnections');
  positive('maxFrameBytes', MIN_FRAME_BYTES);
  positive('maxInFlightRequests');
  positive('outboundSoftBytes');
  positive('handshakeTimeoutMs');
  positive('closeGraceMs', 0);
  if (limits.maxFrameBytes > 0xffffffff) throw new RangeError('maxFrameBytes must fit in u32');
  // One whole frame must always fit under the hard bound, or a legal event could cut a healthy client.
  positive('outboundMaxBytes', Math.max(limits.outboundSoftBytes, limits.maxFrameBytes + 4));
  return limits;
}
