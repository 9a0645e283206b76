/**
 * votequorum's arithmetic, as Corosync 3.1.7 does it (exec/votequorum.c; our reading in
 * shared/design/corosync-ops.md section 1): who is a member with how many votes, the expected
 * votes, the quorum threshold, and the special rules (two_node, wait_for_all, last_man_standing,
 * auto_tie_breaker, allow_downscale). A pure state machine: the service feeds it the sync steps
 * and the exec messages in agreed order and carries out what it returns (notifications, the
 * last-man-standing timer); no clock, no I/O.
 *
 * Node states and flags keep Corosync's values: they travel in NODEINFO messages that Corosync
 * nodes read in a mixed ring.
 */

export const NodeState = { member: 1, dead: 2, leaving: 3 } as const;
export type NodeStateValue = (typeof NodeState)[keyof typeof NodeState];

/** NODEINFO flags (exec/votequorum.c). */
export const NodeFlag = { quorate: 1, leaving: 2, wfaStatus: 4, first: 8 } as const;

export type TieBreaker = { readonly kind: 'none' } | { readonly kind: 'lowest' } | { readonly kind: 'highest' } | { readonly kind: 'list'; readonly nodes: readonly number[] };

export interface VotequorumConfig {
  /** This node's votes (nodelist quorum_votes, default 1). */
  readonly votes: number;
  /** quorum.expected_votes, or the sum of the nodelist's votes when that is not set. */
  readonly expectedVotes: number;
  readonly twoNode: boolean;
  readonly waitForAll: boolean;
  readonly lastManStanding: boolean;
  readonly lastManStandingWindowMs: number;
  readonly autoTieBreaker: TieBreaker;
  readonly allowDownscale: boolean;
  /**
   * quorum.expected_votes_tracking (Corosync's EVT; allow_downscale turns it on too): the highest
   * expected votes ever seen are kept on disk (QuorumStateOptions.storedEvBarrier, effect
   * 'ev-tracking') and win over the configured expected votes at the next start.
   */
  readonly expectedVotesTracking?: boolean;
  /**
   * The nodelist's vote sum when it differs from `expectedVotes` (quorum.expected_votes set).
   * With tracking on, Corosync replaces quorum.expected_votes by the stored barrier even when
   * that is 0 (nothing stored yet): the nodelist sum applies then. Default: expectedVotes.
   */
  readonly nodelistExpectedVotes?: number;
}

export interface QuorumStateOptions {
  /** The expected-votes barrier read from disk at start (0: none yet); used with tracking on. */
  readonly storedEvBarrier?: number;
}

export interface QuorumNode {
  readonly nodeId: number;
  state: NodeStateValue;
  votes: number;
  expectedVotes: number;
  flags: number;
}

/** What one NODEINFO message says about a node. */
export interface NodeInfo {
  readonly nodeId: number;
  readonly votes: number;
  readonly expectedVotes: number;
  readonly flags: number;
}

/** What the service must do after a step. */
export type QuorumEffect =
  | { readonly kind: 'quorum'; readonly quorate: boolean }
  | { readonly kind: 'expected-votes'; readonly expectedVotes: number }
  | { readonly kind: 'arm-lms'; readonly afterMs: number }
  | { readonly kind: 'cancel-lms' }
  /** Expected-votes tracking: store this barrier (Corosync writes `<state_dir>/ev_tracking`). */
  | { readonly kind: 'ev-tracking'; readonly barrier: number };

export class QuorumState {
  /** Every node ever heard of, by id: Corosync never forgets one. */
  readonly nodes = new Map<number, QuorumNode>();
  quorum = 0;
  quorate = false;
  waitForAllStatus: boolean;
  evBarrier: number;
  members: readonly number[] = [];
  previousMembers: readonly number[] = [];
  lowestNodeId = 0;
  highestNodeId = 0;
  /** With expected-votes tracking: the highest expected votes ever seen here (persisted). */
  evTrackingBarrier = 0;
  readonly evTracking: boolean;
  private inSync = false;
  private readonly me: QuorumNode;
  private lastManStandingOn: boolean;

