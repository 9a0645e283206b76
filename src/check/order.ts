/**
 * Agreed order: one total order of all messages is consistent with every process's delivery
 * order. Each incarnation contributes an edge between each pair of its consecutive deliveries
 * (first deliveries only: duplicates are `no-duplication`'s business); the union graph must be
 * acyclic. Kahn's algorithm over typed arrays, no recursion; on failure one cycle is extracted
 * by walking predecessors among the nodes Kahn could not remove.
 */
import { describe, type HistoryModel } from './model.js';
import type { Reporter } from './report.js';

interface Graph {
  readonly n: number;
  readonly edges: number;
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly owner: Int32Array;
}

function buildEdges(model: HistoryModel): Graph {
  const n = model.messages.size;
  let max = 0;
  for (const inc of model.incarnations) max += inc.deliveries.length;
  const src = new Int32Array(max);
  const dst = new Int32Array(max);
  const owner = new Int32Array(max);
  const stamp = new Int32Array(n);
  let edges = 0;
  for (const inc of model.incarnations) {
    const mark = inc.index + 1;
    let prev = -1;
    for (const m of inc.deliveries) {
      if (stamp[m] === mark) continue;
      stamp[m] = mark;
      if (prev >= 0) {
        src[edges] = prev;
        dst[edges] = m;
        owner[edges] = inc.index;
        edges++;
      }
      prev = m;
    }
  }
  return { n, edges, src, dst, owner };
}

/** Runs Kahn's algorithm; returns the remaining in-degrees (all zero iff acyclic). */
function kahn(g: Graph): { indeg: Int32Array; removed: number } {
  const { n, edges, src, dst } = g;
  const start = new Int32Array(n + 1);
  for (let e = 0; e < edges; e++) start[src[e]! + 1]!++;
  for (let v = 0; v < n; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, n);
  const adj = new Int32Array(edges);
  const indeg = new Int32Array(n);
  for (let e = 0; e < edges; e++) {
    adj[fill[src[e]!]!++] = dst[e]!;
    indeg[dst[e]!]!++;
  }
  const queue = new Int32Array(n);
  let tail = 0;
  for (let v = 0; v < n; v++) if (indeg[v] === 0) queue[tail++] = v;
  for (let head = 0; head < tail; head++) {
    const v = queue[head]!;
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      const w = adj[k]!;
      if (--indeg[w]! === 0) queue[tail++] = w;
    }
  }
  return { indeg, removed: tail };
}

interface CycleStep {
  readonly from: number;
  readonly to: number;
  readonly owner: number;
}

/**
 * A cycle among the nodes Kahn left (each has an in-edge from another such node), found by
 * walking predecessors until one repeats; prefers the previous step's owner to keep segments long.
 */
function findCycle(g: Graph, indeg: Int32Array): CycleStep[] {
  const { n, edges, src, dst, owner } = g;
  const start = new Int32Array(n + 1);
  for (let e = 0; e < edges; e++) if (indeg[src[e]!]! > 0 && indeg[dst[e]!]! > 0) start[dst[e]! + 1]!++;
  for (let v = 0; v < n; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, n);
  const pred = new Int32Array(start[n]!);
  const predOwner = new Int32Array(start[n]!);
  for (let e = 0; e < edges; e++) {
    if (indeg[src[e]!]! > 0 && indeg[dst[e]!]! > 0) {
      const k = fill[dst[e]!]!++;
      pred[k] = src[e]!;
      predOwner[k] = owner[e]!;
    }
  }
  const visitedAt = new Int32Array(n).fill(-1);
  const path: number[] = [];
  const stepOwner: number[] = [];
  let v = indeg.findIndex((d) => d > 0);
  let lastOwner = -1;
  while (visitedAt[v]! < 0) {
    visitedAt[v] = path.length;
    path.push(v);
    let chosen = start[v]!;
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      if (predOwner[k] === lastOwner) {
        chosen = k;
        break;
      }
    }
    lastOwner = predOwner[chosen]!;
    stepOwner.push(lastOwner);
    v = pred[chosen]!;
  }
  // Walking backwards, stepOwner[i] is the edge path[i+1] → path[i] (path[len] being v again).
  const steps: CycleStep[] = [];
  const j = visitedAt[v]!;
  for (let i = path.length - 1; i >= j; i--) {
    steps.push({ from: i + 1 < path.length ? path[i + 1]! : v, to: path[i]!, owner: stepOwner[i]! });
  }
  return steps;
}

