import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './load.js';
import { parseTieBreaker } from './quorum.js';

const node = (id: number, extra = ''): string => `  node {\n    ring0_addr: 10.0.0.${id}\n    nodeid: ${id}\n${extra}  }\n`;
const nodelist = (n: number, extra: (id: number) => string = () => ''): string =>
  `nodelist {\n${Array.from({ length: n }, (_, i) => node(i + 1, extra(i + 1))).join('')}}\n`;
const file = (quorum: string, n = 3, extra?: (id: number) => string): string => `${nodelist(n, extra)}quorum {\n${quorum}\n}\n`;

function load(text: string) {
  const r = loadConfig(text);
  return r;
}

describe('quorum {}: votequorum settings', () => {
  test('every option read, with Corosync defaults (window 10000 ms, wait_for_all following two_node)', () => {
    const r = load(file('  provider: corosync_votequorum\n  two_node: 1', 2));
    assert.ok(r.ok);
    assert.deepEqual(r.config.quorum, {
      provider: 'corosync_votequorum', twoNode: true, waitForAll: true, lastManStanding: false,
      lastManStandingWindowMs: 10000, autoTieBreaker: { kind: 'none' }, allowDownscale: false, expectedVotesTracking: false,
    });
    const explicit = load(file('  provider: corosync_votequorum\n  two_node: 1\n  wait_for_all: 0', 2));
    assert.ok(explicit.ok);
    assert.equal(explicit.config.quorum.waitForAll, false);
  });

  test('last_man_standing with its window, auto_tie_breaker lists, allow_downscale, per-node quorum_votes', () => {
    const r = load(file('  provider: corosync_votequorum\n  last_man_standing: 1\n  last_man_standing_window: 2500\n  auto_tie_breaker: 1\n  auto_tie_breaker_node: 3 1\n  allow_downscale: 1', 4,
      (id) => (id === 2 ? '    quorum_votes: 3\n' : '')));
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    assert.deepEqual(r.warnings, []);
    assert.equal(r.config.quorum.lastManStandingWindowMs, 2500);
    assert.deepEqual(r.config.quorum.autoTieBreaker, { kind: 'list', nodes: [3, 1] });
    assert.equal(r.config.quorum.allowDownscale, true);
    assert.equal(r.config.quorum.expectedVotesTracking, true, 'allow_downscale implies expected_votes_tracking');
    assert.deepEqual(r.config.nodes.map((n) => n.quorumVotes), [undefined, 3, undefined, undefined]);
  });

  test('expected_votes_tracking on its own', () => {
    const r = load(file('  provider: corosync_votequorum\n  expected_votes_tracking: 1', 3));
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    assert.deepEqual([r.config.quorum.expectedVotesTracking, r.config.quorum.allowDownscale], [true, false]);
    assert.equal(load(file('  provider: corosync_votequorum\n  expected_votes_tracking: 2', 3)).ok, false, 'only 0 or 1');
  });

  test('switches take 0 or 1 as Corosync (u8), with the line of the bad value', () => {
    const r = load(file('  provider: corosync_votequorum\n  wait_for_all: yes'));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(r.errors.map((e) => [e.line, e.key]), [[17, 'quorum.wait_for_all']]);
  });

  test('an unknown provider, or YKD, is an error naming the line', () => {
    for (const p of ['corosync_ykd', 'majority']) {
      const r = load(file(`  provider: ${p}`));
      assert.equal(r.ok, false);
      if (r.ok) continue;
      assert.equal(r.errors[0]!.line, 16);
      assert.match(r.errors[0]!.message, /use corosync_votequorum/);
    }
  });

  test('auto_tie_breaker and last_man_standing in an odd-sized cluster without wait_for_all: Corosync\'s fatal error', () => {
    const r = load(file('  provider: corosync_votequorum\n  auto_tie_breaker: 1\n  last_man_standing: 1'));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.errors[0]!.message, /quorum\.auto_tie_breaker: configuration error: auto_tie_breaker & last_man_standing not available in odd sized cluster/);
    // With wait_for_all it is allowed.
    assert.ok(load(file('  provider: corosync_votequorum\n  auto_tie_breaker: 1\n  last_man_standing: 1\n  wait_for_all: 1')).ok);
  });

  test('auto_tie_breaker alone in an odd-sized cluster is disabled with a warning; two_node with it loses two_node', () => {
    const odd = load(file('  provider: corosync_votequorum\n  auto_tie_breaker: 1'));
    assert.ok(odd.ok);
    assert.deepEqual(odd.config.quorum.autoTieBreaker, { kind: 'none' });
    assert.match(odd.warnings[0]!.message, /auto_tie_breaker is disabled/);
    const two = load(file('  provider: corosync_votequorum\n  auto_tie_breaker: 1\n  two_node: 1', 2));
    assert.ok(two.ok);
    assert.equal(two.config.quorum.twoNode, false);
    assert.deepEqual(two.config.quorum.autoTieBreaker, { kind: 'lowest' });
    assert.match(two.warnings[0]!.message, /two_node is disabled/);
  });

  test('a bad auto_tie_breaker_node is an error; one without auto_tie_breaker is a warning', () => {
    const bad = load(file('  provider: corosync_votequorum\n  auto_tie_breaker: 1\n  wait_for_all: 1\n  auto_tie_breaker_node: first'));
    assert.equal(bad.ok, false);
    const meaningless = load(file('  provider: corosync_votequorum\n  auto_tie_breaker_node: lowest'));
    assert.ok(meaningless.ok);
    assert.match(meaningless.warnings[0]!.message, /meaningless/);
  });

  test('without a provider the votequorum options are ignored with a warning', () => {
    const r = load(file('  last_man_standing: 1'));
    assert.ok(r.ok);
    assert.equal(r.config.quorum.provider, undefined);
    assert.match(r.warnings[0]!.message, /ignored: no quorum.provider/);
  });

  test('quorum_votes all 0 without expected_votes: Corosync\'s "must be configured" error', () => {
    const r = load(file('  provider: corosync_votequorum', 2, () => '    quorum_votes: 0\n'));
    assert.equal(r.ok, false);
    const withEv = load(file('  provider: corosync_votequorum\n  expected_votes: 2', 2, () => '    quorum_votes: 0\n'));
    assert.ok(withEv.ok);
  });

  test('parseTieBreaker: bounds and duplicates', () => {
    assert.deepEqual(parseTieBreaker(' highest '), { kind: 'highest' });
    assert.equal(parseTieBreaker('1 1'), 'node id 1 is listed twice');
    assert.match(parseTieBreaker('0') as string, /not a node id/);
    assert.match(parseTieBreaker(Array.from({ length: 385 }, (_, i) => i + 1).join(' ')) as string, /more than 384/);
  });
});