  constructor(readonly nodeId: number, readonly config: VotequorumConfig, options: QuorumStateOptions = {}) {
    // allow_downscale requires tracking (votequorum_readconfig).
    this.evTracking = config.expectedVotesTracking === true || config.allowDownscale;
    let expectedVotes = config.expectedVotes;
    if (this.evTracking) {
      this.evTrackingBarrier = options.storedEvBarrier ?? 0;
      // The stored barrier stands in for quorum.expected_votes, even when it is 0.
      expectedVotes = this.evTrackingBarrier > 0 ? this.evTrackingBarrier : (config.nodelistExpectedVotes ?? config.expectedVotes);
    }
    this.me = { nodeId, state: NodeState.member, votes: config.votes, expectedVotes, flags: NodeFlag.first };
    this.nodes.set(nodeId, this.me);
    this.waitForAllStatus = config.waitForAll;
    this.evBarrier = expectedVotes;
    this.lastManStandingOn = config.lastManStanding;
    if (config.waitForAll) this.me.flags |= NodeFlag.wfaStatus;
  }

  get expectedVotes(): number {
    return this.me.expectedVotes;
  }

  /** The highest expected votes among members (what `corosync-quorumtool` calls Highest expected). */
  get highestExpected(): number {
    let highest = 0;
    for (const n of this.nodes.values()) if (n.state === NodeState.member) highest = Math.max(highest, n.expectedVotes);
    return highest;
  }

  get totalVotes(): number {
    let total = 0;
    for (const n of this.nodes.values()) if (n.state === NodeState.member) total += n.votes;
    return total;
  }

  /** This node's NODEINFO, as sent in every sync and after a change of its own votes. */
  ownInfo(): NodeInfo {
    return { nodeId: this.nodeId, votes: this.me.votes, expectedVotes: this.me.expectedVotes, flags: this.me.flags };
  }

  /**
   * A clean stop with allow_downscale (votequorum_exec_exit_fn): this node's NODEINFO from now on
   * carries LEAVING, so the others take its votes out and shrink their expected votes.
   */
  leave(): NodeInfo {
    this.me.flags |= NodeFlag.leaving;
    return this.ownInfo();
  }

  /** sync_init: a new configuration; members no longer present are dead. */
  syncInit(members: readonly number[]): QuorumEffect[] {
    const effects: QuorumEffect[] = [];
    this.inSync = true;
    if (members.length > 1) this.me.flags &= ~NodeFlag.first;
    const now = new Set(members);
    let someoneLeft = false;
    for (const id of this.members) {
      if (now.has(id)) continue;
      const n = this.nodes.get(id);
      if (n && n.state !== NodeState.dead) n.state = NodeState.dead;
      someoneLeft = true;
    }
    if (this.lastManStandingOn) {
      // Corosync looks at node states here, before any NODEINFO of the new configuration: a
      // lowest node that is rejoining is still dead.
      const atbKeepsLowest = this.config.autoTieBreaker.kind !== 'none' && this.nodes.get(this.lowestNodeId)?.state === NodeState.member;
      if ((members.length >= this.quorum && someoneLeft) || (members.length <= this.quorum && atbKeepsLowest)) {
        effects.push({ kind: 'cancel-lms' }, { kind: 'arm-lms', afterMs: this.config.lastManStandingWindowMs });
      }
    }
    this.previousMembers = this.members;
    this.members = [...members];
    // Nodes new to us are created by their NODEINFO (sync_process), not here: until then they
    // count neither as members nor for two_node's "at most two nodes".
    this.me.state = NodeState.member;
    return effects;
  }

