/**
 * One pass over every history: splits it into incarnations, interns ids, records configurations,
 * sends and deliveries, and judges `well-formed` on the way (see design.md for the rules).
 */
import type { ConfigRecord, DeliverRecord, HistoryRecord, SendRecord, StopRecord } from '../history/records.js';
import type { NodeId } from '../history/ids.js';
import {
  describe, formatMembers, isSubset, MessageTable, RingTable, sortedMembers,
  type Epoch, type HistoryModel, type Incarnation, type Transitional,
} from './model.js';
import type { Reporter } from './report.js';

function isNodeId(v: unknown): v is NodeId {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
}

/**
 * Cheap structural validation of an in-memory record (the simulator hands objects, not text).
 * Id and ring formats are checked once per distinct value, when interned.
 */
function structureProblem(r: HistoryRecord): string | undefined {
  const o = r as unknown as Record<string, unknown>;
  if (typeof o !== 'object' || o === null) return 'not an object';
  if (o['t'] !== undefined && (typeof o['t'] !== 'number' || !Number.isFinite(o['t']))) return '"t" is not a finite number';
  switch (o['ev']) {
    case 'start':
      return isNodeId(o['node']) && typeof o['boot'] === 'string' && /^[^\s:]+$/.test(o['boot'])
        ? undefined : 'start needs a node id and a boot without ":" or whitespace';
    case 'config':
      if (o['kind'] !== 'transitional' && o['kind'] !== 'regular') return 'config kind is not transitional or regular';
      if (typeof o['ring'] !== 'string') return 'config ring is not a string';
      return Array.isArray(o['members']) && o['members'].every(isNodeId) ? undefined : 'config members are not node ids';
    case 'send':
      return typeof o['id'] === 'string' ? undefined : 'send id is not a string';
    case 'deliver':
      return typeof o['id'] === 'string' && isNodeId(o['from']) ? undefined : 'deliver needs a string id and a node id "from"';
    case 'stop':
      return o['abandoned'] === undefined || (Array.isArray(o['abandoned']) && o['abandoned'].every((id) => typeof id === 'string'))
        ? undefined : 'stop abandoned is not an array of ids';
    case 'crash':
      return undefined;
    default:
      return `unknown ev ${JSON.stringify(o['ev'])}`;
  }
}

export interface BuildOptions {
  /**
   * The histories come from an API that reports only regular configurations (CPG's totem
   * confchg). Each regular configuration then stands for its pair: the transitional part is taken
   * to be the members of the previous regular configuration that are also in the new one (just
   * this node for its first), which is what EVS's transitional configuration is; deliveries in
   * the transitional part count with the old configuration's.
   */
  readonly regularOnly?: boolean;
}

export function buildModel(histories: readonly (readonly HistoryRecord[])[], reporter: Reporter, options: BuildOptions = {}): HistoryModel {
  const builder = new ModelBuilder(histories, reporter, options);
  histories.forEach((records, h) => builder.walkHistory(records, h));
  return builder.model;
}

class ModelBuilder {
  readonly model: HistoryModel;
  /** node → ring → incarnation that installed it as a regular configuration. */
  private readonly ringsByNode = new Map<NodeId, Map<number, Incarnation>>();
  /** node → history index, to catch one node's records split over two histories. */
  private readonly historyOfNode = new Map<NodeId, number>();
  private inc: Incarnation | undefined;
  private pendingTrans: Transitional | undefined;

  constructor(histories: readonly (readonly HistoryRecord[])[], private readonly reporter: Reporter, private readonly options: BuildOptions) {
    this.model = {
      histories, incarnations: [], incarnationByKey: new Map(), messages: new MessageTable(), rings: new RingTable(),
      stats: { configs: 0, sends: 0, deliveries: 0 },
    };
  }

  private bad(message: string, nodes?: number[], ids?: string[]): void {
    this.reporter.add('well-formed', () => ({ message, ...(nodes ? { nodes } : {}), ...(ids ? { ids } : {}) }));
  }

  private at(pos: number): string {
    const inc = this.inc!;
    const t = this.model.histories[inc.history]![pos]?.t;
    return `${describe(inc)} at record ${pos + 1}${t === undefined ? '' : `, t=${t}`}`;
  }

