/**
 * Turns raw histories into an indexed model the property checks share: incarnations (one per
 * `start`, each a separate process), their configurations, and interned message and ring ids
 * (small integers, so the checks run over typed arrays instead of strings). The `well-formed`
 * property is judged here, while the records are walked once; a malformed record is reported
 * and left out of the model so the other checks see only what they can interpret.
 */
import { parseMessageId, parseRingId, type NodeId } from '../history/ids.js';
import type { HistoryRecord } from '../history/records.js';

/** One regular configuration as installed by one incarnation, and what followed it there. */
export interface Epoch {
  readonly index: number;
  readonly ring: number;
  /** Sorted, duplicate-free. */
  readonly members: readonly NodeId[];
  readonly memberKey: string;
  /** Record position of the regular `config` record. */
  readonly pos: number;
  /** Ring of the previous regular configuration of this incarnation, -1 for the first. */
  readonly prevRing: number;
  /** Position of the first `config` record after this one (the end of the epoch), or Infinity. */
  endPos: number;
  /** Ring of the transitional configuration that ended this one, -1 if none was installed. */
  nextTrans: number;
  /** The regular configuration of `nextTrans` followed (the transitional one is complete). */
  transCompleted: boolean;
  /** The incarnation installed a later regular configuration. */
  hasNextRegular: boolean;
  /** Slices of the incarnation's deliveries: [delivStart, transStart) regular, [transStart, delivEnd) transitional. */
  readonly delivStart: number;
  transStart: number;
  delivEnd: number;
}

export interface Transitional {
  readonly ring: number;
  /** Regular ring the incarnation came from; -1 for its first configuration. */
  readonly prevRing: number;
  readonly members: readonly NodeId[];
  readonly memberKey: string;
  readonly pos: number;
  readonly inc: number;
}

export type IncarnationEnd = 'stop' | 'crash' | 'alive';

export interface Incarnation {
  readonly index: number;
  /** Index of the history (input array) it is in. */
  readonly history: number;
  readonly node: NodeId;
  readonly boot: string;
  /** Its first configuration is a ring it joined mid-way (history `start` with `midRing`). */
  readonly midRing: boolean;
  readonly startPos: number;
  end: IncarnationEnd;
  /** The last incarnation of its history: if `end` is 'alive', it was alive when read. */
  last: boolean;
  readonly epochs: Epoch[];
  readonly epochByRing: Map<number, number>;
  readonly transitionals: Transitional[];
  /** Message numbers in delivery order (duplicates kept), and the record position of each. */
  readonly deliveries: number[];
  readonly deliveryPos: number[];
  /** Message numbers in send order, and the record position of each. */
  readonly sends: number[];
  readonly sendPos: number[];
  /** Message numbers its `stop` record lists as abandoned (sent by it, given up by its drain). */
  readonly abandoned: number[];
}

/** Interned message ids. Sender fields come from the `send` record; -1 when none was seen. */
export class MessageTable {
  readonly ids: string[] = [];
  readonly node: number[] = [];
  readonly boot: string[] = [];
  readonly counter: number[] = [];
  readonly senderInc: number[] = [];
  readonly sendPos: number[] = [];
  readonly sendIndex: number[] = [];
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  /** The message's number, or -1 if the id is malformed. */
  intern(id: string): number {
    const known = this.index.get(id);
    if (known !== undefined) return known;
    const parsed = parseMessageId(id);
    if (!parsed) {
      this.index.set(id, -1);
      return -1;
    }
    const m = this.ids.length;
    this.index.set(id, m);
    this.ids.push(id);
    this.node.push(parsed.node);
    this.boot.push(parsed.boot);
    this.counter.push(parsed.counter);
    this.senderInc.push(-1);
    this.sendPos.push(-1);
    this.sendIndex.push(-1);
    return m;
  }
}

/** Interned ring ids. */
export class RingTable {
  readonly ids: string[] = [];
  readonly rep: number[] = [];
  readonly seq: number[] = [];
  private readonly index = new Map<string, number>();

  /** The ring's number, or -1 if the text is not a ring id. */
  intern(id: string): number {
    const known = this.index.get(id);
    if (known !== undefined) return known;
    const parsed = parseRingId(id);
    const r = parsed ? this.ids.length : -1;
    this.index.set(id, r);
    if (parsed) {
      this.ids.push(id);
      this.rep.push(parsed.rep);
      this.seq.push(parsed.seq);
    }
    return r;
  }
}

export interface HistoryModel {
  readonly histories: readonly (readonly HistoryRecord[])[];
  readonly incarnations: Incarnation[];
  /** `<node>.<boot>` → its (first) incarnation. */
  readonly incarnationByKey: Map<string, Incarnation>;
  readonly messages: MessageTable;
  readonly rings: RingTable;
  readonly stats: { configs: number; sends: number; deliveries: number };
}

export function describe(inc: Incarnation): string {
  return `node ${inc.node} (boot ${inc.boot})`;
}

/** "record 12, t=340" for a position in the incarnation's history (records are 1-based, like lines). */
export function where(model: HistoryModel, inc: Incarnation, pos: number): string {
  const t = model.histories[inc.history]![pos]?.t;
  return t === undefined ? `record ${pos + 1}` : `record ${pos + 1}, t=${t}`;
}

export function formatMembers(members: readonly NodeId[]): string {
  return `[${members.join(',')}]`;
}

export function sortedMembers(members: readonly NodeId[]): NodeId[] {
  return [...members].sort((a, b) => a - b);
}

/** `sub` ⊆ `sup`, both sorted. */
export function isSubset(sub: readonly NodeId[], sup: readonly NodeId[]): boolean {
  let j = 0;
  for (const x of sub) {
    while (j < sup.length && sup[j]! < x) j++;
    if (j === sup.length || sup[j] !== x) return false;
  }
  return true;
}
