/**
 * cfg's executive messages with Corosync 3.1.7's ids and byte layouts (exec/cfg.c, fn ids 0..4 of
 * CFG_SERVICE = 1, all sent TOTEM_SAFE), offsets from the start of the message, the executive's
 * 16-byte header included; little-endian, as ringcast always writes:
 *
 *   RINGREENABLE  (fn 0, 32 bytes)  mar_message_source_t { u32 nodeid @16; 4 pad; u64 conn @24 }
 *   SHUTDOWN      (fn 2, 16 bytes)  the header only: "the node that sent this leaves"
 *   RELOAD_CONFIG (fn 3, 32 bytes)  mar_message_source_t { u32 nodeid @16; 4 pad; u64 conn @24 }
 *
 * Corosync puts the requesting connection's pointer in `conn`; ringcast writes the connection's
 * id there (only the sourcing node would read it, and ringcast's executive finds the request by
 * its own tag instead). KILLNODE (fn 1) and CRYPTO_RECONFIG (fn 4) are not handled: ringcast has
 * no kill-node command and no knet crypto; such messages are counted and dropped by the executive.
 * Decoders are strict (exact size) and never throw.
 */
import { allocBytes, readU32, readU64Safe, writeU32, writeU64 } from '../../bytes/index.js';
import { EXEC_HEADER_BYTES } from '../../exec/header.js';

/** Corosync's CFG_SERVICE (corodefs.h): kept, so mixed rings agree on message ids. */
export const CFG_SERVICE_ID = 1;
export const CfgMessageId = { ringReenable: 0, killNode: 1, shutdown: 2, reloadConfig: 3, cryptoReconfig: 4 } as const;

export const RINGREENABLE_BYTES = 32;
export const SHUTDOWN_BYTES = 16;
export const RELOAD_CONFIG_BYTES = 32;

export interface MessageSource {
  readonly nodeId: number;
  /** The requesting connection (Corosync: a pointer; ringcast: the connection id). */
  readonly conn: number;
}

export type CfgExecMessage =
  | { readonly kind: 'ringReenable'; readonly source: MessageSource }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'reloadConfig'; readonly source: MessageSource };

type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly detail: string };

/** The whole message with room for the executive's header (SendOptions.headerRoom). */
export function encodeCfgMessage(m: CfgExecMessage): Uint8Array {
  if (m.kind === 'shutdown') return allocBytes(SHUTDOWN_BYTES).fill(0);
  const out = allocBytes(RELOAD_CONFIG_BYTES).fill(0);
  writeU32(out, EXEC_HEADER_BYTES, m.source.nodeId);
  writeU64(out, EXEC_HEADER_BYTES + 8, m.source.conn);
  return out;
}

function sized(message: Uint8Array, bytes: number, what: string): Decoded<never> | undefined {
  if (message.length !== bytes) return { ok: false, code: 'BAD_LENGTH', detail: `${what} of ${message.length} bytes, expected ${bytes}` };
  return undefined;
}

function source(message: Uint8Array): MessageSource {
  const conn = readU64Safe(message, EXEC_HEADER_BYTES + 8, false);
  // A Corosync pointer may exceed 2^53; it means nothing to ringcast, so it reads as 0.
  return { nodeId: readU32(message, EXEC_HEADER_BYTES, false), conn: conn < 0 ? 0 : conn };
}

export function decodeRingReenable(message: Uint8Array): Decoded<CfgExecMessage> {
  const bad = sized(message, RINGREENABLE_BYTES, 'RINGREENABLE');
  if (bad) return bad;
  return { ok: true, value: { kind: 'ringReenable', source: source(message) } };
}

export function decodeShutdown(message: Uint8Array): Decoded<CfgExecMessage> {
  return sized(message, SHUTDOWN_BYTES, 'SHUTDOWN') ?? { ok: true, value: { kind: 'shutdown' } };
}

export function decodeReloadConfig(message: Uint8Array): Decoded<CfgExecMessage> {
  const bad = sized(message, RELOAD_CONFIG_BYTES, 'RELOAD_CONFIG');
  if (bad) return bad;
  return { ok: true, value: { kind: 'reloadConfig', source: source(message) } };
}
