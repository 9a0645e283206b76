/**
 * ringcast's client library: talk to a local ringcastd over its Unix socket. Promise and
 * async-iterator APIs, errors with Corosync's CS_ERR_* codes (CPG) or SA Forum SA_AIS_ERR_* codes
 * (CLM, EVT), AbortSignal on every waiting call.
 */
export { connect, RingcastClient, type ClmOpenOptions, type ConnectOptions, type CpgOpenOptions, type EvtOpenOptions } from './client.js';
export {
  EvtChannel,
  EvtHandle,
  EvtSubscription,
  EVT_VERSION,
  type EvtCallOptions,
  type EvtChannelInfo,
  type EvtEvent,
  type EvtFilterSpec,
  type EvtHandleEvents,
  type EvtHandleOptions,
  type EvtOpenFlags,
  type EvtPublishOptions,
  type EvtVersion,
} from './evt.js';
export { ClmHandle, type ClmCallOptions, type ClmHandleOptions, type ClmTrackOptions } from './clm.js';
export type { ClmChange, ClmNode, ClmNotificationItem, ClmTrackNotification, ClmView } from './clm-types.js';
export { SaAisError, SA_AIS_ERROR, type SaAisErrorName } from '../protocol/sa-errors.js';
export type { SaAisErrorCode } from './sa-error.js';
export { SA_CLM_LOCAL_NODE_ID } from '../protocol/clm-protocol.js';
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
export {
  CfgHandle, csErrorNumber, type CfgHandleOptions, type CfgLinkNode, type CfgLinkStatus, type CfgReloadResult, type CfgShutdownFlags, type CfgShutdownHandler,
  type CfgShutdownOptions, type CfgShutdownRequest,
} from './cfg.js';
export { RingcastError, type RingcastErrorCode } from './errors.js';
export type { ReconnectOptions } from './link.js';
export type { BackoffOptions } from './backoff.js';
export type { RingcastMembers, RingcastStatus } from './status.js';
export { resolveSocketPath, SOCKET_NAME } from '../protocol/paths.js';
/** The SA-style CLM layer (saClm* with numeric handles and SaAisErrorT values), for conformance programs. */
export * from './sa-clm.js';
