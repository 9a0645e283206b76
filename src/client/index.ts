/**
 * ringcast's client library: talk to a local ringcastd over its Unix socket. Promise and
 * async-iterator APIs, errors with Corosync's CS_ERR_* codes, AbortSignal on every waiting call.
 */
export { connect, RingcastClient, type ConnectOptions, type CpgOpenOptions } from './client.js';
export {
  CpgHandle,
  type CpgCallOptions,
  type CpgHandleEvents,
  type CpgHandleOptions,
  type CpgHandleStats,
  type CpgJoinOptions,
  type CpgMcastOptions,
  type CpgRetryOptions,
} from './cpg.js';
export type {
  CpgChangeReason,
  CpgConfchgEvent,
  CpgDeliverEvent,
  CpgDisconnectedEvent,
  CpgEvent,
  CpgFlowControlEvent,
  CpgFlowControlState,
  CpgGroupInfo,
  CpgGroupName,
  CpgGuarantee,
  CpgMember,
  CpgMemberChange,
  CpgReconnectedEvent,
  CpgRingId,
  CpgTotemConfchgEvent,
} from './cpg-types.js';
export {
  ServiceHandle, type ServiceDisconnectedEvent, type ServiceEvent, type ServiceHandleEvent, type ServiceHandleEvents,
  type ServiceHandleOptions, type ServiceRequestOptions,
} from './service.js';
export {
  QuorumHandle, type QuorumChangesOptions, type QuorumEvent, type QuorumHandleOptions, type QuorumNodeInfo, type QuorumNodeState, type QuorumStatus,
} from './quorum.js';
export { RingcastError, type RingcastErrorCode } from './errors.js';
export type { ReconnectOptions } from './link.js';
export type { BackoffOptions } from './backoff.js';
export type { RingcastMembers, RingcastStatus } from './status.js';
export { resolveSocketPath, SOCKET_NAME } from '../protocol/paths.js';
