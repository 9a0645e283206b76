/**
 * What a CPG client sees: members, events and their reasons as plain TypeScript values. The wire
 * shapes (src/protocol/cpg/lib-protocol.ts) use numeric reasons and raw names; this module turns
 * them into these types, so applications never depend on the wire.
 */
import type { CpgLibEvent } from '../protocol/cpg/lib-protocol.js';
import { RingcastError } from './errors.js';

export type CpgGuarantee = 'agreed' | 'safe';
export type CpgFlowControlState = 'enabled' | 'disabled';
/** A group name as given by the application: text (sent as UTF-8) or raw bytes, at most 128 bytes. */
export type CpgGroupName = string | Uint8Array;

/** A group member: a process on a node. Two processes on one node are two members. */
export interface CpgMember {
  readonly nodeId: number;
  readonly pid: number;
}

/** Why a member joined or left (Corosync's CPG_REASON_*). */
export type CpgChangeReason = 'join' | 'leave' | 'nodedown' | 'nodeup' | 'procdown';

export interface CpgMemberChange extends CpgMember {
  readonly reason: CpgChangeReason;
}

export interface CpgRingId {
  /** The ring's representative. */
  readonly nodeId: number;
  readonly seq: number;
}

/** A message multicast to a group this handle joined, in agreed order. */
export interface CpgDeliverEvent {
  readonly type: 'deliver';
  /** The group name decoded as UTF-8; `groupBytes` is the name as it travelled. */
  readonly group: string;
  readonly groupBytes: Uint8Array;
  readonly nodeId: number;
  readonly pid: number;
  readonly data: Uint8Array;
}

/** The membership of a group changed; `members` is the membership after the change. */
export interface CpgConfchgEvent {
  readonly type: 'confchg';
  readonly group: string;
  readonly groupBytes: Uint8Array;
  readonly members: readonly CpgMember[];
  readonly left: readonly CpgMemberChange[];
  readonly joined: readonly CpgMemberChange[];
}

/** The ring's configuration after a membership change of the nodes. */
export interface CpgTotemConfchgEvent {
  readonly type: 'totemConfchg';
  readonly ringId: CpgRingId;
  readonly nodes: readonly number[];
}

/** The daemon turned flow control on (mcast may answer CS_ERR_TRY_AGAIN) or off. */
export interface CpgFlowControlEvent {
  readonly type: 'flowControl';
  readonly state: CpgFlowControlState;
}

/** The connection to the daemon was lost; with `reconnect`, the handle is trying to get it back. */
export interface CpgDisconnectedEvent {
  readonly type: 'disconnected';
  readonly reason: string;
  readonly detail: string;
  /** True when the handle will try to reconnect. */
  readonly reconnecting: boolean;
}

/**
 * The handle is connected again and has re-joined `groups`. Messages and membership changes
 * between the disconnect and the re-join were not delivered and are not replayed: treat the
 * group state as unknown until the confchg of your own re-join arrives.
 */
export interface CpgReconnectedEvent {
  readonly type: 'reconnected';
  readonly groups: readonly string[];
  /** Groups whose re-join failed, each with its error. */
  readonly failed: readonly { readonly group: string; readonly error: RingcastError }[];
  readonly mayHaveMissed: true;
}

export type CpgEvent =
  | CpgDeliverEvent
  | CpgConfchgEvent
  | CpgTotemConfchgEvent
  | CpgFlowControlEvent
  | CpgDisconnectedEvent
  | CpgReconnectedEvent;

export interface CpgGroupInfo {
  readonly group: string;
  readonly groupBytes: Uint8Array;
  readonly members: readonly CpgMember[];
}

const REASONS: readonly CpgChangeReason[] = ['join', 'leave', 'nodedown', 'nodeup', 'procdown'];
const GROUP_NAME_BYTES_MAX = 128;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function reasonName(code: number): CpgChangeReason {
  return REASONS[code - 1] ?? 'procdown';
}

/** The name's bytes; over 128 bytes is CS_ERR_NAME_TOO_LONG before anything is sent. */
/** The last group name encoded: an mcast flood names the same group every time. Never mutated. */
let lastName: { readonly text: string; readonly bytes: Uint8Array } | undefined;

export function groupBytes(group: CpgGroupName): Uint8Array {
  let bytes: Uint8Array;
  if (typeof group !== 'string') bytes = group;
  else if (lastName?.text === group) bytes = lastName.bytes;
  else {
    bytes = encoder.encode(group);
    lastName = { text: group, bytes };
  }
  if (bytes.length > GROUP_NAME_BYTES_MAX) {
    throw new RingcastError('CS_ERR_NAME_TOO_LONG', `group name of ${bytes.length} bytes exceeds ${GROUP_NAME_BYTES_MAX}`);
  }
  return bytes;
}

export function groupText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** The last group name decoded for an event: a flood names the same group on every delivery. */
let lastGroup: { readonly bytes: Uint8Array; readonly text: string } | undefined;

function eventGroupText(bytes: Uint8Array): string {
  const last = lastGroup;
  if (last && Buffer.compare(last.bytes, bytes) === 0) return last.text;
  const text = decoder.decode(bytes);
  lastGroup = { bytes: bytes.slice(), text };
  return text;
}

/** A plain Uint8Array view (the transport hands out Buffers; the API promises Uint8Array, deep-equal included). */
function plain(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function members(list: readonly { nodeId: number; pid: number }[]): CpgMember[] {
  return list.map(({ nodeId, pid }) => ({ nodeId, pid }));
}

function changes(list: readonly { nodeId: number; pid: number; reason: number }[]): CpgMemberChange[] {
  return list.map(({ nodeId, pid, reason }) => ({ nodeId, pid, reason: reasonName(reason) }));
}

/** A decoded wire event as the application sees it; partial deliveries are handled by the caller. */
export function toCpgEvent(ev: Exclude<CpgLibEvent, { kind: 'partial_deliver' }>): CpgEvent {
  switch (ev.kind) {
    case 'deliver':
      return { type: 'deliver', group: eventGroupText(ev.group), groupBytes: plain(ev.group), nodeId: ev.nodeId, pid: ev.pid, data: plain(ev.data) };
    case 'confchg':
      return {
        type: 'confchg', group: groupText(ev.group), groupBytes: plain(ev.group),
        members: members(ev.members), left: changes(ev.left), joined: changes(ev.joined),
      };
    case 'totem_confchg':
      return { type: 'totemConfchg', ringId: { nodeId: ev.ringId.nodeId, seq: ev.ringId.seq }, nodes: [...ev.nodes] };
    case 'flow_control':
      return { type: 'flowControl', state: ev.state };
  }
}

export function toGroupInfo(listing: { group: Uint8Array; members: readonly { nodeId: number; pid: number }[] }): CpgGroupInfo {
  return { group: groupText(listing.group), groupBytes: plain(listing.group), members: members(listing.members) };
}
