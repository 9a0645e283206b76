/**
 * The packet simulator: every datagram between two nodes goes through here and meets the
 * faults currently in force: loss, duplication, delay jitter (which reorders), partitions
 * (symmetric or one-way) and clogged links (long extra delay, FoundationDB's favourite fault).
 */
import type { Prng } from './prng.js';

export interface LinkFaults {
  /** Probability a datagram is dropped. */
  lossRate: number;
  /** Probability a datagram is delivered twice. */
  duplicateRate: number;
  /** Extra random delay in ms, uniform in [0, jitterMs]; nonzero jitter reorders datagrams. */
  jitterMs: number;
}

/** Drops the next `remaining` datagrams of one Totem message type on a link (for scripted faults). */
export interface DropRule {
  readonly from: number | '*';
  readonly to: number | '*';
  /** Totem message type code (header byte 3), or '*' for any. */
  readonly type: number | '*';
  remaining: number;
}

export interface NetworkOptions {
  readonly baseDelayMs: number;
}

export class SimNetwork {
  faults: LinkFaults = { lossRate: 0, duplicateRate: 0, jitterMs: 0 };
  /** Partition groups: nodes in different groups cannot talk. Empty means no partition. */
  private groupOf = new Map<number, number>();
  /** One-way blocks "from>to". */
  private readonly blocked = new Set<string>();
  /** Clogged links "from>to" with the extra delay they add. */
  private readonly clogged = new Map<string, number>();
  private readonly dropRules: DropRule[] = [];
  stats = { sent: 0, dropped: 0, duplicated: 0, partitioned: 0 };

  addDropRule(rule: DropRule): void {
    this.dropRules.push(rule);
  }

  private matchDropRule(from: number, to: number, frame: Uint8Array): boolean {
    for (const rule of this.dropRules) {
      if (rule.remaining <= 0) continue;
      if (rule.from !== '*' && rule.from !== from) continue;
      if (rule.to !== '*' && rule.to !== to) continue;
      if (rule.type !== '*' && frame[3] !== rule.type) continue;
      rule.remaining--;
      return true;
    }
    return false;
  }

  constructor(private readonly rng: Prng, private readonly options: NetworkOptions) {}

  partition(groups: readonly (readonly number[])[]): void {
    this.groupOf = new Map();
    groups.forEach((group, index) => group.forEach((id) => this.groupOf.set(id, index)));
  }

  blockOneWay(from: number, to: number): void {
    this.blocked.add(`${from}>${to}`);
  }

  clog(from: number, to: number, extraMs: number): void {
    this.clogged.set(`${from}>${to}`, extraMs);
  }

  /** No loss, partition, one-way block or clog (duplicates and jitter are harmless). */
  healthy(): boolean {
    return this.faults.lossRate === 0 && this.groupOf.size === 0 && this.blocked.size === 0 && this.clogged.size === 0;
  }

  heal(): void {
    this.groupOf = new Map();
    this.blocked.clear();
    this.clogged.clear();
    this.dropRules.length = 0;
    this.faults = { lossRate: 0, duplicateRate: 0, jitterMs: 0 };
  }

  describe(): string {
    const parts: string[] = [];
    if (this.groupOf.size > 0) {
      const groups = new Map<number, number[]>();
      for (const [id, g] of this.groupOf) groups.set(g, [...(groups.get(g) ?? []), id]);
      parts.push(`partition ${[...groups.values()].map((g) => g.sort((a, b) => a - b).join(',')).join(' | ')}`);
    }
    if (this.blocked.size > 0) parts.push(`blocked ${[...this.blocked].join(' ')}`);
    if (this.clogged.size > 0) parts.push(`clogged ${[...this.clogged.keys()].join(' ')}`);
    if (this.faults.lossRate > 0) parts.push(`loss ${(this.faults.lossRate * 100).toFixed(0)}%`);
    return parts.length > 0 ? parts.join(', ') : 'healthy';
  }

  private connected(from: number, to: number): boolean {
    if (this.groupOf.size > 0) {
      const a = this.groupOf.get(from);
      const b = this.groupOf.get(to);
      if (a !== undefined && b !== undefined && a !== b) return false;
    }
    return !this.blocked.has(`${from}>${to}`);
  }

  /** Arrival delays (ms) for one datagram: empty when lost, two entries when duplicated. */
  route(from: number, to: number, frame: Uint8Array): number[] {
    this.stats.sent++;
    if (this.dropRules.length > 0 && this.matchDropRule(from, to, frame)) {
      this.stats.dropped++;
      return [];
    }
    if (from === to) return [this.options.baseDelayMs];
    if (!this.connected(from, to)) {
      this.stats.partitioned++;
      return [];
    }
    if (this.faults.lossRate > 0 && this.rng.chance(this.faults.lossRate)) {
      this.stats.dropped++;
      return [];
    }
    const delays = [this.delay(from, to)];
    if (this.faults.duplicateRate > 0 && this.rng.chance(this.faults.duplicateRate)) {
      this.stats.duplicated++;
      delays.push(this.delay(from, to));
    }
    return delays;
  }

  private delay(from: number, to: number): number {
    let d = this.options.baseDelayMs;
    if (this.faults.jitterMs > 0) d += this.rng.float() * this.faults.jitterMs;
    d += this.clogged.get(`${from}>${to}`) ?? 0;
    return d;
  }
}
