/**
 * Properties over configurations alone: configuration agreement and convergence.
 */
import { describe, formatMembers, type HistoryModel, type Incarnation, type Transitional } from './model.js';
import { listSome, type Reporter } from './report.js';

/**
 * Configuration agreement (EVS: a configuration is its identifier plus its membership, the same at
 * every process that installs it):
 * - every incarnation that installs regular ring R reports the same members;
 * - every incarnation that moves from regular ring R into the transitional configuration of ring T
 *   reports the same members: the transitional configuration is identified by (R, T);
 * - if p's transitional configuration (R, T) lists node q, and an incarnation of q installed a
 *   transitional configuration of T, q came to T from R too; so transitional configurations of one
 *   ring from different old rings are disjoint.
 */
export function checkConfigurationAgreement(model: HistoryModel, reporter: Reporter): void {
  checkRegularAgreement(model, reporter);
  const distinct = checkTransitionalAgreement(model, reporter);
  checkTransitionalOrigins(model, reporter, distinct);
}

function checkRegularAgreement(model: HistoryModel, reporter: Reporter): void {
  const first = new Map<number, { inc: Incarnation; key: string; members: readonly number[] }>();
  const reported = new Set<string>();
  for (const inc of model.incarnations) {
    for (const epoch of inc.epochs) {
      const seen = first.get(epoch.ring);
      if (seen === undefined) {
        first.set(epoch.ring, { inc, key: epoch.memberKey, members: epoch.members });
        continue;
      }
      const pair = `${epoch.ring}|${seen.key}|${epoch.memberKey}`;
      if (seen.key === epoch.memberKey || reported.has(pair)) continue;
      reported.add(pair);
      const ring = model.rings.ids[epoch.ring]!;
      reporter.add('configuration-agreement', () => ({
        message: `regular configuration ${ring}: ${describe(seen.inc)} installed members ${formatMembers(seen.members)}, ` +
          `${describe(inc)} installed ${formatMembers(epoch.members)}`,
        nodes: [seen.inc.node, inc.node], ids: [ring],
      }));
    }
  }
}

/** Returns one transitional record per distinct (T, R, members), for the origin checks. */
function checkTransitionalAgreement(model: HistoryModel, reporter: Reporter): Transitional[] {
  const first = new Map<string, Transitional>();
  const distinct = new Map<string, Transitional>();
  for (const inc of model.incarnations) {
    for (const trans of inc.transitionals) {
      const full = `${trans.ring}|${trans.prevRing}|${trans.prevRing < 0 ? inc.node : ''}|${trans.memberKey}`;
      if (!distinct.has(full)) distinct.set(full, trans);
      // A first configuration comes from no ring: nobody shares it, nothing to agree on.
      if (trans.prevRing < 0) continue;
      const key = `${trans.ring}|${trans.prevRing}`;
      const seen = first.get(key);
      if (seen === undefined) {
        first.set(key, trans);
      } else if (seen.memberKey !== trans.memberKey && distinct.get(full) === trans) {
        const other = model.incarnations[seen.inc]!;
        const ring = model.rings.ids[trans.ring]!;
        const from = model.rings.ids[trans.prevRing]!;
        reporter.add('configuration-agreement', () => ({
          message: `transitional configuration ${ring} from regular ${from}: ${describe(other)} installed members ` +
            `${formatMembers(seen.members)}, ${describe(inc)} installed ${formatMembers(trans.members)}`,
          nodes: [other.node, inc.node], ids: [ring, from],
        }));
      }
    }
  }
  return [...distinct.values()];
}

