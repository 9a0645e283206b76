/**
 * Stable names for why a handshake was refused and why a connection ended, with the numbers they
 * travel as on the wire (reject and closing frames) and the cs_error_t a client sees for each.
 */
import type { CsErrorName } from './errors.js';

export type RejectCode =
  | 'UNKNOWN_SERVICE'
  | 'UNSUPPORTED_VERSION'
  | 'ACCESS_DENIED'
  | 'TOO_MANY_CONNECTIONS'
  | 'SERVER_STOPPING';

export const REJECT_WIRE: Readonly<Record<RejectCode, number>> = {
  UNKNOWN_SERVICE: 1,
  UNSUPPORTED_VERSION: 2,
  ACCESS_DENIED: 3,
  TOO_MANY_CONNECTIONS: 4,
  SERVER_STOPPING: 5,
};

/** What `connect` rejects with for each refusal; Corosync's libqb clients see the same words. */
export const REJECT_CS_ERROR: Readonly<Record<RejectCode, Exclude<CsErrorName, 'CS_OK'>>> = {
  UNKNOWN_SERVICE: 'CS_ERR_NOT_EXIST',
  UNSUPPORTED_VERSION: 'CS_ERR_VERSION',
  ACCESS_DENIED: 'CS_ERR_ACCESS',
  TOO_MANY_CONNECTIONS: 'CS_ERR_TRY_AGAIN',
  SERVER_STOPPING: 'CS_ERR_TRY_AGAIN',
};

/**
 * Why a connection ended. Server-side reasons are counted in `server.stats.disconnects`; the ones
 * the server can still tell the client travel in a closing frame (a client cut off as a slow
 * consumer is not read from, so it learns only that the socket closed).
 */
export type DisconnectReason =
  /** The peer closed its end or reset the socket. */
  | 'PEER_CLOSED'
  /** This side's owner called close(). */
  | 'CLOSED_LOCALLY'
  | 'SERVER_STOPPING'
  /** Server: queued outbound bytes would pass outboundMaxBytes. */
  | 'SLOW_CONSUMER'
  /** A length prefix above the negotiated maxFrameBytes. */
  | 'OVERSIZE_FRAME'
  /** A frame that does not decode, or a kind this side never accepts (e.g. a response to the server). */
  | 'BAD_FRAME'
  /** Server: the first frame was not a well-formed hello. */
  | 'BAD_HANDSHAKE'
  /** Server: no hello within handshakeTimeoutMs. Client: no answer to its hello in time. */
  | 'HANDSHAKE_TIMEOUT'
  /** Server: the hello was answered with a reject frame. */
  | 'REJECTED'
  /** Server: a connection arrived before the socket file's mode and owner were applied. */
  | 'NOT_READY'
  | 'SOCKET_ERROR';

export const DISCONNECT_REASONS: readonly DisconnectReason[] = [
  'PEER_CLOSED',
  'CLOSED_LOCALLY',
  'SERVER_STOPPING',
  'SLOW_CONSUMER',
  'OVERSIZE_FRAME',
  'BAD_FRAME',
  'BAD_HANDSHAKE',
  'HANDSHAKE_TIMEOUT',
  'REJECTED',
  'NOT_READY',
  'SOCKET_ERROR',
];

/** Wire number of a reason is its index in DISCONNECT_REASONS plus one (0 is never sent). */
export function disconnectReasonToWire(reason: DisconnectReason): number {
  return DISCONNECT_REASONS.indexOf(reason) + 1;
}

export function disconnectReasonFromWire(value: number): DisconnectReason | undefined {
  return DISCONNECT_REASONS[value - 1];
}

export function rejectCodeFromWire(value: number): RejectCode | undefined {
  for (const [code, wire] of Object.entries(REJECT_WIRE)) if (wire === value) return code as RejectCode;
  return undefined;
}
