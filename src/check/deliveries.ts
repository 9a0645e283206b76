/**
 * Per-delivery properties, judged in one pass over every incarnation's deliveries:
 * no-duplication, no-creation, per-sender FIFO, sender in configuration, and the ordering half
 * of self delivery; then the completeness half of self delivery over every incarnation's sends.
 * Definitions: design.md. Scratch arrays are indexed by message or incarnation number and
 * "stamped" with the current incarnation, so nothing is cleared between incarnations.
 */
import { describe, type Epoch, type HistoryModel, type Incarnation } from './model.js';
import { listSome, type Reporter } from './report.js';

interface Scratch {
  /** Incarnation number + 1 that last delivered the message, and where. */
  readonly seenStamp: Int32Array;
  readonly seenPos: Int32Array;
  /** The ring (epoch ring) every delivery of the message must share, its first deliverer and position. */
  readonly ringOf: Int32Array;
  readonly ringInc: Int32Array;
  readonly ringPos: Int32Array;
  /** 1 once the sender delivered its own message. */
  readonly selfDelivered: Uint8Array;
  /** Per sender incarnation: stamp, last send index delivered, epoch of that delivery, message. */
  readonly fifoStamp: Int32Array;
  readonly fifoIndex: Int32Array;
  readonly fifoEpoch: Int32Array;
  readonly fifoMsg: Int32Array;
  /** Skips across a configuration change, judged once every message's ring is known. */
  readonly gaps: Gap[];
}

/** Incarnation `inc` delivered send #`to` of `sender` in `ring`, skipping sends #`from`..#`to - 1`. */
interface Gap {
  readonly inc: number;
  readonly ring: number;
  readonly pos: number;
  readonly sender: number;
  readonly from: number;
  readonly to: number;
}

function scratch(messages: number, incarnations: number): Scratch {
  return {
    seenStamp: new Int32Array(messages), seenPos: new Int32Array(messages),
    ringOf: new Int32Array(messages).fill(-1), ringInc: new Int32Array(messages), ringPos: new Int32Array(messages),
    selfDelivered: new Uint8Array(messages),
    fifoStamp: new Int32Array(incarnations), fifoIndex: new Int32Array(incarnations),
    fifoEpoch: new Int32Array(incarnations), fifoMsg: new Int32Array(incarnations), gaps: [],
  };
}

interface DeliveryContext {
  readonly model: HistoryModel;
  readonly reporter: Reporter;
  readonly s: Scratch;
  readonly inc: Incarnation;
  readonly epoch: Epoch;
  readonly m: number;
  readonly pos: number;
  readonly inTransitional: boolean;
}

function at(c: DeliveryContext, pos = c.pos): string {
  const t = c.model.histories[c.inc.history]![pos]?.t;
  return `${describe(c.inc)} at record ${pos + 1}${t === undefined ? '' : `, t=${t}`}`;
}

function configText(c: DeliveryContext): string {
  const ring = c.model.rings.ids[c.epoch.ring];
  return c.inTransitional
    ? `the transitional configuration ${c.model.rings.ids[c.epoch.nextTrans] ?? '?'} after regular ${ring}`
    : `regular configuration ${ring}`;
}

export interface DeliveryOptions {
  /** The run has quiesced: an alive process must have delivered everything it sent. */
  readonly quiescent: boolean;
}

export function checkDeliveries(model: HistoryModel, reporter: Reporter, options: DeliveryOptions): void {
  const s = scratch(model.messages.size, model.incarnations.length);
  for (const inc of model.incarnations) {
    let nextOwn = 0;
    for (const epoch of inc.epochs) {
      for (let i = epoch.delivStart; i < epoch.delivEnd; i++) {
        const c: DeliveryContext = {
          model, reporter, s, inc, epoch, m: inc.deliveries[i]!, pos: inc.deliveryPos[i]!, inTransitional: i >= epoch.transStart,
        };
        if (!firstDelivery(c)) continue;
        noCreation(c);
        senderInConfiguration(c);
        fifo(c);
        nextOwn = ownOrder(c, nextOwn);
      }
    }
  }
  fifoGaps(model, reporter, s);
  selfDeliveryCompleteness(model, reporter, s, options);
}

