/** The executive: service handler structure, dispatch and synchronization. */
export { Executive, mapRingResult, DEFAULT_MAX_OWN_MESSAGES, type ExecRing, type RingSendResult, type ExecDelivery, type ExecutiveOptions, type ExecStats, type ExecTraceEvent, type DropReason } from './executive.js';
export { ServiceRegistry } from './registry.js';
export type { Service, ServiceApi, ServiceSync, SendOptions, ClientConnection, LibRequest, LibHandler, ExecHandler, ExecMeta, DecodeResult } from './service.js';
export type { CsStatus, CsErrorCode, ExecSendResult, ExecSendError } from './status.js';
export { EXEC_HEADER_BYTES, SERVICES_COUNT_MAX, MESSAGE_ID_MAX, serviceIdMake, encodeExecMessage, decodeHeader, execBody, type ExecHeader, type HeaderDecodeResult } from './header.js';
export { type SyncPhase, type SyncStats, type SyncTraceEvent } from './sync.js';
