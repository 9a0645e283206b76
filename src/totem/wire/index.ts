/** Public API of the Totem wire codecs: Corosync 3.1 frame layouts, decode strict, encode LE. */
export * from './types.js';
export { decodeMessage, isBigEndianFrame } from './decode.js';
export { encodeMessage, encodeMessageInto, encodedLength } from './encode.js';
export {
  COMMIT_MEMB_ENTRY_SIZE,
  COMMIT_TOKEN_SIZE,
  FRAME_SIZE_MAX,
  HEADER_SIZE,
  IPV4_UDP_HEADER_BYTES,
  IPV6_UDP_HEADER_BYTES,
  MCAST_SIZE,
  MEMB_JOIN_SIZE,
  MERGE_DETECT_SIZE,
  MESSAGE_SIZE_MAX,
  ORF_TOKEN_SIZE,
  PROCESSOR_COUNT_MAX,
  RETRANSMIT_ENTRIES_MAX,
  RING_ID_SIZE,
  RTR_ITEM_SIZE,
  TOKEN_HOLD_CANCEL_SIZE,
  TOKEN_SIZE_MAX,
  TOTEM_MH_MAGIC,
  TOTEM_MH_VERSION,
  mcastPayloadBytesMax,
} from './layout.js';