function checkTransitionalOrigins(model: HistoryModel, reporter: Reporter, distinct: Transitional[]): void {
  // (T, node) → where that node's incarnation says it came from.
  const origin = new Map<string, Transitional>();
  for (const inc of model.incarnations) {
    for (const trans of inc.transitionals) {
      const key = `${trans.ring}|${inc.node}`;
      if (!origin.has(key)) origin.set(key, trans);
    }
  }
  const claimed = new Map<string, Transitional>();
  const rings = model.rings.ids;
  const fromText = (t: Transitional): string => (t.prevRing < 0 ? 'no ring (its first configuration)' : `regular ${rings[t.prevRing]}`);
  for (const trans of distinct) {
    const lister = model.incarnations[trans.inc]!;
    // A process that joined its first ring mid-way lists only itself, from no ring: it does not
    // know where its node came from, so it claims nothing.
    if (trans.prevRing < 0 && lister.midRing) continue;
    for (const q of trans.members) {
      const recorded = origin.get(`${trans.ring}|${q}`);
      // A process that joined its first ring mid-way does not know where its node came from.
      const own = recorded !== undefined && recorded.prevRing < 0 && model.incarnations[recorded.inc]!.midRing ? undefined : recorded;
      if (q !== lister.node && own !== undefined && own.prevRing !== trans.prevRing) {
        const qInc = model.incarnations[own.inc]!;
        reporter.add('configuration-agreement', () => ({
          message: `${describe(lister)} lists node ${q} in transitional configuration ${rings[trans.ring]} from ` +
            `${fromText(trans)}, but ${describe(qInc)} moved into ${rings[trans.ring]} from ${fromText(own)}`,
          nodes: [lister.node, q], ids: [rings[trans.ring]!],
        }));
      }
      const key = `${trans.ring}|${q}`;
      const other = claimed.get(key);
      if (other === undefined) claimed.set(key, trans);
      else if (other.prevRing !== trans.prevRing && own === undefined) {
        // When q's own record exists, the origin check above has already named this conflict.
        const otherInc = model.incarnations[other.inc]!;
        reporter.add('configuration-agreement', () => ({
          message: `node ${q} is in two transitional configurations of ring ${rings[trans.ring]}: from ${fromText(other)} ` +
            `(per ${describe(otherInc)}) and from ${fromText(trans)} (per ${describe(lister)})`,
          nodes: [q, otherInc.node, lister.node], ids: [rings[trans.ring]!],
        }));
      }
    }
  }
}

/**
 * Convergence (with `requireConvergence`): the processes alive at the end — the last incarnation
 * of each history, without stop or crash — all have the same last regular configuration, are not
 * between a transitional configuration and its regular one, and its members are exactly their
 * node ids.
 */
export function checkConvergence(model: HistoryModel, reporter: Reporter): void {
  const alive = model.incarnations.filter((inc) => inc.last && inc.end === 'alive');
  if (alive.length === 0) return;
  const aliveNodes = [...new Set(alive.map((inc) => inc.node))].sort((a, b) => a - b);
  const byRing = new Map<number, Incarnation[]>();
  for (const inc of alive) {
    const epoch = inc.epochs[inc.epochs.length - 1];
    if (epoch === undefined) {
      reporter.add('convergence', () => ({ message: `${describe(inc)} is alive but never installed a regular configuration`, nodes: [inc.node] }));
      continue;
    }
    if (epoch.nextTrans >= 0 || epoch.endPos !== Infinity) {
      const trans = epoch.nextTrans >= 0 ? model.rings.ids[epoch.nextTrans] : '?';
      reporter.add('convergence', () => ({
        message: `${describe(inc)} ends between configurations: transitional ${trans} installed after regular ` +
          `${model.rings.ids[epoch.ring]}, but not its regular configuration`, nodes: [inc.node],
      }));
    }
    const list = byRing.get(epoch.ring) ?? [];
    list.push(inc);
    byRing.set(epoch.ring, list);
  }
  if (byRing.size > 1) {
    const parts = [...byRing.entries()].map(([ring, incs]) => {
      const members = incs[0]!.epochs[incs[0]!.epochs.length - 1]!.members;
      return `nodes ${incs.map((i) => i.node).join(',')} in ${model.rings.ids[ring]} ${formatMembers(members)}`;
    });
    reporter.add('convergence', () => ({
      message: `alive processes end in different regular configurations: ${parts.join('; ')}`,
      nodes: aliveNodes, ids: [...byRing.keys()].map((r) => model.rings.ids[r]!),
    }));
    return;
  }
  for (const [ring, incs] of byRing) {
    const members = incs[0]!.epochs[incs[0]!.epochs.length - 1]!.members;
    const missing = aliveNodes.filter((n) => !members.includes(n));
    const extra = members.filter((n) => !aliveNodes.includes(n));
    if (missing.length === 0 && extra.length === 0) continue;
    reporter.add('convergence', () => ({
      message: `final regular configuration ${model.rings.ids[ring]} ${formatMembers(members)} does not match the alive ` +
        `nodes ${formatMembers(aliveNodes)}` + (missing.length ? `; alive but not members: ${listSome(missing.map(String))}` : '') +
        (extra.length ? `; members not alive: ${listSome(extra.map(String))}` : ''),
      nodes: [...missing, ...extra], ids: [model.rings.ids[ring]!],
    }));
  }
}