/** No duplication: an incarnation delivers a message id at most once. */
function firstDelivery(c: DeliveryContext): boolean {
  const { s, m } = c;
  const mark = c.inc.index + 1;
  if (s.seenStamp[m] !== mark) {
    s.seenStamp[m] = mark;
    s.seenPos[m] = c.pos;
    return true;
  }
  const id = c.model.messages.ids[m]!;
  c.reporter.add('no-duplication', () => ({
    message: `${at(c)}: delivers ${id} again (first delivered at record ${s.seenPos[m]! + 1})`, nodes: [c.inc.node], ids: [id],
  }));
  return false;
}

/** No creation: the id was sent (a `send` by the incarnation the id names), and not after its own delivery. */
function noCreation(c: DeliveryContext): void {
  const msgs = c.model.messages;
  const m = c.m;
  const sender = msgs.senderInc[m]!;
  const id = msgs.ids[m]!;
  if (sender < 0) {
    const known = c.model.incarnationByKey.has(`${msgs.node[m]}.${msgs.boot[m]}`);
    const why = known ? `node ${msgs.node[m]} (boot ${msgs.boot[m]}) has no send of it` : `no history has an incarnation node ${msgs.node[m]} boot ${msgs.boot[m]}`;
    c.reporter.add('no-creation', () => ({ message: `${at(c)}: delivers ${id}, which was never sent: ${why}`, nodes: [c.inc.node], ids: [id] }));
  } else if (sender === c.inc.index && msgs.sendPos[m]! > c.pos) {
    c.reporter.add('no-creation', () => ({
      message: `${at(c)}: delivers its own ${id} before sending it (send at record ${msgs.sendPos[m]! + 1})`, nodes: [c.inc.node], ids: [id],
    }));
  }
}

/**
 * Sender in configuration: the sender node is a member of the regular configuration the message
 * is delivered in (for the transitional configuration: of the regular one before it); every
 * process delivers the message in the same regular configuration or its transitional one (a
 * message is delivered only in the configuration it was sent in); and the sending incarnation
 * installed that regular configuration and sent the message before leaving it.
 */
function senderInConfiguration(c: DeliveryContext): void {
  const { model, s, m, epoch } = c;
  const msgs = model.messages;
  const id = msgs.ids[m]!;
  const ring = model.rings.ids[epoch.ring]!;
  const senderNode = msgs.node[m]!;
  if (!epoch.members.includes(senderNode)) {
    c.reporter.add('sender-in-configuration', () => ({
      message: `${at(c)}: delivers ${id} in ${configText(c)}, but its sender node ${senderNode} is not a member of ${ring}`,
      nodes: [c.inc.node, senderNode], ids: [id, ring],
    }));
  }
  if (s.ringOf[m] < 0) {
    s.ringOf[m] = epoch.ring;
    s.ringInc[m] = c.inc.index;
    s.ringPos[m] = c.pos;
    senderWasThere(c);
  } else if (s.ringOf[m] !== epoch.ring) {
    const first = model.incarnations[s.ringInc[m]!]!;
    const firstRing = model.rings.ids[s.ringOf[m]!]!;
    c.reporter.add('sender-in-configuration', () => ({
      message: `${at(c)}: delivers ${id} in ${configText(c)}, but ${describe(first)} delivered it in ring ${firstRing} ` +
        `(record ${s.ringPos[m]! + 1}): a message belongs to the one configuration it was sent in`,
      nodes: [c.inc.node, first.node], ids: [id, ring, firstRing],
    }));
  }
}

