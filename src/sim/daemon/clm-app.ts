/**
 * A simulated CLM tracking client: a process of one simulated daemon that speaks the CLM library
 * protocol (the codecs of the client library) over a SimConnection. It asks for the current view
 * and changes (CURRENT|CHANGES, or CURRENT|CHANGES_ONLY), retries while the daemon has no view yet
 * (SA_AIS_ERR_TRY_AGAIN), and keeps what it learnt: every view number it was told of, with the
 * member set it reconstructs from the notifications, and the records of the members. The checks
 * (checks.ts) compare that with the daemon's table and with the ring configurations it installed.
 */
import { CS_ERROR } from '../../ipc/errors.js';
import {
  SA_TRACK_CHANGES,
  SA_TRACK_CHANGES_ONLY,
  SA_TRACK_CURRENT,
  decodeClmLibAnswer,
  decodeClmLibEvent,
  encodeClmLibRequest,
  type ClmNodeRecord,
  type ClmNotification,
} from '../../protocol/clm-protocol.js';
import type { AppWorld } from './cpg-app.js';
import type { ConnectionClient, SimConnection } from './sim-connection.js';

export type ClmTrackMode = 'changes' | 'changesOnly';

/** One view as the tracker learnt it: its number and the members it holds after the notification. */
export interface TrackedView {
  readonly viewNumber: number;
  readonly members: readonly number[];
}

const TRY_AGAIN_MS = 20;

export class ClmTrackerApp implements ConnectionClient {
  readonly views: TrackedView[] = [];
  /** Inconsistencies seen in the notifications themselves (an item that contradicts the tracker's view). */
  readonly problems: string[] = [];
  #conn: SimConnection | undefined;
  #tracking = false;
  #gone = false;
  readonly #records = new Map<number, ClmNodeRecord>();

  constructor(
    private readonly world: AppWorld,
    readonly node: number,
    readonly pid: number,
    readonly mode: ClmTrackMode,
  ) {}

  /** It holds a view and hears changes (the daemon answered its track request). */
  get tracking(): boolean {
    return this.#tracking && !this.#gone;
  }

  /** The members' records as the notifications left them, in node id order. */
  records(): ClmNodeRecord[] {
    return [...this.#records.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  start(): void {
    this.#conn = this.world.connect(this, this.pid, 'clm');
    this.#ask();
  }

  #ask(): void {
    if (this.#gone) return;
    const flags = SA_TRACK_CURRENT | (this.mode === 'changes' ? SA_TRACK_CHANGES : SA_TRACK_CHANGES_ONLY);
    const { messageId, payload } = encodeClmLibRequest({ kind: 'track', flags });
    this.#conn!.send(messageId, 1, payload);
  }

  onResponse(_requestId: number, code: number, payload: Uint8Array): void {
    if (code !== CS_ERROR.CS_OK) return void this.problems.push(`node ${this.node} tracker ${this.pid}: transport status ${code}`);
    const decoded = decodeClmLibAnswer('track', payload);
    if (!decoded.ok) return void this.problems.push(`node ${this.node} tracker ${this.pid}: undecodable answer ${decoded.error.code}`);
    const answer = decoded.value;
    // No view yet: the daemon's first ring is still forming.
    if (answer.error === 'SA_AIS_ERR_TRY_AGAIN') return this.world.after(TRY_AGAIN_MS, () => this.#ask());
    if (answer.error !== 'SA_AIS_OK' || answer.value.kind !== 'track' || answer.value.view === undefined) {
      return void this.problems.push(`node ${this.node} tracker ${this.pid}: track answered ${answer.error}`);
    }
    const view = answer.value.view;
    for (const item of view.items) {
      if (item.change !== 'NO_CHANGE' || !item.member) this.problems.push(`node ${this.node} tracker ${this.pid}: current view item ${item.node.nodeId} ${item.change}`);
      this.#records.set(item.node.nodeId, item.node);
    }
    this.#tracking = true;
    this.#record(view);
  }

  onEvent(messageId: number, payload: Uint8Array): void {
    const decoded = decodeClmLibEvent(messageId, payload);
    if (!decoded.ok) return void this.problems.push(`node ${this.node} tracker ${this.pid}: undecodable notification ${decoded.error.code}`);
    if (!this.#tracking) return void this.problems.push(`node ${this.node} tracker ${this.pid}: a notification before the answer to its track request`);
    this.#apply(decoded.value);
  }

  onClosed(): void {
    this.#gone = true;
  }

  /** Applies one notification, checking each item against what the tracker held before. */
  #apply(n: ClmNotification): void {
    const who = `node ${this.node} tracker ${this.pid} (${this.mode}) view ${n.viewNumber}`;
    if (n.items.length === 0) this.problems.push(`${who}: a notification with no item`);
    const before = new Map(this.#records);
    const listed = new Set<number>();
    for (const { node, member, change } of n.items) {
      listed.add(node.nodeId);
      const old = before.get(node.nodeId);
      const fits = change === 'JOINED' ? old === undefined && member
        : change === 'LEFT' ? old !== undefined && !member
        : change === 'NO_CHANGE' ? old !== undefined && member && recordText(old) === recordText(node)
        : old !== undefined && member && recordText(old) !== recordText(node);
      if (!fits) this.problems.push(`${who}: ${change} (member ${member}) for node ${node.nodeId}, which it ${old ? 'held' : 'did not hold'}`);
      if (change === 'LEFT') this.#records.delete(node.nodeId);
      else this.#records.set(node.nodeId, node);
      if (change === 'NO_CHANGE' && this.mode === 'changesOnly') this.problems.push(`${who}: NO_CHANGE item under CHANGES_ONLY`);
    }
    // CHANGES lists every member: whoever it held and the notification does not list is an error.
    if (this.mode === 'changes') {
      for (const id of before.keys()) if (!listed.has(id)) this.problems.push(`${who}: member ${id} missing from a CHANGES notification`);
    }
    if (n.numberOfMembers !== this.#records.size) this.problems.push(`${who}: numberOfMembers ${n.numberOfMembers}, it holds ${this.#records.size}`);
    this.#record(n);
  }

  #record(n: ClmNotification): void {
    this.views.push({ viewNumber: n.viewNumber, members: [...this.#records.keys()].sort((a, b) => a - b) });
  }
}

/** A record as one comparable line, whatever the key order of the object it came in. */
export function recordText(r: ClmNodeRecord): string {
  return `${r.nodeId} name=${r.name} ${r.address.family}:${r.address.text} boot=${r.bootTimestamp} initialView=${r.initialViewNumber}`;
}

export function tableText(records: readonly ClmNodeRecord[]): string {
  return records.map(recordText).join('; ');
}
