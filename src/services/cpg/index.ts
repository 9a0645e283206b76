/** Public API of the CPG service core: executive message codecs and the per-node state machine. */
export * from './wire.js';
export type {
  ConfchgCallback,
  CpgAddress,
  CpgCallback,
  CpgRingId,
  DeliverCallback,
  PartialDeliverCallback,
  TotemConfchgCallback,
} from '../../protocol/cpg/callbacks.js';
export type { CpgError, CpgErrorCode, HandleCallback, HandleId } from './handles.js';
export { CpgNode, type CpgNodeOptions, type CpgStats, type HandleGroupState, type JoinFlags, type LibResult } from './node.js';
export type { Member } from '../../protocol/cpg/vocabulary.js';
export type { ProcessEntry } from './table.js';
export type { GroupKey } from './names.js';
/** The library protocol between CPG clients and the daemon (ids, payload codecs). */
export * from '../../protocol/cpg/lib-protocol.js';
