/**
 * From the loaded configuration to the votequorum service's settings (ringcastd): this node's
 * votes, the expected votes (quorum.expected_votes, else the sum of every node's quorum_votes),
 * the options, and the node names tools print (nodelist name, else ring0_addr, as
 * corosync-quorumtool falls back to the address).
 */
import type { RingcastConfig } from '../config/index.js';
import type { ServiceHostOptions } from '../daemon/service-host.js';

export function votequorumOptions(config: RingcastConfig, nodeId: number): ServiceHostOptions['votequorum'] {
  const q = config.quorum;
  if (q.provider === undefined) return undefined;
  const votesOf = (n: { quorumVotes?: number }): number => n.quorumVotes ?? 1;
  const own = config.nodes.find((n) => n.nodeId === nodeId);
  const sum = config.nodes.reduce((total, n) => total + votesOf(n), 0);
  return {
    config: {
      votes: own ? votesOf(own) : 1,
      expectedVotes: q.expectedVotes ?? sum,
      twoNode: q.twoNode,
      waitForAll: q.waitForAll,
      lastManStanding: q.lastManStanding,
      lastManStandingWindowMs: q.lastManStandingWindowMs,
      autoTieBreaker: q.autoTieBreaker,
      allowDownscale: q.allowDownscale,
      expectedVotesTracking: q.expectedVotesTracking,
      nodelistExpectedVotes: sum,
    },
    names: new Map(config.nodes.map((n) => [n.nodeId, n.name ?? n.address])),
  };
}
