/**
 * Public types of the CLM handle (clm.ts) and their mapping from the library protocol. Field names
 * are those `ringcast clm` prints with --json (a stable interface), so an application and a tool
 * read the same words.
 */
import type { ClmChange, ClmNodeRecord, ClmNotification } from '../protocol/clm-protocol.js';
import { CS_ERROR } from '../ipc/errors.js';
import { SaAisError, saStatusName, type SaAisErrorName } from '../protocol/sa-errors.js';
import { RingcastError } from './errors.js';

export type { ClmChange } from '../protocol/clm-protocol.js';

/** SaClmClusterNodeT. */
export interface ClmNode {
  readonly nodeId: number;
  /** The nodelist `name`, else the address text. */
  readonly name: string;
  /** The node's ring0_addr as its nodelist gives it. */
  readonly address: string;
  readonly addressFamily: 'inet' | 'inet6';
  /** true for members of the view; false only in a LEFT item. */
  readonly member: boolean;
  /** The node's OS boot time, nanoseconds since the epoch. */
  readonly bootTimestamp: bigint;
  /** The view number of the first configuration the node's daemon installed. */
  readonly initialViewNumber: number;
}

/** The current membership (`ringcast clm nodes`): every member, in node id order. */
export interface ClmView {
  readonly viewNumber: number;
  readonly nodes: readonly ClmNode[];
}

export interface ClmNotificationItem extends ClmNode {
  readonly change: ClmChange;
}

/** One track notification (saClmClusterTrackCallback). */
export interface ClmTrackNotification {
  readonly viewNumber: number;
  /** Members of the view (items with member true). */
  readonly numberOfMembers: number;
  /** CHANGES: every member (NO_CHANGE/JOINED/RECONFIGURED) then the LEFT nodes; CHANGES_ONLY: the changed nodes only. */
  readonly items: readonly ClmNotificationItem[];
  /**
   * Present and true on the first notification after the handle reconnected to a restarted (or
   * unreachable) daemon: the current view, all NO_CHANGE, whatever the mode; changes in between
   * were not seen.
   */
  readonly reconnected?: true;
}

export function toClmNode(record: ClmNodeRecord, member: boolean): ClmNode {
  return {
    nodeId: record.nodeId,
    name: record.name,
    address: record.address.text,
    addressFamily: record.address.family,
    member,
    bootTimestamp: record.bootTimestamp,
    initialViewNumber: record.initialViewNumber,
  };
}

export function toTrackNotification(n: ClmNotification, reconnected = false): ClmTrackNotification {
  return {
    viewNumber: n.viewNumber,
    numberOfMembers: n.numberOfMembers,
    items: n.items.map((i) => ({ ...toClmNode(i.node, i.member), change: i.change })),
    ...(reconnected ? { reconnected: true as const } : {}),
  };
}

/**
 * A transport failure as an SA error: cs_error_t and SaAisErrorT share their values, so
 * CS_ERR_LIBRARY becomes SA_AIS_ERR_LIBRARY; reason and cause stay.
 */
export function toSaError(err: unknown, what: string): SaAisError {
  if (err instanceof SaAisError) return err;
  if (err instanceof RingcastError) {
    if (err.code === 'ABORT_ERR') return new SaAisError('ABORT_ERR', `${what}: the operation was aborted`, { cause: err });
    const name = saStatusName(CS_ERROR[err.code]);
    const code: SaAisErrorName = name === undefined || name === 'SA_AIS_OK' ? 'SA_AIS_ERR_LIBRARY' : name;
    return new SaAisError(code, `${what}: ${err.message}`, { reason: err.reason, cause: err });
  }
  return new SaAisError('SA_AIS_ERR_LIBRARY', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

export function abortedError(what: string, signal: AbortSignal | undefined): SaAisError {
  return new SaAisError('ABORT_ERR', `${what}: the operation was aborted`, { cause: signal?.reason });
}