  /** A NODEINFO message, in agreed order. */
  nodeInfo(info: NodeInfo): QuorumEffect[] {
    const effects: QuorumEffect[] = [];
    let node = this.nodes.get(info.nodeId);
    const isNew = node === undefined;
    if (!node) {
      node = { nodeId: info.nodeId, state: NodeState.member, votes: info.votes, expectedVotes: info.expectedVotes, flags: info.flags };
      this.nodes.set(info.nodeId, node);
    }
    const before = { votes: node.votes, expectedVotes: node.expectedVotes, state: node.state, flags: node.flags };
    let allowDecrease = false;
    let byNodes = false;
    node.flags = info.flags;
    node.votes = info.votes;
    node.state = NodeState.member;
    if (info.flags & NodeFlag.leaving) {
      // A node stopping cleanly (sent only with allow_downscale): expected votes shrink to the members.
      node.state = NodeState.leaving;
      allowDecrease = true;
      byNodes = true;
    }
    if (!this.quorate && (info.flags & NodeFlag.quorate)) {
      // An inquorate node adopts the expected votes of a quorate one.
      allowDecrease = true;
      this.me.expectedVotes = info.expectedVotes;
    }
    // Expected votes are taken from a quorate node (or from any with tracking on); an inquorate
    // node is recorded with ours.
    node.expectedVotes = (info.flags & NodeFlag.quorate) || this.evTracking ? info.expectedVotes : this.me.expectedVotes;
    if (this.lastManStandingOn && node.votes > 1) {
      this.lastManStandingOn = false;
      effects.push({ kind: 'cancel-lms' });
    }
    const changed = before.votes !== node.votes || before.expectedVotes !== node.expectedVotes || before.state !== node.state || before.flags !== node.flags;
    if (changed || isNew || node === this.me || (info.flags & NodeFlag.first)) {
      effects.push(...this.recalculate(allowDecrease, byNodes));
    }
    // After the recalculation, as Corosync: joining a partition that is already quorate ends the
    // wait; the partition's quorum is decided again at the next recalculation (activate).
    if (this.config.waitForAll && (info.flags & NodeFlag.quorate) && !(info.flags & NodeFlag.wfaStatus)) {
      this.setWaitForAll(false);
    }
    return effects;
  }

  /** RECONFIGURE(EXPECTED_VOTES): every member's expected votes become `value`. */
  reconfigureExpected(value: number): QuorumEffect[] {
    for (const n of this.nodes.values()) if (n.state === NodeState.member) n.expectedVotes = value;
    this.evBarrier = value;
    // With tracking, our own expected votes never fall below the stored high-water mark.
    if (this.evTracking) this.me.expectedVotes = Math.max(this.me.expectedVotes, this.evTrackingBarrier);
    return [{ kind: 'expected-votes', expectedVotes: value }, ...this.recalculate(true, false)];
  }

  /** RECONFIGURE(NODE_VOTES). Unknown nodes are ignored, as Corosync does. */
  reconfigureVotes(nodeId: number, votes: number): QuorumEffect[] {
    const n = this.nodes.get(nodeId);
    if (!n) return [];
    n.votes = votes;
    return this.recalculate(true, false);
  }

  /** RECONFIGURE(CANCEL_WFA). */
  cancelWaitForAll(): QuorumEffect[] {
    this.setWaitForAll(false);
    return this.recalculate(false, false);
  }

  /** sync_activate: recompute and always announce the result. */
  syncActivate(): QuorumEffect[] {
    const effects: QuorumEffect[] = this.recalculate(false, false).filter((e) => e.kind !== 'quorum');
    this.inSync = false;
    effects.push({ kind: 'quorum', quorate: this.quorate });
    return effects;
  }

  /** The last-man-standing window ran out: if still quorate, expected votes shrink to the members. */
  lastManStandingExpired(): QuorumEffect[] {
    if (!this.quorate || !this.lastManStandingOn) return [];
    return this.recalculate(true, true);
  }

  /** setexpected's check: the value is refused below the total, or when it would lose quorum. */
  checkSetExpected(ev: number): 'ok' | 'invalid' {
    const total = this.totalVotes;
    if (ev < total) return 'invalid';
    // Corosync suppresses allow_downscale for this trial (the barrier must not raise it).
    const newQuorum = this.calculate(true, ev, true).quorum;
    if (this.quorate && newQuorum > total) return 'invalid';
    return 'ok';
  }

  /** setvotes's check. */
  checkSetVotes(nodeId: number, votes: number): 'ok' | 'not-found' | 'invalid' {
    const n = this.nodes.get(nodeId);
    if (!n) return 'not-found';
    const saved = n.votes;
    n.votes = votes;
    const { quorum, total } = this.calculate(true, 0, true);
    n.votes = saved;
    // Unsigned integer division, as in C.
    if (quorum < Math.floor(total / 2) || quorum > total) return 'invalid';
    return 'ok';
  }

