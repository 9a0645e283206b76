/** Public API of the CPG service core: executive message codecs and the per-node state machine. */
export * from './wire.js';
export type {
  ConfchgCallback,
  CpgAddress,
  CpgCallback,
  CpgError,
  CpgErrorCode,
  CpgRingId,
  DeliverCallback,
  HandleCallback,
  HandleId,
  PartialDeliverCallback,
  TotemConfchgCallback,
} from './callbacks.js';
export { CpgNode, type CpgNodeOptions, type CpgStats, type HandleGroupState, type JoinFlags, type LibResult } from './node.js';
export type { Member, ProcessEntry } from './table.js';
export type { GroupKey } from './names.js';
/** The library protocol between CPG clients and the daemon (ids, payload codecs). */
export * from './lib-protocol.js';
