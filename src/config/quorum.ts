/**
 * quorum {} and nodelist.node.quorum_votes: votequorum's settings, checked with Corosync 3.1's
 * rules (exec/votequorum.c, votequorum_readconfig). Where Corosync logs and carries on with
 * something other than what the file says (two_node with auto_tie_breaker, auto_tie_breaker in
 * an odd-sized cluster without wait_for_all) ringcast does the same and warns at load time;
 * where Corosync refuses to start, this is an error. An auto_tie_breaker_node Corosync would
 * silently ignore (not lowest, highest or node ids) is an error here: the file would not mean
 * what it says.
 */
import { PROCESSOR_COUNT_MAX } from '../totem/wire/index.js';
import type { IssueSink } from './issues.js';
import { first, lineOf, num, present, str, type SectionValues } from './read.js';
import type { NodeEntry, QuorumSettings, TieBreakerSetting } from './types.js';
import { UINT32_MAX } from './values.js';

export const VOTEQUORUM_PROVIDER = 'corosync_votequorum';
/** Corosync's default last_man_standing_window (exec/votequorum.c). */
export const DEFAULT_LMS_WINDOW_MS = 10_000;

const OPTION_KEYS = [
  'expected_votes', 'two_node', 'wait_for_all', 'last_man_standing', 'last_man_standing_window',
  'auto_tie_breaker', 'auto_tie_breaker_node', 'allow_downscale', 'expected_votes_tracking',
] as const;

const flag = (sv: SectionValues | undefined, key: string): boolean => str(sv, key) === '1';

/** Parses auto_tie_breaker_node: `lowest`, `highest`, or node ids separated by blanks. */
export function parseTieBreaker(text: string): TieBreakerSetting | string {
  const t = text.trim();
  if (t === 'lowest') return { kind: 'lowest' };
  if (t === 'highest') return { kind: 'highest' };
  const words = t.split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return 'empty';
  if (words.length > PROCESSOR_COUNT_MAX) return `more than ${PROCESSOR_COUNT_MAX} node ids`;
  const nodes: number[] = [];
  for (const w of words) {
    const n = /^[0-9]+$/.test(w) ? Number(w) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > UINT32_MAX) return `"${w}" is not a node id (1 to ${UINT32_MAX})`;
    if (nodes.includes(n)) return `node id ${n} is listed twice`;
    nodes.push(n);
  }
  return { kind: 'list', nodes };
}

