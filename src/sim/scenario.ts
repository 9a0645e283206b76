/**
 * Golden scenario scripts, in the style of etcd-io/raft's testdata: a script is a list of
 * commands, each followed by `----` and the output it must produce. Reviewers read behaviour,
 * not code. `REWRITE=1 npm test` rewrites the expected output after a deliberate change.
 *
 *   nodes 3                     create a calm three-node cluster (seeded, deterministic)
 *   start 1 2 3                 start processors
 *   run 500                     advance virtual time by 500 ms
 *   stabilize                   run until every live node is operational in one ring
 *   status                      state, ring and members of every node
 *   send 1 10 [size]            node 1 submits 10 messages
 *   crash 2 | restart 2 | pause 2 | resume 2 | leave 2
 *   partition 1,2 | 3  /  heal
 *   drop 1 2 mcast [count]      drop the next count datagrams of a type on a link (* = any)
 *   until 2 recovery            run until node 2 enters a state (operational|gather|commit|recovery)
 *   configs 2                   the configurations node 2 delivered
 *   deliveries                  how many messages each node delivered, and whether orders agree
 *   counters                    token and message retransmissions, token losses, gathers per node
 *   check                       the EVS checker's verdict over all histories
 */
import { checkHistories } from '../check/index.js';
import { deriveTotemConfig } from '../totem/config.js';
import type { MembState } from '../totem/state.js';
import { MessageType } from '../totem/wire/types.js';
import { SimCluster } from './cluster.js';
import { Prng } from './prng.js';
import { SIM_TOTEM_DEFAULTS } from './run.js';

export interface ScriptBlock {
  readonly command: string;
  readonly expected: string;
  readonly line: number;
}

/** Splits a script into commands and their expected output blocks. */
export function parseScript(text: string): ScriptBlock[] {
  const lines = text.split('\n');
  const blocks: ScriptBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    const command = line;
    const at = i + 1;
    i++;
    if (lines[i]?.trim() !== '----') throw new Error(`line ${at}: "${command}" must be followed by ----`);
    i++;
    const out: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') out.push(lines[i++]!);
    blocks.push({ command, expected: out.join('\n'), line: at });
  }
  return blocks;
}

export function renderScript(blocks: readonly { command: string; expected: string }[], header: string): string {
  return header + blocks.map((b) => `${b.command}\n----\n${b.expected}\n`).join('\n');
}

const TYPES: Record<string, number> = {
  orf_token: MessageType.orfToken, mcast: MessageType.mcast, merge_detect: MessageType.membMergeDetect,
  join: MessageType.membJoin, commit_token: MessageType.membCommitToken, hold_cancel: MessageType.tokenHoldCancel,
};

export class ScenarioRunner {
  private cluster: SimCluster | undefined;

  private get c(): SimCluster {
    if (!this.cluster) throw new Error('no cluster yet: start with "nodes N"');
    return this.cluster;
  }

