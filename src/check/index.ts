/**
 * History files and the extended virtual synchrony checker (design.md beside this file).
 */
// History files live in src/history (the daemon and the simulator write them); re-exported here,
// where users of the checker have always found them.
export { formatMessageId, formatRingId, NODE_ID_MAX, parseMessageId, parseRingId } from '../history/ids.js';
export type { MessageId, NodeId, RingId } from '../history/ids.js';
export { parseHistory, recordProblem, serializeRecord } from '../history/records.js';
export type {
  ConfigKind, ConfigRecord, CrashRecord, DeliverRecord, HistoryEvent, HistoryParseError, HistoryRecord, ParsedHistory,
  SendRecord, StartRecord, StopRecord,
} from '../history/records.js';
export { readHistoryFile, readHistoryFileSync } from '../history/read.js';
export { HISTORY_FLUSH_INTERVAL_MS, HISTORY_MAX_PENDING, HistoryWriter, MemoryHistoryWriter, timerScheduler } from '../history/writer.js';
export type { FlushScheduler, HistorySink, HistoryWriterOptions } from '../history/writer.js';
export { checkHistories, type CheckOptions } from './checker.js';
export { PROPERTY_NAMES } from './report.js';
export type { CheckReport, CheckStats, PropertyName, Violation } from './report.js';
