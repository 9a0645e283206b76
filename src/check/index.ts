/**
 * History files and the extended virtual synchrony checker (design.md beside this file).
 */
export {
  formatMessageId, formatRingId, HISTORY_FLUSH_INTERVAL_MS, HISTORY_MAX_PENDING, HistoryWriter, MemoryHistoryWriter,
  NODE_ID_MAX, parseHistory, parseMessageId, parseRingId, readHistoryFile, readHistoryFileSync, recordProblem,
  serializeRecord, timerScheduler,
} from '../history/records.js';
export type {
  ConfigKind, ConfigRecord, CrashRecord, DeliverRecord, FlushScheduler, HistoryEvent, HistoryParseError, HistoryRecord,
  HistorySink, HistoryWriterOptions, MessageId, NodeId, ParsedHistory, RingId, SendRecord, StartRecord, StopRecord,
} from '../history/records.js';
export { checkHistories, type CheckOptions } from './checker.js';
export { PROPERTY_NAMES } from './report.js';
export type { CheckReport, CheckStats, PropertyName, Violation } from './report.js';