  run(command: string): string {
    const [verb, ...args] = command.split(/\s+/);
    const num = (i: number): number => {
      const v = Number(args[i]);
      if (!Number.isFinite(v)) throw new Error(`"${command}": argument ${i + 1} must be a number`);
      return v;
    };
    switch (verb) {
      case 'nodes': {
        const n = num(0);
        this.cluster = new SimCluster({
          nodeIds: Array.from({ length: n }, (_, i) => i + 1),
          config: deriveTotemConfig(SIM_TOTEM_DEFAULTS),
          load: undefined,
          rng: new Prng(Number(args[1] ?? 1)),
          baseDelayMs: 0.5,
        });
        return `${n} nodes`;
      }
      case 'start':
      case 'restart':
        for (const a of args) this.c.start(Number(a));
        return 'ok';
      case 'crash':
        for (const a of args) this.c.crash(Number(a));
        return 'ok';
      case 'pause':
        for (const a of args) this.c.pause(Number(a));
        return 'ok';
      case 'resume':
        for (const a of args) this.c.resume(Number(a));
        return 'ok';
      case 'leave':
        for (const a of args) this.c.leave(Number(a));
        return 'ok';
      case 'run':
        this.c.runUntil(this.c.now + num(0));
        return `t=${this.c.now}ms`;
      case 'stabilize': {
        const start = this.c.now;
        const ok = this.c.runUntilTrue(() => this.stable(), start + 120_000);
        return ok ? 'stable' : `NOT stable after 120000ms`;
      }
      case 'until': {
        const id = num(0);
        const state = args[1] as MembState;
        const ok = this.c.runUntilTrue(() => this.c.group(id)?.status().state === state, this.c.now + 60_000);
        return ok ? `node ${id} is ${state}` : `node ${id} never reached ${state}`;
      }
      case 'status':
        return this.c.nodeIds
          .map((id) => {
            const g = this.c.group(id);
            if (!g) return `${id}: ${this.c.statusOf(id)}`;
            const s = g.status();
            return `${id}: ${s.state} ring ${s.ringId.rep}.${s.ringId.seq} members ${s.members.join(',')}`;
          })
          .join('\n');
      case 'send': {
        let sent = 0;
        for (let i = 0; i < num(1); i++) if (this.c.send(num(0), args[2] ? num(2) : 64)) sent++;
        return `sent ${sent}`;
      }
      case 'partition': {
        const groups = command.slice('partition'.length).split('|').map((g) => g.trim().split(/[\s,]+/).filter(Boolean).map(Number));
        this.c.network.partition(groups);
        return this.c.network.describe();
      }
      case 'heal':
        this.c.network.heal();
        return 'healthy';
      case 'drop': {
        const from = args[0] === '*' ? '*' : num(0);
        const to = args[1] === '*' ? '*' : num(1);
        const type = args[2] === '*' ? '*' : TYPES[args[2] ?? ''];
        if (type === undefined) throw new Error(`"${command}": type must be one of ${Object.keys(TYPES).join(', ')} or *`);
        const count = args[3] ? num(3) : 1;
        this.c.network.addDropRule({ from, to, type, remaining: count });
        return `dropping next ${count} ${args[2]} ${args[0]}->${args[1]}`;
      }
      case 'configs':
        return this.c
          .history(num(0))
          .filter((r) => r.ev === 'config' || r.ev === 'start' || r.ev === 'crash' || r.ev === 'stop')
          .map((r) => (r.ev === 'config' ? `${r.kind} ${r.ring} [${r.members.join(',')}]` : r.ev))
          .join('\n');
      case 'deliveries':
        return this.deliveries();
      case 'counters':
        return this.c.nodeIds
          .map((id) => {
            const g = this.c.group(id);
            if (!g) return `${id}: ${this.c.statusOf(id)}`;
            const s = g.status().stats;
            return `${id}: token_retransmits=${s.tokenRetransmits} mcast_retransmits=${s.mcastRetx} token_lost=${s.tokenLost} gather_entered=${s.gatherEntered}`;
          })
          .join('\n');
      case 'check': {
        const report = checkHistories(this.c.histories(), { requireConvergence: true });
        return report.ok ? 'ok' : report.violations.map((v) => `${v.property}: ${v.message}`).join('\n');
      }
      default:
        throw new Error(`unknown command "${verb}"`);
    }
  }

  private stable(): boolean {
    const live = this.c.liveNodes();
    if (live.length === 0) return true;
    const views = live.map((id) => this.c.group(id)!.status());
    const ring = `${views[0]!.ringId.rep}.${views[0]!.ringId.seq}`;
    return views.every(
      (v) => v.state === 'operational' && `${v.ringId.rep}.${v.ringId.seq}` === ring && v.members.length === live.length,
    );
  }

  private deliveries(): string {
    const lines: string[] = [];
    const orders = new Map<number, string[]>();
    for (const id of this.c.nodeIds) {
      const ids = this.c.history(id).filter((r) => r.ev === 'deliver').map((r) => (r.ev === 'deliver' ? r.id : ''));
      orders.set(id, ids);
      lines.push(`${id}: ${ids.length} delivered`);
    }
    // Pairwise: the messages two nodes both delivered come in the same relative order.
    const all = [...orders.values()];
    let agree = true;
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const a = all[i]!;
        const b = all[j]!;
        const inB = new Set(b);
        const inA = new Set(a);
        const aa = a.filter((x) => inB.has(x));
        const bb = b.filter((x) => inA.has(x));
        if (aa.length !== bb.length || aa.some((x, k) => bb[k] !== x)) agree = false;
      }
    }
    lines.push(agree ? 'orders agree' : 'orders DIFFER');
    return lines.join('\n');
  }
}