  /** calculate_quorum: the threshold for the current votes, and the total it counted. */
  private calculate(allowDecrease: boolean, maxExpected: number, ignoreDownscale: boolean): { quorum: number; total: number } {
    let max = maxExpected;
    if (this.config.allowDownscale && !ignoreDownscale && allowDecrease && max > 0) max = Math.max(this.evBarrier, max);
    let highestExpected = 0;
    let total = 0;
    let count = 0;
    for (const n of this.nodes.values()) {
      if (n.state !== NodeState.member) continue;
      highestExpected = Math.max(highestExpected, n.expectedVotes);
      total += n.votes;
      count++;
    }
    if (max > 0) highestExpected = max;
    let quorum = Math.max(Math.floor((highestExpected + 2) / 2), Math.floor((total + 2) / 2));
    if (!allowDecrease) quorum = Math.max(this.quorum, quorum);
    if (this.config.twoNode && count <= 2) quorum = 1;
    return { quorum, total };
  }

  /** recalculate_quorum + are_we_quorate. */
  private recalculate(allowDecrease: boolean, byCurrentNodes: boolean): QuorumEffect[] {
    const effects: QuorumEffect[] = [];
    const total = this.totalVotes;
    const memberCount = byCurrentNodes ? [...this.nodes.values()].filter((n) => n.state === NodeState.member).length : 0;
    if (total > this.me.expectedVotes) {
      // Expected votes follow the highest total ever seen.
      this.me.expectedVotes = total;
      effects.push({ kind: 'expected-votes', expectedVotes: total });
    }
    if (this.evTracking && this.me.expectedVotes > this.evTrackingBarrier) {
      this.evTrackingBarrier = this.me.expectedVotes;
      effects.push({ kind: 'ev-tracking', barrier: this.evTrackingBarrier });
    }
    const { quorum, total: counted } = this.calculate(allowDecrease, memberCount, false);
    this.quorum = quorum;
    if (memberCount > 0) for (const n of this.nodes.values()) if (n.state === NodeState.member) n.expectedVotes = memberCount;
    effects.push(...this.decide(counted));
    return effects;
  }

  /** are_we_quorate. */
  private decide(total: number): QuorumEffect[] {
    if (this.config.waitForAll && this.waitForAllStatus) {
      if (total !== this.me.expectedVotes) return [];
      this.setWaitForAll(false);
    }
    let quorate = this.quorum <= total;
    if (quorate) this.noteExtremes();
    if (
      this.config.autoTieBreaker.kind !== 'none' &&
      total === Math.floor(this.me.expectedVotes / 2) &&
      this.previousMembers.length - this.members.length < this.quorum &&
      this.tieBreakerWins()
    ) {
      quorate = true;
    }
    const changed = quorate !== this.quorate;
    this.quorate = quorate;
    if (quorate) this.me.flags |= NodeFlag.quorate;
    else this.me.flags &= ~NodeFlag.quorate;
    if (this.config.waitForAll) this.setWaitForAll(!quorate);
    return changed && !this.inSync ? [{ kind: 'quorum', quorate }] : [];
  }

  private noteExtremes(): void {
    const ids = [...this.nodes.values()].filter((n) => n.state === NodeState.member).map((n) => n.nodeId);
    if (ids.length === 0) return;
    this.lowestNodeId = Math.min(...ids);
    this.highestNodeId = Math.max(...ids);
  }

  /** check_auto_tie_breaker: does this half hold the designated node? */
  private tieBreakerWins(): boolean {
    const isMember = (id: number): boolean => this.nodes.get(id)?.state === NodeState.member;
    const atb = this.config.autoTieBreaker;
    switch (atb.kind) {
      case 'none': return false;
      case 'lowest': return isMember(this.lowestNodeId);
      case 'highest': return isMember(this.highestNodeId);
      case 'list': {
        const before = new Set(this.previousMembers);
        for (const id of atb.nodes) {
          if (isMember(id)) return true;
          // An earlier-listed node that was with us before and is gone now decides against us.
          if (before.has(id)) return false;
        }
        return false;
      }
    }
  }

  private setWaitForAll(on: boolean): void {
    this.waitForAllStatus = on;
    if (on) this.me.flags |= NodeFlag.wfaStatus;
    else this.me.flags &= ~NodeFlag.wfaStatus;
  }
}