  walkHistory(records: readonly HistoryRecord[], h: number): void {
    this.inc = undefined;
    this.pendingTrans = undefined;
    for (let pos = 0; pos < records.length; pos++) {
      const r = records[pos]!;
      const problem = structureProblem(r);
      if (problem !== undefined) {
        this.bad(`history ${h} record ${pos + 1} is malformed: ${problem}`);
        continue;
      }
      if (r.ev === 'start') {
        this.startIncarnation(r.node, r.boot, r.midRing === true, h, pos);
        continue;
      }
      // (Read through a cast: TS would keep the narrowing from the reset above the loop.)
      const inc = this.inc as Incarnation | undefined;
      if (inc === undefined) {
        this.bad(`history ${h} record ${pos + 1} (${r.ev}) comes before any start record`);
        continue;
      }
      if (inc.end !== 'alive') {
        this.bad(`${this.at(pos)}: ${r.ev} after the incarnation ended with ${inc.end}, without a new start`, [inc.node]);
        continue;
      }
      this.onRecord(r, pos);
    }
    this.finishIncarnation(true);
  }

  private onRecord(r: Exclude<HistoryRecord, { ev: 'start' }>, pos: number): void {
    switch (r.ev) {
      case 'config':
        this.model.stats.configs++;
        if (r.kind === 'transitional') this.onTransitional(r, pos);
        else this.onRegular(r, pos);
        return;
      case 'send':
        this.model.stats.sends++;
        this.onSend(r, pos);
        return;
      case 'deliver':
        this.model.stats.deliveries++;
        this.onDeliver(r, pos);
        return;
      case 'stop':
        this.onStop(r, pos);
        return;
      case 'crash':
        this.inc!.end = r.ev;
        return;
    }
  }

  /** A clean stop; the messages it lists as abandoned must be ones this incarnation sent. */
  private onStop(r: StopRecord, pos: number): void {
    const inc = this.inc!;
    inc.end = 'stop';
    const msgs = this.model.messages;
    for (const id of r.abandoned ?? []) {
      const m = msgs.intern(id);
      if (m < 0 || msgs.senderInc[m] !== inc.index) {
        this.bad(`${this.at(pos)}: the stop lists ${JSON.stringify(id)} as abandoned, but this incarnation never sent it`, [inc.node], m < 0 ? [] : [id]);
        continue;
      }
      inc.abandoned.push(m);
    }
  }

  private startIncarnation(node: NodeId, boot: string, midRing: boolean, h: number, pos: number): void {
    const previous = this.inc;
    if (previous !== undefined && previous.end === 'alive') {
      this.bad(`${describe(previous)}: the incarnation has no stop or crash record before the next start ` +
        `(history ${h} record ${pos + 1}); treated as crashed`, [node]);
      previous.end = 'crash';
    }
    this.finishIncarnation(false);
    if (previous !== undefined && previous.node !== node) {
      this.bad(`history ${h} record ${pos + 1}: start of node ${node} in the history of node ${previous.node}`, [previous.node, node]);
    }
    const otherHistory = this.historyOfNode.get(node);
    if (otherHistory !== undefined && otherHistory !== h) {
      this.bad(`node ${node} has incarnations in histories ${otherHistory} and ${h}`, [node]);
    }
    this.historyOfNode.set(node, h);
    const key = `${node}.${boot}`;
    if (this.model.incarnationByKey.has(key)) this.bad(`node ${node} boot ${boot} starts twice (history ${h} record ${pos + 1}): boots must be unique`, [node]);
    const inc: Incarnation = {
      index: this.model.incarnations.length, history: h, node, boot, midRing, startPos: pos, end: 'alive', last: false,
      epochs: [], epochByRing: new Map(), transitionals: [], deliveries: [], deliveryPos: [], sends: [], sendPos: [], abandoned: [],
    };
    this.model.incarnations.push(inc);
    if (!this.model.incarnationByKey.has(key)) this.model.incarnationByKey.set(key, inc);
    this.inc = inc;
    this.pendingTrans = undefined;
  }

  private finishIncarnation(last: boolean): void {
    const inc = this.inc;
    if (inc === undefined) return;
    inc.last = last;
    const epoch = inc.epochs[inc.epochs.length - 1];
    if (epoch !== undefined) closeEpoch(epoch, inc.deliveries.length);
  }