/** Checked once per message, at its first delivery: the sender was in the ring when it sent. */
function senderWasThere(c: DeliveryContext): void {
  const { model, m, epoch } = c;
  const msgs = model.messages;
  const senderIndex = msgs.senderInc[m]!;
  if (senderIndex < 0) return;
  const sender = model.incarnations[senderIndex]!;
  const id = msgs.ids[m]!;
  const ring = model.rings.ids[epoch.ring]!;
  const e = sender.epochByRing.get(epoch.ring);
  if (e === undefined) {
    c.reporter.add('sender-in-configuration', () => ({
      message: `${at(c)}: delivers ${id} in ${configText(c)}, but the sender ${describe(sender)} never installed ${ring}`,
      nodes: [c.inc.node, sender.node], ids: [id, ring],
    }));
  } else if (msgs.sendPos[m]! > sender.epochs[e]!.endPos) {
    const end = sender.epochs[e]!.endPos;
    c.reporter.add('sender-in-configuration', () => ({
      message: `${at(c)}: delivers ${id} in ${configText(c)}, but the sender ${describe(sender)} sent it at record ` +
        `${msgs.sendPos[m]! + 1}, after leaving ${ring} at record ${end + 1}`,
      nodes: [c.inc.node, sender.node], ids: [id, ring],
    }));
  }
}

/**
 * Per-sender FIFO: an incarnation delivers the messages of one sender incarnation in send order.
 * It may skip one only if the skipped message belongs to another configuration: never within one
 * regular configuration and its transitional configuration, and never a message that anyone
 * delivered in the regular ring the later message is delivered in (judged in `fifoGaps`).
 */
function fifo(c: DeliveryContext): void {
  const { model, s, m } = c;
  const msgs = model.messages;
  const sender = msgs.senderInc[m]!;
  if (sender < 0) return;
  const index = msgs.sendIndex[m]!;
  const mark = c.inc.index + 1;
  const known = s.fifoStamp[sender] === mark;
  const last = known ? s.fifoIndex[sender]! : -1;
  if (known && index < last) {
    const lastId = msgs.ids[s.fifoMsg[sender]!]!;
    const id = msgs.ids[m]!;
    c.reporter.add('fifo', () => ({
      message: `${at(c)}: delivers ${id} after ${lastId}, which its sender sent later`, nodes: [c.inc.node, msgs.node[m]!], ids: [lastId, id],
    }));
    return;
  }
  if (index > last + 1) {
    if (known && s.fifoEpoch[sender] === c.epoch.index) {
      const lastId = msgs.ids[s.fifoMsg[sender]!]!;
      const id = msgs.ids[m]!;
      const skipped = model.incarnations[sender]!.sends.slice(last + 1, index).map((x) => msgs.ids[x]!);
      c.reporter.add('fifo', () => ({
        message: `${at(c)}: delivers ${id} right after ${lastId} within regular configuration ` +
          `${model.rings.ids[c.epoch.ring]}, skipping ${listSome(skipped)} sent in between`,
        nodes: [c.inc.node, msgs.node[m]!], ids: [lastId, id, ...skipped.slice(0, 5)],
      }));
    } else if (!(known === false && c.inc.midRing && c.epoch.index === 0)) {
      // (A process that joined its first ring mid-way starts each sender wherever its join fell.)
      s.gaps.push({ inc: c.inc.index, ring: c.epoch.ring, pos: c.pos, sender, from: last + 1, to: index });
    }
  }
  s.fifoStamp[sender] = mark;
  s.fifoIndex[sender] = index;
  s.fifoEpoch[sender] = c.epoch.index;
  s.fifoMsg[sender] = m;
}

/** A skip across configurations is wrong if a skipped message was delivered in the same ring. */
function fifoGaps(model: HistoryModel, reporter: Reporter, s: Scratch): void {
  const msgs = model.messages;
  for (const gap of s.gaps) {
    const sends = model.incarnations[gap.sender]!.sends;
    const sameRing: string[] = [];
    for (let k = gap.from; k < gap.to; k++) if (s.ringOf[sends[k]!] === gap.ring) sameRing.push(msgs.ids[sends[k]!]!);
    if (sameRing.length === 0) continue;
    const inc = model.incarnations[gap.inc]!;
    const id = msgs.ids[sends[gap.to]!]!;
    const t = model.histories[inc.history]![gap.pos]?.t;
    reporter.add('fifo', () => ({
      message: `${describe(inc)} at record ${gap.pos + 1}${t === undefined ? '' : `, t=${t}`}: delivers ${id} in ring ` +
        `${model.rings.ids[gap.ring]} without ${listSome(sameRing)}, sent before it and delivered by others in the same ring`,
      nodes: [inc.node, model.incarnations[gap.sender]!.node], ids: [id, ...sameRing.slice(0, 5)],
    }));
  }
}

