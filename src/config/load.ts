/**
 * loadConfig: corosync.conf text in, RingcastConfig out, or every problem with its line and key.
 * Parse (syntax) → read (each value against the schema) → build (rules across keys, defaults).
 * Unknown keys and sections are warnings; anything that would make the daemon run differently
 * from what the file says is an error. Never throws on any input.
 */
import { IssueSink } from './issues.js';
import { buildLogging } from './logging.js';
import { buildNodes } from './nodes.js';
import { parseConf } from './parse.js';
import { first, lineOf, num, str, readConfig, type SectionValues } from './read.js';
import { buildTotem, ipVersionOf } from './totem.js';
import type { LoadResult, QuorumSettings, RingcastSettings } from './types.js';

/**
 * ringcast.frame_size default: Corosync 3 with knet sends Totem frames of up to 64 KiB and lets
 * knet cut them to the link's MTU; ringcast does the same on UDP (src/net/fragments.ts).
 */
export const DEFAULT_FRAME_SIZE = 65536;

export function loadConfig(text: string, source = 'corosync.conf'): LoadResult {
  const parsed = parseConf(text, source);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, warnings: [] };
  const sink = new IssueSink(source);
  const root = readConfig(parsed.root, sink);
  const nodes = buildNodes(root, ipVersionOf(first(root, 'totem')), sink);
  const totem = buildTotem(root, nodes, sink);
  const logging = buildLogging(root, sink);
  const quorum = buildQuorum(root);
  const ringcast = buildRingcast(root, sink);
  const { errors, warnings } = sink.finish();
  if (errors.length > 0) return { ok: false, errors, warnings };
  return { ok: true, config: { totem, nodes, logging, quorum, ringcast }, warnings };
}

function buildQuorum(root: SectionValues): QuorumSettings {
  const quorum = first(root, 'quorum');
  const provider = str(quorum, 'provider');
  const expectedVotes = num(quorum, 'expected_votes');
  return {
    ...(provider === undefined ? {} : { provider }),
    ...(expectedVotes === undefined ? {} : { expectedVotes }),
    twoNode: str(quorum, 'two_node') === '1',
  };
}

/** ringcast {}, ringcast's own section; state_dir falls back to Corosync's system.state_dir. */
function buildRingcast(root: SectionValues, sink: IssueSink): RingcastSettings {
  const own = first(root, 'ringcast');
  const system = first(root, 'system');
  const ownDir = str(own, 'state_dir');
  const systemDir = str(system, 'state_dir');
  if (ownDir !== undefined && systemDir !== undefined && ownDir !== systemDir) {
    sink.warn(lineOf(system, 'state_dir'), 'system.state_dir', `ignored: ringcast.state_dir (line ${lineOf(own, 'state_dir')}) wins`);
  }
  const stateDir = ownDir ?? systemDir;
  const history = str(own, 'history');
  const frameSize = num(own, 'frame_size') ?? DEFAULT_FRAME_SIZE;
  return { frameSize, ...(stateDir === undefined ? {} : { stateDir }), ...(history === undefined ? {} : { history }) };
}
