/** Public API of the CPG executive message codecs: Corosync 3.1.7 layouts, decode strict, encode LE. */
export * from './messages.js';
export { decodeCpgMessage, peekCpgMessageId, type CpgDecodeOptions } from './decode.js';
export { encodeCpgMessage, cpgEncodedLength } from './encode.js';
export {
  CPG_MAX_NAME_LENGTH,
  CPG_SERVICE_ID,
  CpgMessageId,
  type CpgMessageIdCode,
  DOWNLIST_OLD_SIZE,
  DOWNLIST_SIZE,
  JLE_SIZE,
  MCAST_SIZE,
  PARTIAL_SIZE,
  PROCESSOR_COUNT_MAX,
  PROCJOIN_SIZE,
  RESPONSE_HEADER_SIZE,
  cpgHeaderId,
} from './layout.js';
