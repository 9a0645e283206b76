/**
 * The ids history files use (docs/history.md): node ids, ring ids `<rep>.<seq>` and
 * message ids `<node>.<boot>:<counter>`. The daemon and the simulator make them, the checker
 * parses them; payload.ts carries message ids inside messages.
 */

/** A Totem node id, as history records write it. */
export type NodeId = number;

export interface RingId {
  /** Node id of the ring's representative (the member that formed it). */
  readonly rep: NodeId;
  readonly seq: number;
}

export function formatRingId(rep: NodeId, seq: number): string {
  return `${rep}.${seq}`;
}

const RING_ID = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

/** `"<rep>.<seq>"` as numbers, or undefined if the text is not a ring id. */
export function parseRingId(text: string): RingId | undefined {
  const m = RING_ID.exec(text);
  if (!m) return undefined;
  const rep = Number(m[1]);
  const seq = Number(m[2]);
  if (!Number.isSafeInteger(rep) || !Number.isSafeInteger(seq) || rep > NODE_ID_MAX) return undefined;
  return { rep, seq };
}

export interface MessageId {
  readonly node: NodeId;
  readonly boot: string;
  /** From 1, one per message the incarnation sends. */
  readonly counter: number;
}

/** Corosync node ids are unsigned 32-bit. */
export const NODE_ID_MAX = 0xffff_ffff;

// The boot may contain dots but no colon or whitespace, so `<node>.<boot>:<counter>` splits
// unambiguously at the first dot and the last colon.
const BOOT = /^[^\s:]+$/;
const MESSAGE_ID = /^(0|[1-9][0-9]*)\.([^\s:]+):([1-9][0-9]*)$/;

export function formatMessageId(node: NodeId, boot: string, counter: number): string {
  return `${node}.${boot}:${counter}`;
}

/** `"<node>.<boot>:<counter>"` split into its parts, or undefined if malformed. */
export function parseMessageId(text: string): MessageId | undefined {
  const m = MESSAGE_ID.exec(text);
  if (!m) return undefined;
  const node = Number(m[1]);
  const counter = Number(m[3]);
  if (node > NODE_ID_MAX || !Number.isSafeInteger(counter)) return undefined;
  return { node, boot: m[2]!, counter };
}

/** A boot is any non-empty text without ":" or whitespace (so message ids stay splittable). */
export function isBoot(text: string): boolean {
  return BOOT.test(text);
}
