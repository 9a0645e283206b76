export {
  OrderLogService, ORDERLOG_SERVICE_ID, OrderLogRequest, OrderLogExec, OrderLogEvent, ORDERLOG_DEFAULT_MAX_LINES, ORDERLOG_MAX_LINES_LIMIT,
  type OrderLogOptions,
} from './orderlog.js';
export { OrderLog, betterSnapshot, HASH_BYTES, type LogSnapshot } from './log.js';
export {
  ORDERLOG_LINE_MAX_BYTES, validateLine, encodeLine, decodeLine, encodeSnapshot, decodeSnapshot, encodeAppended, decodeAppended, encodeAppendedEvent, decodeAppendedEvent, encodeU32, decodeU32,
} from './codec.js';
