/**
 * Byte layout of the Totem wire structs (Corosync 3.1.7). Every struct is `__attribute__((packed))`
 * in the source, so sizes are plain sums of field sizes; offsets below are from the frame start.
 */

/** TOTEM_MH_MAGIC (include/corosync/totem/totem.h). Read little-endian it is 0xC070 for an LE sender. */
export const TOTEM_MH_MAGIC = 0xc070;
/** Magic as seen when read little-endian from a big-endian sender's frame. */
export const TOTEM_MH_MAGIC_SWAPPED = 0x70c0;
/** TOTEM_MH_VERSION (totem.h). */
export const TOTEM_MH_VERSION = 0x03;

/** RETRANSMIT_ENTRIES_MAX (exec/totemsrp.c): bound on orf_token.rtr_list_entries. */
export const RETRANSMIT_ENTRIES_MAX = 30;
/** PROCESSOR_COUNT_MAX (totem.h, default build): bound on join lists and commit token entries. */
export const PROCESSOR_COUNT_MAX = 384;
/**
 * FRAME_SIZE_MAX (totem.h) is KNET_MAX_PACKET_SIZE, 65536 in libknet 1.x. No frame, however
 * well formed, is accepted above it; a UDP datagram cannot exceed it anyway.
 */
export const FRAME_SIZE_MAX = 65536;
/** TOKEN_SIZE_MAX (totemsrp.c): Corosync's retransmit copy of a token is this big. */
export const TOKEN_SIZE_MAX = 64000;
/** MESSAGE_SIZE_MAX (totem.h, default build): largest application message totempg assembles. */
export const MESSAGE_SIZE_MAX = 1024 * 1024;

/** struct totem_message_header (totem.h): magic u16, version u8, type u8, encapsulated u8, nodeid u32, target_nodeid u32. */
export const HEADER_SIZE = 13;
export const HDR_MAGIC = 0;
export const HDR_VERSION = 2;
export const HDR_TYPE = 3;
export const HDR_ENCAPSULATED = 4;
export const HDR_NODEID = 5;
export const HDR_TARGET_NODEID = 9;

/** struct memb_ring_id (totem.h): rep u32, seq u64. */
export const RING_ID_SIZE = 12;
/** struct srp_addr (totemsrp.c): nodeid u32 only, in 3.x. */
export const SRP_ADDR_SIZE = 4;

/** struct mcast (totemsrp.c): header, system_from, seq, this_seqno, ring_id, node_id, guarantee. */
export const MCAST_SIZE = 45;
export const MCAST_SYSTEM_FROM = 13;
export const MCAST_SEQ = 17;
export const MCAST_THIS_SEQNO = 21;
export const MCAST_RING_ID = 25;
export const MCAST_NODE_ID = 37;
export const MCAST_GUARANTEE = 41;

/** struct orf_token (totemsrp.c), then rtr_list[rtr_list_entries] of struct rtr_item. */
export const ORF_TOKEN_SIZE = 57;
export const ORF_SEQ = 13;
export const ORF_TOKEN_SEQ = 17;
export const ORF_ARU = 21;
export const ORF_ARU_ADDR = 25;
export const ORF_RING_ID = 29;
export const ORF_BACKLOG = 41;
export const ORF_FCC = 45;
export const ORF_RETRANS_FLG = 49;
export const ORF_RTR_LIST_ENTRIES = 53;
/** struct rtr_item (totemsrp.c): ring_id (12), seq u32. */
export const RTR_ITEM_SIZE = 16;

/** struct memb_join (totemsrp.c), then proc_list[] and failed_list[] of struct srp_addr. */
export const MEMB_JOIN_SIZE = 33;
export const JOIN_SYSTEM_FROM = 13;
export const JOIN_PROC_LIST_ENTRIES = 17;
export const JOIN_FAILED_LIST_ENTRIES = 21;
export const JOIN_RING_SEQ = 25;

/** struct memb_merge_detect (totemsrp.c): header, system_from, ring_id. */
export const MERGE_DETECT_SIZE = 29;
export const MERGE_SYSTEM_FROM = 13;
export const MERGE_RING_ID = 17;

/** struct token_hold_cancel (totemsrp.c): header, ring_id. */
export const TOKEN_HOLD_CANCEL_SIZE = 25;
export const THC_RING_ID = 13;

/**
 * struct memb_commit_token (totemsrp.c): header, token_seq, ring_id, retrans_flg, memb_index,
 * addr_entries; then addr[addr_entries] (srp_addr) and memb_list[addr_entries].
 */
export const COMMIT_TOKEN_SIZE = 41;
export const COMMIT_TOKEN_SEQ = 13;
export const COMMIT_RING_ID = 17;
export const COMMIT_RETRANS_FLG = 29;
export const COMMIT_MEMB_INDEX = 33;
export const COMMIT_ADDR_ENTRIES = 37;
/** struct memb_commit_token_memb_entry (totemsrp.c): ring_id, aru, high_delivered, received_flg. */
export const COMMIT_MEMB_ENTRY_SIZE = 24;

/** IPv4 (20) + UDP (8) header bytes: TOTEMIP_IPV4_HEADER_SIZE + TOTEMIP_UDP_HEADER_SIZE (exec/totemip.c). */
export const IPV4_UDP_HEADER_BYTES = 28;
/** IPv6 (40) + UDP (8) header bytes. */
export const IPV6_UDP_HEADER_BYTES = 48;

/**
 * Largest mcast payload (a totempg packet, header included) that keeps every frame within one IP
 * packet of `netMtu`, including the recovery case where a whole mcast frame is re-sent
 * encapsulated in another mcast (two struct mcast headers).
 *
 * Corosync 3.1 subtracts only 2 * sizeof(struct mcast) = 90 (totemsrp_net_mtu_adjust, called by
 * totempg_initialize); the udpu transport's own adjust for IP/UDP headers exists but nothing calls
 * it since the knet rework, so Corosync's encapsulated frames exceed a 1500 MTU by 28 bytes and
 * rely on IP fragmentation. Passing `ipUdpHeaderBytes = 0` gives Corosync's figure.
 */
export function mcastPayloadBytesMax(netMtu: number, ipUdpHeaderBytes: number = IPV4_UDP_HEADER_BYTES): number {
  return netMtu - ipUdpHeaderBytes - 2 * MCAST_SIZE;
}