  /** Members sorted; reports duplicates and a configuration without the node itself. */
  private members(r: ConfigRecord, ringText: string, pos: number): NodeId[] {
    const inc = this.inc!;
    const sorted = sortedMembers(r.members);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] === sorted[i - 1]) this.bad(`${this.at(pos)}: ${r.kind} configuration ${ringText} lists node ${sorted[i]} twice`, [inc.node], [ringText]);
    }
    const unique = sorted.filter((x, i) => i === 0 || x !== sorted[i - 1]);
    if (!unique.includes(inc.node)) {
      this.bad(`${this.at(pos)}: ${r.kind} configuration ${ringText} ${formatMembers(unique)} does not include the node itself`, [inc.node], [ringText]);
    }
    return unique;
  }

  private ring(r: ConfigRecord, pos: number): number {
    const ring = this.model.rings.intern(r.ring);
    if (ring < 0) this.bad(`${this.at(pos)}: ${r.kind} configuration has a malformed ring id ${JSON.stringify(r.ring)}`, [this.inc!.node]);
    return ring;
  }

  private onTransitional(r: ConfigRecord, pos: number): void {
    const inc = this.inc!;
    const ring = this.ring(r, pos);
    if (ring < 0) return;
    const members = this.members(r, r.ring, pos);
    const pending = this.pendingTrans;
    if (pending !== undefined) {
      this.bad(`${this.at(pos)}: transitional configuration ${r.ring} follows transitional configuration ` +
        `${this.model.rings.ids[pending.ring]} without its regular configuration`, [inc.node], [r.ring]);
    }
    const epoch = inc.epochs[inc.epochs.length - 1];
    if (epoch === undefined) {
      // A new process comes from no ring: its first configuration pair moves on with nobody.
      if (members.length !== 1 || members[0] !== inc.node) {
        this.bad(`${this.at(pos)}: first transitional configuration ${r.ring} is ${formatMembers(members)}; ` +
          `a new process moves on from no ring, so it must be just [${inc.node}]`, [inc.node], [r.ring]);
      }
    } else {
      if (!isSubset(members, epoch.members)) {
        this.bad(`${this.at(pos)}: transitional configuration ${r.ring} ${formatMembers(members)} is not a subset of ` +
          `the previous regular configuration ${this.model.rings.ids[epoch.ring]} ${formatMembers(epoch.members)}`, [inc.node], [r.ring]);
      }
      if (epoch.nextTrans < 0 && epoch.endPos === Infinity) {
        epoch.endPos = pos;
        epoch.nextTrans = ring;
        epoch.transStart = inc.deliveries.length;
      }
    }
    const trans: Transitional = {
      ring, prevRing: epoch?.ring ?? -1, members, memberKey: members.join(','), pos, inc: inc.index,
    };
    inc.transitionals.push(trans);
    this.pendingTrans = trans;
  }

  private onRegular(r: ConfigRecord, pos: number): void {
    const inc = this.inc!;
    if (this.options.regularOnly && this.pendingTrans === undefined) this.onTransitional(this.impliedTransitional(r), pos);
    const ring = this.ring(r, pos);
    if (ring < 0) return;
    const members = this.members(r, r.ring, pos);
    this.checkPair(r, ring, members, pos);
    const rings = this.model.rings;
    if (!members.includes(rings.rep[ring]!)) {
      this.bad(`${this.at(pos)}: regular configuration ${r.ring} ${formatMembers(members)} does not include its representative ${rings.rep[ring]}`, [inc.node], [r.ring]);
    }
    const prev = inc.epochs[inc.epochs.length - 1];
    if (prev !== undefined) {
      if (rings.seq[ring]! <= rings.seq[prev.ring]!) {
        this.bad(`${this.at(pos)}: regular configuration ${r.ring} does not increase the ring sequence after ` +
          `${rings.ids[prev.ring]}`, [inc.node], [rings.ids[prev.ring]!, r.ring]);
      }
      if (prev.endPos === Infinity) prev.endPos = pos;
      prev.hasNextRegular = true;
      prev.transCompleted = prev.nextTrans === ring && this.pendingTrans?.ring === ring;
      closeEpoch(prev, inc.deliveries.length);
    }
    this.noteRingUse(ring, pos);
    const epoch: Epoch = {
      index: inc.epochs.length, ring, members, memberKey: members.join(','), pos, prevRing: prev?.ring ?? -1,
      endPos: Infinity, nextTrans: -1, transCompleted: false, hasNextRegular: false,
      delivStart: inc.deliveries.length, transStart: -1, delivEnd: -1,
    };
    inc.epochs.push(epoch);
    if (!inc.epochByRing.has(ring)) inc.epochByRing.set(ring, epoch.index);
    this.pendingTrans = undefined;
  }

  /** BuildOptions.regularOnly: the transitional configuration a regular one implies. */
  private impliedTransitional(r: ConfigRecord): ConfigRecord {
    const inc = this.inc!;
    const epoch = inc.epochs[inc.epochs.length - 1];
    const next = new Set(r.members);
    const members = epoch === undefined ? [inc.node] : epoch.members.filter((m) => next.has(m));
    return { ...r, kind: 'transitional', members };
  }

  /** Every regular configuration is preceded by a transitional one of the same ring (history.md). */
  private checkPair(r: ConfigRecord, ring: number, members: NodeId[], pos: number): void {
    const inc = this.inc!;
    const pending = this.pendingTrans;
    if (pending === undefined) {
      this.bad(`${this.at(pos)}: regular configuration ${r.ring} is not preceded by its transitional configuration`, [inc.node], [r.ring]);
    } else if (pending.ring !== ring) {
      this.bad(`${this.at(pos)}: regular configuration ${r.ring} follows the transitional configuration of another ring, ` +
        `${this.model.rings.ids[pending.ring]}`, [inc.node], [r.ring]);
    } else if (!isSubset(pending.members, members)) {
      this.bad(`${this.at(pos)}: transitional configuration ${r.ring} ${formatMembers(pending.members)} is not a subset of ` +
        `its regular configuration ${formatMembers(members)}`, [inc.node], [r.ring]);
    }
  }

  /** A ring id names one configuration: no node installs it in two incarnations. */
  private noteRingUse(ring: number, pos: number): void {
    const inc = this.inc!;
    let rings = this.ringsByNode.get(inc.node);
    if (rings === undefined) this.ringsByNode.set(inc.node, (rings = new Map()));
    const earlier = rings.get(ring);
    if (earlier !== undefined && earlier !== inc) {
      this.bad(`${this.at(pos)}: regular configuration ${this.model.rings.ids[ring]} was already installed by ` +
        `an earlier incarnation, ${describe(earlier)}: a restarted node must not reuse a ring id`, [inc.node], [this.model.rings.ids[ring]!]);
    } else if (earlier === undefined) {
      rings.set(ring, inc);
    }
  }

  private onSend(r: SendRecord, pos: number): void {
    const inc = this.inc!;
    const msgs = this.model.messages;
    const m = msgs.intern(r.id);
    if (m < 0) {
      this.bad(`${this.at(pos)}: send of malformed id ${JSON.stringify(r.id)}`, [inc.node]);
      return;
    }
    if (msgs.node[m] !== inc.node || msgs.boot[m] !== inc.boot) {
      this.bad(`${this.at(pos)}: sends ${r.id}, whose id names another process (expected prefix ${inc.node}.${inc.boot}:)`, [inc.node], [r.id]);
      return;
    }
    if (msgs.senderInc[m] !== -1) {
      this.bad(`${this.at(pos)}: sends ${r.id} a second time`, [inc.node], [r.id]);
      return;
    }
    const expected = inc.sends.length + 1;
    if (msgs.counter[m] !== expected) {
      this.bad(`${this.at(pos)}: send ${r.id} has counter ${msgs.counter[m]}, expected ${expected} (counters run from 1, one per message)`, [inc.node], [r.id]);
    }
    msgs.senderInc[m] = inc.index;
    msgs.sendPos[m] = pos;
    msgs.sendIndex[m] = inc.sends.length;
    inc.sends.push(m);
    inc.sendPos.push(pos);
  }

  private onDeliver(r: DeliverRecord, pos: number): void {
    const inc = this.inc!;
    const m = this.model.messages.intern(r.id);
    if (m < 0) {
      this.bad(`${this.at(pos)}: delivery of malformed id ${JSON.stringify(r.id)}`, [inc.node]);
      return;
    }
    if (inc.epochs.length === 0) {
      this.bad(`${this.at(pos)}: delivers ${r.id} before its first regular configuration`, [inc.node], [r.id]);
      return;
    }
    const idNode = this.model.messages.node[m]!;
    if (r.from !== idNode) {
      this.reporter.add('no-creation', () => ({
        message: `${this.at(pos)}: delivers ${r.id} with from=${r.from}, but the id names sender node ${idNode}`,
        nodes: [inc.node, r.from, idNode], ids: [r.id],
      }));
    }
    inc.deliveries.push(m);
    inc.deliveryPos.push(pos);
  }
}

function closeEpoch(epoch: Epoch, deliveriesEnd: number): void {
  if (epoch.delivEnd >= 0) return;
  epoch.delivEnd = deliveriesEnd;
  if (epoch.transStart < 0) epoch.transStart = deliveriesEnd;
}
