/**
 * Virtual synchrony (EVS failure atomicity, per configuration): processes that install the same
 * configuration and then the same next configuration deliver the same set of messages in it.
 * Both kinds of configuration count, as in the EVS paper:
 * - regular ring R, next configuration the transitional one of T from R: the same messages
 *   delivered between installing R and installing T's transitional configuration;
 * - transitional configuration (T from R), next configuration regular T: the same messages
 *   delivered between the transitional and the regular record of T.
 * Together they imply the weaker "same messages while in R, transitional part included".
 * And when the run has quiesced, the end counts as the next configuration: alive processes whose
 * last regular configuration is the same deliver the same messages in it.
 */
import { describe, type Epoch, type HistoryModel, type Incarnation } from './model.js';
import { listSome, type Reporter } from './report.js';

interface Member {
  readonly inc: Incarnation;
  readonly epoch: Epoch;
}

type Part = 'regular' | 'transitional';

function slice(member: Member, part: Part): Int32Array {
  const { inc, epoch } = member;
  const from = part === 'regular' ? epoch.delivStart : epoch.transStart;
  const to = part === 'regular' ? epoch.transStart : epoch.delivEnd;
  const out = Int32Array.from(inc.deliveries.slice(from, to));
  out.sort();
  // Duplicates are no-duplication's business: compare sets.
  let w = 0;
  for (let r = 0; r < out.length; r++) if (r === 0 || out[r] !== out[r - 1]) out[w++] = out[r]!;
  return out.subarray(0, w);
}

function equal(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Elements of sorted `a` not in sorted `b`. */
function minus(a: Int32Array, b: Int32Array): number[] {
  const out: number[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j]! < x) j++;
    if (j === b.length || b[j] !== x) out.push(x);
  }
  return out;
}

export function checkVirtualSynchrony(model: HistoryModel, reporter: Reporter, options: { quiescent: boolean }): void {
  const groups = new Map<string, Member[]>();
  for (const inc of model.incarnations) {
    for (const epoch of inc.epochs) {
      const final = options.quiescent && inc.last && inc.end === 'alive' && epoch.index === inc.epochs.length - 1;
      if (epoch.nextTrans < 0 && !final) continue;
      const key = epoch.nextTrans < 0 ? `${epoch.ring}>end` : `${epoch.ring}>${epoch.nextTrans}`;
      const list = groups.get(key);
      if (list === undefined) groups.set(key, [{ inc, epoch }]);
      else list.push({ inc, epoch });
    }
  }
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    compareGroup(model, reporter, members, 'regular');
    const completed = members.filter((x) => x.epoch.transCompleted);
    if (completed.length >= 2) compareGroup(model, reporter, completed, 'transitional');
  }
}

/** A process that joined its first ring mid-way saw only that ring's later messages. */
function joinedMidRing(member: Member, part: Part): boolean {
  return part === 'regular' && member.inc.midRing && member.epoch.index === 0;
}

function compareGroup(model: HistoryModel, reporter: Reporter, members: Member[], part: Part): void {
  const whole = members.filter((m) => !joinedMidRing(m, part));
  const partial = members.filter((m) => joinedMidRing(m, part));
  const reference = whole[0] ?? partial[0]!;
  const refSet = slice(reference, part);
  for (const other of whole) {
    if (other === reference) continue;
    const set = slice(other, part);
    if (equal(refSet, set)) continue;
    reportDifference(model, reporter, part, reference, refSet, other, set);
  }
  // Each late joiner delivers a subset of what the ring delivered (the part after its join);
  // among late joiners only, the later one's set is inside the earlier one's.
  for (const other of partial) {
    if (other === reference) continue;
    const set = slice(other, part);
    const inside = whole.length > 0 ? minus(set, refSet).length === 0 : minus(set, refSet).length === 0 || minus(refSet, set).length === 0;
    if (inside) continue;
    reportDifference(model, reporter, part, reference, refSet, other, set);
  }
}

function reportDifference(
  model: HistoryModel, reporter: Reporter, part: Part, a: Member, aSet: Int32Array, b: Member, bSet: Int32Array,
): void {
  const rings = model.rings.ids;
  const ring = rings[a.epoch.ring]!;
  const next = a.epoch.nextTrans < 0 ? undefined : rings[a.epoch.nextTrans]!;
  const config = part === 'regular' ? `regular configuration ${ring}` : `the transitional configuration ${next} after ${ring}`;
  const nextConfig = next === undefined ? 'the end of a quiesced run'
    : part === 'regular' ? `the transitional configuration ${next}` : `regular configuration ${next}`;
  const ids = model.messages.ids;
  const describeSide = (who: Member, only: number[], otherSide: Member): string => {
    const hint = part === 'regular' ? movedToTransitional(otherSide, only) : 0;
    const note = hint > 0 ? ` (${describe(otherSide.inc)} delivered ${hint} of these in the transitional configuration instead)` : '';
    return `only ${describe(who.inc)} delivered ${listSome(only.map((m) => ids[m]!))}${note}`;
  };
  const onlyA = minus(aSet, bSet);
  const onlyB = minus(bSet, aSet);
  const sides = [onlyA.length ? describeSide(a, onlyA, b) : '', onlyB.length ? describeSide(b, onlyB, a) : ''].filter((x) => x);
  reporter.add('virtual-synchrony', () => ({
    message: `${describe(a.inc)} and ${describe(b.inc)} both went from ${config} to ${nextConfig} but delivered ` +
      `different messages in ${config}: ${sides.join('; ')}`,
    nodes: [a.inc.node, b.inc.node],
    ids: [...onlyA, ...onlyB].slice(0, 20).map((m) => ids[m]!),
  }));
}

/** How many of `messages` this member delivered in the transitional part of the same epoch. */
function movedToTransitional(member: Member, messages: number[]): number {
  const trans = new Set(member.inc.deliveries.slice(member.epoch.transStart, member.epoch.delivEnd));
  return messages.filter((m) => trans.has(m)).length;
}