export function checkAgreedOrder(model: HistoryModel, reporter: Reporter): void {
  const g = buildEdges(model);
  const { indeg, removed } = kahn(g);
  if (removed === g.n) return;
  const steps = findCycle(g, indeg);
  const ids = model.messages.ids;
  const segments: { owner: number; from: number; to: number; length: number }[] = [];
  for (const step of steps) {
    const last = segments[segments.length - 1];
    if (last !== undefined && last.owner === step.owner) {
      last.to = step.to;
      last.length++;
    } else {
      segments.push({ owner: step.owner, from: step.from, to: step.to, length: 1 });
    }
  }
  const shown = segments.slice(0, 8).map((s) => {
    const via = s.length > 1 ? ` (through ${s.length - 1} message(s) in between)` : '';
    return `${describe(model.incarnations[s.owner]!)} delivered ${ids[s.from]} before ${ids[s.to]}${via}`;
  });
  if (segments.length > 8) shown.push(`… ${segments.length - 8} more step(s)`);
  const cyclic = g.n - removed;
  reporter.add('agreed-order', () => ({
    message: `no total order agrees with every delivery order (${cyclic} message(s) on or after cycles): ${shown.join('; ')}`,
    nodes: [...new Set(segments.map((s) => model.incarnations[s.owner]!.node))],
    ids: [...new Set(segments.flatMap((s) => [ids[s.from]!, ids[s.to]!]))],
  }));
}

/**
 * Agreed delivery in a regular configuration has no gaps (Totem delivers ring R's messages in
 * sequence order and stops at the first one missing): the messages each process delivers in
 * regular configuration R (its transitional tail excluded) are a prefix of one common sequence.
 */
export function checkRegularPrefixes(model: HistoryModel, reporter: Reporter): void {
  const stamp = new Int32Array(model.messages.size);
  const longest = new Map<number, Entry>();
  const all: Entry[] = [];
  for (const inc of model.incarnations) {
    const mark = inc.index + 1;
    for (const epoch of inc.epochs) {
      const seq = new Int32Array(epoch.transStart - epoch.delivStart);
      let n = 0;
      for (let i = epoch.delivStart; i < epoch.transStart; i++) {
        const m = inc.deliveries[i]!;
        if (stamp[m] === mark) continue;
        stamp[m] = mark;
        seq[n++] = m;
      }
      // A process that joined its first ring mid-way holds a segment of the common sequence
      // that starts at its join, not a prefix.
      const entry = { inc: inc.index, ring: epoch.ring, seq: seq.subarray(0, n), segment: inc.midRing && epoch.index === 0 };
      all.push(entry);
      const best = longest.get(epoch.ring);
      // Prefixes make the reference when there are any: a segment cannot say where it starts.
      if (best === undefined || (best.segment && !entry.segment) || (best.segment === entry.segment && best.seq.length < n)) {
        longest.set(epoch.ring, entry);
      }
    }
  }
  for (const entry of all) {
    const ref = longest.get(entry.ring)!;
    if (ref === entry) continue;
    const at = entry.segment || ref.segment ? segmentDifference(entry, ref) : { i: firstDifference(entry.seq, ref.seq), j: 0 };
    if (at.i < 0) continue;
    const a = model.incarnations[entry.inc]!;
    const b = model.incarnations[ref.inc]!;
    const ids = model.messages.ids;
    const mine = ids[entry.seq[at.i]!]!;
    const theirs = at.i + at.j < ref.seq.length ? ids[ref.seq[at.i + at.j]!]! : '(nothing)';
    reporter.add('agreed-order', () => ({
      message: `in regular configuration ${model.rings.ids[entry.ring]}, the delivery #${at.i + 1} of ${describe(a)} is ${mine} ` +
        `but that of ${describe(b)} is ${theirs}: deliveries in a regular configuration are gap-free, so each ` +
        `process's must be a prefix of one common sequence (a segment of it from its join, for a process that joined mid-ring)`,
      nodes: [a.node, b.node], ids: [mine, model.rings.ids[entry.ring]!],
    }));
  }
}

interface Entry {
  readonly inc: number;
  readonly ring: number;
  readonly seq: Int32Array;
  readonly segment: boolean;
}

/**
 * Where `entry` departs from `ref` when one of them is a segment: `entry.seq[i]` should be
 * `ref.seq[i + j]`, or i = -1 when they agree wherever they overlap. A segment whose first
 * message the reference never delivered may start after the reference ends; then nothing of it
 * may be in the reference.
 */
function segmentDifference(entry: Entry, ref: Entry): { i: number; j: number } {
  if (entry.seq.length === 0 || ref.seq.length === 0) return { i: -1, j: 0 };
  let j = ref.seq.indexOf(entry.seq[0]!);
  if (j < 0 && ref.segment) {
    // The reference may be the one that starts later.
    const k = entry.seq.indexOf(ref.seq[0]!);
    if (k >= 0) {
      for (let x = 0; k + x < entry.seq.length && x < ref.seq.length; x++) if (entry.seq[k + x] !== ref.seq[x]) return { i: k + x, j: -k };
      return { i: -1, j: 0 };
    }
  }
  if (j < 0) {
    const inRef = new Set(ref.seq);
    const i = entry.seq.findIndex((m) => inRef.has(m));
    return { i, j: 0 };
  }
  for (let i = 0; i < entry.seq.length && i + j < ref.seq.length; i++) if (entry.seq[i] !== ref.seq[i + j]) return { i, j };
  return { i: -1, j: 0 };
}

/** First index where `a` differs from `b`'s prefix of the same length (a is not longer), or -1. */
function firstDifference(a: Int32Array, b: Int32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
