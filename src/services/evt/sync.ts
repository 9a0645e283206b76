/**
 * The EVT service's sync step (after every configuration change, before any new ordinary message
 * is applied), as the executive runs it: init on every node, process until this node's
 * announcements are all on the ring, a barrier, activate once every member's barrier arrived
 * (so every announcement was applied everywhere, in the same order).
 *
 * Announcements (messages.ts):
 * - syncIds, by every node: the highest msgId it has applied from each node, so a member that
 *   restarted continues above what the others have seen (OpenAIS's EVT_SET_ID_OP);
 * - syncChannel, by every node for each instance it has local opens on (closes still in flight
 *   count), and by a recovery node for every instance it knows;
 * - syncTombs and syncEvent, by recovery nodes only: the unlinked ids, the cleared event ids and
 *   every retained event with its remaining retention.
 * A recovery node speaks for its former partition: the smallest node id among the members that
 * shared this node's last activated configuration and came along into this one (they applied the
 * same messages, so they hold the same table). OpenAIS picked the oldest node by boot time through
 * CLM; node ids need no other service.
 *
 * At activation every node installs the table merge.ts computes, and delivers to its existing
 * subscribers the retained events it had never seen (the other side's), exactly once.
 */
import type { NodeId } from '../../totem/wire/types.js';
import { instanceKey, parseInstanceKey, type EvtExecMessage } from './messages.js';
import { planMerge, type Gathered } from './merge.js';
import type { EvtService } from './service.js';
import type { Retained } from './table.js';

const MS_PER_NS = 1_000_000n;
/** Tombstones per syncTombs message (each list), to stay far below the ring's message bound. */
const TOMBS_PER_MESSAGE = 2048;

interface Round {
  readonly ring: string;
  readonly members: readonly NodeId[];
  readonly recovery: boolean;
  sends: EvtExecMessage[] | undefined;
  readonly gathered: { channels: Gathered['channels']; tombs: Gathered['tombs']; events: Gathered['events'] };
}

export interface EvtSyncStats {
  rounds: number;
  activations: number;
  aborts: number;
  recoveryRounds: number;
}

export class EvtSync {
  readonly stats: EvtSyncStats = { rounds: 0, activations: 0, aborts: 0, recoveryRounds: 0 };
  /** Members of the last activated configuration (the nodes whose table equals ours). */
  #lastMembers: readonly NodeId[] = [];
  #round: Round | undefined;

  constructor(private readonly svc: EvtService) {}

  get members(): readonly NodeId[] {
    return this.#lastMembers;
  }

