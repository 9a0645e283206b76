/** Server counters, exposed read-only as `server.stats`; the connection code bumps them in place. */
import { DISCONNECT_REASONS, REJECT_WIRE, type DisconnectReason, type RejectCode } from './codes.js';

export interface IpcServerStats {
  /** Sockets alive now (handshaking, open, or flushing a last frame); 0 after every client left. */
  readonly connectionsOpen: number;
  /** Sockets ever accepted by the listener. */
  readonly connectionsTotal: number;
  /** Handshakes answered with accept. */
  readonly handshakesAccepted: number;
  readonly rejects: Readonly<Record<RejectCode, number>>;
  readonly disconnects: Readonly<Record<DisconnectReason, number>>;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly framesIn: number;
  readonly framesOut: number;
}

export type MutableServerStats = {
  -readonly [K in keyof IpcServerStats]: IpcServerStats[K] extends Readonly<Record<infer R extends string, number>>
    ? Record<R, number>
    : IpcServerStats[K];
};

export function createServerStats(): MutableServerStats {
  const rejects = Object.fromEntries(Object.keys(REJECT_WIRE).map((k) => [k, 0])) as Record<RejectCode, number>;
  const disconnects = Object.fromEntries(DISCONNECT_REASONS.map((r) => [r, 0])) as Record<DisconnectReason, number>;
  return {
    connectionsOpen: 0,
    connectionsTotal: 0,
    handshakesAccepted: 0,
    rejects,
    disconnects,
    bytesIn: 0,
    bytesOut: 0,
    framesIn: 0,
    framesOut: 0,
  };
}