/** Self delivery, ordering half: a process's own deliveries are a prefix of its sends. */
function ownOrder(c: DeliveryContext, nextOwn: number): number {
  const msgs = c.model.messages;
  if (msgs.senderInc[c.m] !== c.inc.index) return nextOwn;
  c.s.selfDelivered[c.m] = 1;
  const index = msgs.sendIndex[c.m]!;
  if (index !== nextOwn && nextOwn < c.inc.sends.length) {
    const expected = msgs.ids[c.inc.sends[nextOwn]!]!;
    const id = msgs.ids[c.m]!;
    c.reporter.add('self-delivery', () => ({
      message: `${at(c)}: delivers its own ${id} (send #${index + 1}) when its next own undelivered message is ${expected} ` +
        `(send #${nextOwn + 1}): a process delivers its own messages in the order it sent them, skipping none`,
      nodes: [c.inc.node], ids: [expected, id],
    }));
  }
  return Math.max(nextOwn, index + 1);
}

/**
 * Self delivery, completeness half: if anyone delivered p's message m in ring R and p installed
 * a regular configuration after R, p delivered m (before leaving R, by the ring rule above); an
 * incarnation that stopped cleanly delivered everything it sent, except what its `stop` record
 * lists as abandoned (the planned-stop drain's promise); and when the run has quiesced, an
 * incarnation still alive has delivered everything it sent.
 */
function selfDeliveryCompleteness(model: HistoryModel, reporter: Reporter, s: Scratch, options: DeliveryOptions): void {
  const msgs = model.messages;
  for (const inc of model.incarnations) {
    const pending: string[] = [];
    const lost: string[] = [];
    const abandoned = new Set(inc.abandoned);
    for (const m of abandoned) {
      if (s.selfDelivered[m] !== 1) continue;
      reporter.add('well-formed', () => ({
        message: `${describe(inc)} lists ${msgs.ids[m]} as abandoned in its stop record, but delivered it`,
        nodes: [inc.node], ids: [msgs.ids[m]!],
      }));
    }
    for (const m of inc.sends) {
      if (s.selfDelivered[m] === 1) continue;
      const ring = s.ringOf[m]!;
      const e = ring >= 0 ? inc.epochByRing.get(ring) : undefined;
      if (e !== undefined && inc.epochs[e]!.hasNextRegular) {
        const other = model.incarnations[s.ringInc[m]!]!;
        const next = inc.epochs[e + 1];
        reporter.add('self-delivery', () => ({
          message: `${describe(inc)} sent ${msgs.ids[m]}, which ${describe(other)} delivered in ring ${model.rings.ids[ring]}, ` +
            `but installed the next regular configuration ${next ? model.rings.ids[next.ring] : '?'} without delivering it`,
          nodes: [inc.node, other.node], ids: [msgs.ids[m]!],
        }));
      } else if (inc.end === 'stop') {
        if (!abandoned.has(m)) lost.push(msgs.ids[m]!);
      } else if (options.quiescent && inc.last && inc.end === 'alive') {
        pending.push(msgs.ids[m]!);
      }
    }
    if (lost.length > 0) {
      reporter.add('self-delivery', () => ({
        message: `${describe(inc)} stopped cleanly without delivering ${lost.length} of its own message(s), ` +
          `not listed as abandoned in its stop record: ${listSome(lost)}`,
        nodes: [inc.node], ids: lost.slice(0, 20),
      }));
    }
    if (pending.length > 0) {
      reporter.add('self-delivery', () => ({
        message: `${describe(inc)} is alive at the end of a quiesced run but never delivered ${pending.length} of its own ` +
          `message(s): ${listSome(pending)}`,
        nodes: [inc.node], ids: pending.slice(0, 20),
      }));
    }
  }
}