export function buildQuorum(root: SectionValues, nodes: readonly NodeEntry[], sink: IssueSink): QuorumSettings {
  const quorum = first(root, 'quorum');
  const provider = str(quorum, 'provider');
  const expectedVotes = num(quorum, 'expected_votes');
  let twoNode = flag(quorum, 'two_node');
  const base = { ...(expectedVotes === undefined ? {} : { expectedVotes }) };
  if (provider === undefined) {
    // Corosync reads these only through votequorum: without a provider nothing acts on them.
    for (const k of OPTION_KEYS.filter((key) => present(quorum, key) && key !== 'expected_votes' && key !== 'two_node')) {
      sink.warn(lineOf(quorum, k), `quorum.${k}`, `ignored: no quorum.provider is set (quorum.provider: ${VOTEQUORUM_PROVIDER} turns votequorum on)`);
    }
    return { ...base, twoNode, waitForAll: false, lastManStanding: false, lastManStandingWindowMs: DEFAULT_LMS_WINDOW_MS, autoTieBreaker: { kind: 'none' }, allowDownscale: false, expectedVotesTracking: false };
  }
  if (provider !== VOTEQUORUM_PROVIDER) {
    const why = provider === 'corosync_ykd' ? 'the YKD provider is not implemented by ringcast' : 'unknown quorum provider';
    sink.error(lineOf(quorum, 'provider'), 'quorum.provider', `"${provider}": ${why}; use ${VOTEQUORUM_PROVIDER}`);
  }
  // wait_for_all follows two_node unless written (Corosync's wait_for_all_autoset).
  const waitForAll = present(quorum, 'wait_for_all') ? flag(quorum, 'wait_for_all') : twoNode;
  const lastManStanding = flag(quorum, 'last_man_standing');
  const lastManStandingWindowMs = num(quorum, 'last_man_standing_window') ?? DEFAULT_LMS_WINDOW_MS;
  const allowDownscale = flag(quorum, 'allow_downscale');
  // allow_downscale requires tracking (votequorum_readconfig turns it on).
  const expectedVotesTracking = flag(quorum, 'expected_votes_tracking') || allowDownscale;
  let autoTieBreaker: TieBreakerSetting = { kind: 'none' };
  const atbText = str(quorum, 'auto_tie_breaker_node');
  if (flag(quorum, 'auto_tie_breaker')) {
    autoTieBreaker = { kind: 'lowest' };
    if (atbText !== undefined) {
      const parsed = parseTieBreaker(atbText);
      if (typeof parsed === 'string') {
        sink.error(lineOf(quorum, 'auto_tie_breaker_node'), 'quorum.auto_tie_breaker_node', `expected lowest, highest or node ids separated by blanks: ${parsed}`);
      } else {
        autoTieBreaker = parsed;
        if (parsed.kind === 'list') {
          const known = new Set(nodes.map((n) => n.nodeId));
          const missing = parsed.nodes.filter((id) => !known.has(id));
          if (missing.length > 0) sink.warn(lineOf(quorum, 'auto_tie_breaker_node'), 'quorum.auto_tie_breaker_node', `node id ${missing.join(', ')} is not in the nodelist`);
        }
      }
    }
  } else if (atbText !== undefined) {
    sink.warn(lineOf(quorum, 'auto_tie_breaker_node'), 'quorum.auto_tie_breaker_node', 'is meaningless while auto_tie_breaker is 0 (as Corosync says)');
  }
  let voteSum = 0;
  for (const n of nodes) voteSum += n.quorumVotes ?? 1;
  if (voteSum > UINT32_MAX) {
    sink.error(quorum?.line ?? 0, 'nodelist.node.quorum_votes', `the votes of all nodes add up to ${voteSum}, more than ${UINT32_MAX}`);
  }
  if (voteSum === 0 && expectedVotes === undefined) {
    sink.error(quorum?.line ?? 0, 'quorum', 'configuration error: every node has quorum_votes 0 and quorum.expected_votes is not set (Corosync: "nodelist or quorum.expected_votes must be configured!")');
  }
  if (twoNode && autoTieBreaker.kind !== 'none') {
    // Corosync: "two_node and auto_tie_breaker are both specified but are not compatible", two_node off.
    sink.warn(lineOf(quorum, 'two_node'), 'quorum.two_node', 'ignored: two_node and auto_tie_breaker are not compatible; two_node is disabled, as Corosync does');
    twoNode = false;
  }
  if (autoTieBreaker.kind !== 'none' && voteSum % 2 === 1 && !waitForAll) {
    if (lastManStanding) {
      sink.error(lineOf(quorum, 'auto_tie_breaker'), 'quorum.auto_tie_breaker', 'configuration error: auto_tie_breaker & last_man_standing not available in odd sized cluster (set wait_for_all: 1, or turn one of them off)');
    } else {
      sink.warn(lineOf(quorum, 'auto_tie_breaker'), 'quorum.auto_tie_breaker', `ignored: the nodes' votes add up to an odd ${voteSum} and wait_for_all is not set; auto_tie_breaker is disabled, as Corosync does`);
      autoTieBreaker = { kind: 'none' };
    }
  }
  return {
    provider: VOTEQUORUM_PROVIDER, ...base, twoNode, waitForAll, lastManStanding, lastManStandingWindowMs, autoTieBreaker, allowDownscale, expectedVotesTracking,
  };
}
