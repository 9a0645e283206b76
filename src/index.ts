/** ringcast's public API. */
export { RingNode, type RingNodeOptions, type RingNodeAddress } from './net/ring-node.js';
export { FileRingSeqStore, MemoryRingSeqStore, type RingSeqStore } from './net/ring-seq-store.js';
export { TotemCore } from './totem/core.js';
export { TotemGroup, type GroupDelivery, type GroupEvent, type SubmitResult } from './totem/group.js';
export { deriveTotemConfig, TOTEM_DEFAULTS, type TotemConfig, type TotemConfigInput } from './totem/config.js';
export { checkHistories } from './check/index.js';
export * from './client/index.js';
export { Executive, type Service, type ServiceApi, type ServiceSync, type LibHandler, type ExecHandler, type ClientConnection } from './exec/index.js';