  init(members: readonly NodeId[], transitional: readonly NodeId[], ring: string): void {
    const me = this.svc.localNodeId;
    const last = new Set(this.#lastMembers);
    const side = transitional.filter((n) => last.has(n));
    const recovery = Math.min(me, ...side) === me;
    this.#round = { ring, members: [...members], recovery, sends: undefined, gathered: { channels: [], tombs: [], events: [] } };
    this.stats.rounds++;
    if (recovery) this.stats.recoveryRounds++;
  }

  process(): boolean {
    const round = this.#round;
    if (round === undefined) return true;
    round.sends ??= this.#announcements(round);
    while (round.sends.length > 0) {
      const sent = this.svc.sendSync(round.sends[0]!);
      // A full ring: the executive calls process() again later.
      if (!sent.ok && sent.code === 'CS_ERR_TRY_AGAIN') return false;
      round.sends.shift();
    }
    return true;
  }

  gather(m: EvtExecMessage, from: number): void {
    const round = this.#round;
    if (round === undefined) return;
    switch (m.kind) {
      case 'syncIds':
        for (const e of m.entries) if (e.node === this.svc.localNodeId) this.svc.raiseCounter(e.msgId);
        return;
      case 'syncChannel':
        round.gathered.channels.push({ from, msg: m });
        return;
      case 'syncTombs':
        round.gathered.tombs.push(m);
        return;
      case 'syncEvent':
        round.gathered.events.push({ from, msg: m });
        return;
      default:
        return;
    }
  }

  abort(): void {
    if (this.#round !== undefined) this.stats.aborts++;
    this.#round = undefined;
  }

  #announcements(round: Round): EvtExecMessage[] {
    const svc = this.svc;
    const out: EvtExecMessage[] = [];
    const entries = [...svc.hw].filter(([node]) => round.members.includes(node)).map(([node, msgId]) => ({ node, msgId }));
    out.push({ kind: 'syncIds', entries });
    const localOpens = new Map<string, number>();
    for (const c of svc.localConns()) for (const o of c.opens.values()) localOpens.set(o.instance, (localOpens.get(o.instance) ?? 0) + 1);
    for (const [id, n] of svc.closing) {
      const key = svc.table.get(id)?.key;
      if (key !== undefined) localOpens.set(key, (localOpens.get(key) ?? 0) + n);
    }
    for (const inst of svc.table.instances()) {
      const mine = localOpens.get(inst.key) ?? 0;
      if (mine === 0 && !round.recovery) continue;
      out.push({ kind: 'syncChannel', name: inst.name, unlinked: inst.unlinked, localOpens: mine, ids: inst.ids.map(parseInstanceKey) });
    }
    if (!round.recovery) return out;
    const now = svc.clock.nowMs();
    svc.table.pruneClearTombs(now);
    const unlinked = [...svc.table.unlinkTombs].map(parseInstanceKey);
    const cleared = [...svc.table.clearTombs].map(([eventId, until]) => ({ eventId, remainingNs: BigInt(Math.round(Math.max(0, until - now) * 1e6)) }));
    for (let i = 0; i === 0 || i < Math.max(unlinked.length, cleared.length); i += TOMBS_PER_MESSAGE) {
      out.push({ kind: 'syncTombs', unlinked: unlinked.slice(i, i + TOMBS_PER_MESSAGE), cleared: cleared.slice(i, i + TOMBS_PER_MESSAGE) });
    }
    for (const inst of svc.table.instances()) {
      for (const r of inst.retained.values()) {
        const remainingMs = r.expiresAtMs - now;
        if (remainingMs <= 0) continue;
        out.push({ ...r.body, kind: 'syncEvent', instance: parseInstanceKey(inst.key), publisherNode: r.publisherNode, remainingNs: BigInt(Math.round(remainingMs * 1e6)) });
      }
    }
    return out;
  }

  activate(): void {
    const round = this.#round;
    this.#round = undefined;
    if (round === undefined) return;
    this.stats.activations++;
    const svc = this.svc;
    const plan = planMerge(round.gathered);
    svc.stats.tombstoneDrops += plan.droppedByTombstone;
    const now = svc.clock.nowMs();

    // What this node held before, to keep delivered sets and to tell new events from known ones.
    const before = new Map<string, Retained>();
    for (const inst of svc.table.instances()) for (const r of inst.retained.values()) before.set(`${r.body.eventId}`, r);
    const oldKeyOf = new Map<string, string>();
    for (const inst of svc.table.instances()) for (const id of inst.ids) oldKeyOf.set(id, inst.key);

    svc.cancelAllTimers();
    svc.table.clear();
    for (const p of plan.instances) {
      const inst = svc.table.add(p.name, p.ids, p.unlinked);
      for (const [node, n] of p.opens) inst.opens.set(node, n);
    }
    for (const id of plan.unlinked) if (!svc.table.unlinkTombs.has(id)) svc.table.unlinkTombs.add(id);
    for (const [eventId, remainingNs] of plan.cleared) {
      const until = now + Number(remainingNs / MS_PER_NS);
      if (until > now && !svc.table.clearTombs.has(eventId)) svc.table.tombClear(eventId, until);
    }

    // Local opens and pending closes follow their instance into the merged table.
    for (const c of svc.localConns()) {
      for (const o of c.opens.values()) {
        const inst = svc.table.get(o.instance);
        if (inst !== undefined) o.instance = inst.key;
      }
    }

    const fresh: { inst: ReturnType<typeof svc.table.get>; r: Retained }[] = [];
    for (const e of plan.events) {
      const inst = svc.table.get(e.instance)!;
      const old = before.get(`${e.msg.eventId}`);
      const kept = old !== undefined && oldKeyOf.get(old.instance) !== undefined && inst.ids.includes(old.instance) ? old.delivered : undefined;
      const r = svc.retain(inst, e.msg, e.msg.publisherNode, e.remainingNs, kept);
      if (old === undefined && !this.#seen(e.msg.publisherNode, e.msg.msgId)) fresh.push({ inst, r });
    }
    // The other side's retained events reach this side's existing subscribers, once.
    for (const { inst, r } of fresh) {
      let above = svc.recoveredAbove.get(r.publisherNode);
      if (above === undefined) svc.recoveredAbove.set(r.publisherNode, (above = new Set()));
      above.add(r.body.msgId);
      svc.stats.recoveredDelivered += svc.deliver(inst!, r.body, r.publisherNode, r);
    }
    this.#lastMembers = round.members;
    svc.activated(round.ring);
  }

  #seen(publisher: number, msgId: bigint): boolean {
    const hw = this.svc.hw.get(publisher);
    return (hw !== undefined && msgId <= hw) || (this.svc.recoveredAbove.get(publisher)?.has(msgId) ?? false);
  }
}

export { instanceKey };
