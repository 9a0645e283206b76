import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkHistories } from './checker.js';
import type { HistoryRecord } from '../history/records.js';
import { randomRun, type RunOp, type RunOpKind } from './random-run.js';
import type { CheckReport } from './report.js';

const kinds: RunOpKind[] = [
  ...Array<RunOpKind>(6).fill('send'), ...Array<RunOpKind>(8).fill('deliver'), 'split', 'merge', 'heal', 'crash', 'stop', 'restart',
];
const op: fc.Arbitrary<RunOp> = fc.record({
  kind: fc.constantFrom(...kinds), a: fc.nat(31), b: fc.nat(255), c: fc.nat(31),
});
const run = fc.record({ nodes: fc.integer({ min: 2, max: 6 }), ops: fc.array(op, { minLength: 20, maxLength: 150, size: 'max' }) });

function explain(report: CheckReport): string {
  return report.violations.map((v) => `${v.property}: ${v.message}`).join('\n');
}

/** Positions [history, index] of adjacent deliveries of two messages that another incarnation also delivered. */
function swappablePairs(histories: HistoryRecord[][]): [number, number][] {
  const deliverers = new Map<string, Set<string>>();
  const owner = (h: number, i: number): string => {
    let boot = '';
    for (let k = i; k >= 0 && !boot; k--) { const r = histories[h]![k]!; if (r.ev === 'start') boot = r.boot; }
    return `${h}/${boot}`;
  };
  histories.forEach((records, h) => records.forEach((r, i) => {
    if (r.ev === 'deliver') (deliverers.get(r.id) ?? deliverers.set(r.id, new Set()).get(r.id)!).add(owner(h, i));
  }));
  const pairs: [number, number][] = [];
  histories.forEach((records, h) => records.forEach((r, i) => {
    const next = records[i + 1];
    if (r.ev !== 'deliver' || next?.ev !== 'deliver') return;
    const me = owner(h, i);
    const both = [...deliverers.get(r.id)!].filter((o) => o !== me && deliverers.get(next.id)!.has(o));
    if (both.length > 0) pairs.push([h, i]);
  }));
  return pairs;
}

test('every random correct EVS run passes, with convergence required', () => {
  fc.assert(fc.property(run, ({ nodes, ops }) => {
    const report = checkHistories(randomRun(nodes, ops), { requireConvergence: true });
    assert.equal(report.ok, true, explain(report));
  }), { numRuns: 300 });
});

test('an unfinished random run (not healed, not quiet) passes without convergence', () => {
  fc.assert(fc.property(run, ({ nodes, ops }) => {
    const report = checkHistories(randomRun(nodes, ops, false));
    assert.equal(report.ok, true, explain(report));
  }), { numRuns: 300 });
});

test('swapping two adjacent deliveries that another process also made breaks agreed order', () => {
  fc.assert(fc.property(run, fc.nat(), ({ nodes, ops }, pick) => {
    const histories = randomRun(nodes, ops);
    const pairs = swappablePairs(histories);
    fc.pre(pairs.length > 0);
    const [h, i] = pairs[pick % pairs.length]!;
    const records = histories[h]!;
    [records[i], records[i + 1]] = [records[i + 1]!, records[i]!];
    const report = checkHistories(histories, { requireConvergence: true });
    assert.ok(report.violations.some((v) => v.property === 'agreed-order'), explain(report));
  }), { numRuns: 200 });
});

test('repeating any delivery breaks no-duplication', () => {
  fc.assert(fc.property(run, fc.nat(), ({ nodes, ops }, pick) => {
    const histories = randomRun(nodes, ops);
    const spots = histories.flatMap((records, h) => records.flatMap((r, i) => (r.ev === 'deliver' ? [[h, i] as const] : [])));
    fc.pre(spots.length > 0);
    const [h, i] = spots[pick % spots.length]!;
    histories[h]!.splice(i + 1, 0, histories[h]![i]!);
    const report = checkHistories(histories);
    assert.ok(report.violations.some((v) => v.property === 'no-duplication'), explain(report));
  }), { numRuns: 200 });
});

test('changing the members of a shared regular configuration breaks configuration agreement', () => {
  fc.assert(fc.property(run, fc.nat(), ({ nodes, ops }, pick) => {
    const histories = randomRun(nodes, ops);
    const installs = new Map<string, number>();
    for (const records of histories) for (const r of records) if (r.ev === 'config' && r.kind === 'regular') installs.set(r.ring, (installs.get(r.ring) ?? 0) + 1);
    const spots = histories.flatMap((records, h) => records.flatMap((r, i) =>
      (r.ev === 'config' && r.kind === 'regular' && installs.get(r.ring)! > 1 ? [[h, i] as const] : [])));
    fc.pre(spots.length > 0);
    const [h, i] = spots[pick % spots.length]!;
    const r = histories[h]![i]!;
    if (r.ev !== 'config') throw new Error('unreachable');
    histories[h]![i] = { ...r, members: [...r.members, 99] };
    const report = checkHistories(histories);
    assert.ok(report.violations.some((v) => v.property === 'configuration-agreement'), explain(report));
  }), { numRuns: 200 });
});
