/**
 * The group header totempg puts in front of every application message (exec/totempg.c,
 * totempg_groups_mcast_joined and group_matches):
 *
 *   @0 u16 group count n      @2 u16 group_len[n]      then the n names' bytes, back to back,
 *   then the message itself.
 *
 * Counts and lengths are in the sender's byte order, like the rest of the packet. A receiver
 * delivers a message to the users that joined one of the groups it names. Corosync's executive
 * sends in group "a" and its sync engine in group "sync"; a ringcast node speaks the same so
 * that it can be a member of a Corosync ring, and sends messages of its own users (a RingNode
 * application, the synthetic load) in group "ringcast", which no Corosync process joins.
 */
import { readU16, writeU16 } from '../../bytes/index.js';

/** Corosync's executive group (main.c corosync_group). */
export const GROUP_EXEC = 'a';
/** Corosync's sync engine group (sync.c sync_group). */
export const GROUP_SYNC = 'sync';
/** ringcast's group for messages of RingNode users: no Corosync process joins it. */
export const GROUP_DEFAULT = 'ringcast';

/** Corosync's MAX_GROUPS_PER_MSG. */
export const PG_GROUPS_MAX = 32;
/** Group names are short byte strings (Corosync's are at most a few bytes; the u16 allows more). */
export const PG_GROUP_NAME_BYTES_MAX = 128;

export type GroupHeaderErrorCode = 'GROUP_TRUNCATED' | 'GROUP_BAD_COUNT';

export type GroupSplitResult =
  | { readonly ok: true; readonly groups: readonly string[]; readonly body: Uint8Array }
  | { readonly ok: false; readonly code: GroupHeaderErrorCode; readonly detail: string };

const prefixes = new Map<string, Uint8Array>();

/**
 * The little-endian header naming `group`, cached: every message of a group starts with the same
 * bytes. Names are latin-1 text (each character one byte), as Corosync's are.
 */
export function groupPrefix(group: string): Uint8Array {
  let prefix = prefixes.get(group);
  if (prefix) return prefix;
  if (group.length === 0 || group.length > PG_GROUP_NAME_BYTES_MAX || !/^[\x20-\x7e]+$/.test(group)) {
    throw new RangeError(`group name ${JSON.stringify(group)}: 1..${PG_GROUP_NAME_BYTES_MAX} printable ASCII characters`);
  }
  prefix = new Uint8Array(4 + group.length);
  writeU16(prefix, 0, 1);
  writeU16(prefix, 2, group.length);
  for (let i = 0; i < group.length; i++) prefix[4 + i] = group.charCodeAt(i);
  prefixes.set(group, prefix);
  return prefix;
}

/** Reads the group header; `body` is a view of the message after it. Never throws. */
export function splitGroups(message: Uint8Array, bigEndian = false): GroupSplitResult {
  if (message.length < 2) return { ok: false, code: 'GROUP_TRUNCATED', detail: `${message.length}-byte message has no group count` };
  const count = readU16(message, 0, bigEndian);
  if (count === 0 || count > PG_GROUPS_MAX) return { ok: false, code: 'GROUP_BAD_COUNT', detail: `${count} groups (1..${PG_GROUPS_MAX})` };
  let at = 2 + 2 * count;
  if (message.length < at) return { ok: false, code: 'GROUP_TRUNCATED', detail: `${count} group lengths need ${at} bytes, ${message.length} delivered` };
  const groups: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = readU16(message, 2 + 2 * i, bigEndian);
    if (at + len > message.length) return { ok: false, code: 'GROUP_TRUNCATED', detail: `group ${i} of ${len} bytes runs past the message` };
    groups.push(nameAt(message, at, len));
    at += len;
  }
  return { ok: true, groups, body: message.subarray(at) };
}

/** The name at `at`: the three names every message carries without a new string each time. */
function nameAt(message: Uint8Array, at: number, len: number): string {
  if (len === 1 && message[at] === 0x61) return GROUP_EXEC;
  if (len === 4 && message[at] === 0x73 && message[at + 1] === 0x79 && message[at + 2] === 0x6e && message[at + 3] === 0x63) return GROUP_SYNC;
  if (len === GROUP_DEFAULT.length && sameBytes(message, at, groupPrefix(GROUP_DEFAULT), 4)) return GROUP_DEFAULT;
  return String.fromCharCode(...message.subarray(at, at + len));
}

function sameBytes(a: Uint8Array, at: number, b: Uint8Array, from: number): boolean {
  for (let i = from; i < b.length; i++) if (a[at + i - from] !== b[i]) return false;
  return true;
}
