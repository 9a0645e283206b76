/**
 * nodelist { node { ring0_addr, nodeid, name } }: every member of the ring, checked as a whole.
 * Duplicate node ids, addresses and names are errors naming both lines. A missing nodeid is
 * derived from an IPv4 ring0_addr as Corosync does for udp/udpu (totemconfig.c, generate_nodeid:
 * the address as a 32-bit number, high bit cleared with clear_node_high_bit), with a warning.
 */
import { PROCESSOR_COUNT_MAX } from '../totem/wire/index.js';
import type { IssueSink } from './issues.js';
import { all, bool, first, lineOf, num, present, str, type SectionValues } from './read.js';
import type { IpVersion, NodeEntry } from './types.js';
import { canonicalAddress, ipFamily, ipv4ToUint32 } from './values.js';

interface Seen {
  /** Line of the first use, by `nodeid:3`, `ring0_addr:<canonical>`, `name:<name>`. */
  readonly used: Map<string, number>;
  family?: { readonly family: 4 | 6; readonly address: string; readonly line: number };
}

export function buildNodes(root: SectionValues, ipVersion: IpVersion, sink: IssueSink): NodeEntry[] {
  const nodelist = first(root, 'nodelist');
  if (!nodelist) {
    sink.error(0, 'nodelist', 'missing: ringcast needs nodelist { node { ring0_addr: ADDRESS  nodeid: N } } naming every member');
    return [];
  }
  const nodes = all(nodelist, 'node');
  if (nodes.length === 0) {
    sink.error(nodelist.line, 'nodelist', 'no node {} in it: name every member with node { ring0_addr: ADDRESS  nodeid: N }');
    return [];
  }
  if (nodes.length > PROCESSOR_COUNT_MAX) {
    sink.error(nodes[PROCESSOR_COUNT_MAX]!.line, 'nodelist', `more than ${PROCESSOR_COUNT_MAX} nodes (Totem's PROCESSOR_COUNT_MAX)`);
    return [];
  }
  const clearHighBit = bool(first(root, 'totem'), 'clear_node_high_bit') ?? false;
  const seen: Seen = { used: new Map() };
  const out: NodeEntry[] = [];
  for (const node of nodes) {
    const entry = buildNode(node, clearHighBit, ipVersion, seen, sink);
    if (entry) out.push(entry);
  }
  return out;
}

function buildNode(node: SectionValues, clearHighBit: boolean, ipVersion: IpVersion, seen: Seen, sink: IssueSink): NodeEntry | undefined {
  const address = str(node, 'ring0_addr');
  if (address === undefined && !present(node, 'ring0_addr')) {
    sink.error(node.line, `${node.path}.ring0_addr`, 'missing: every node needs ring0_addr, its IP address or host name');
  }
  const nodeId = nodeIdOf(node, address, clearHighBit, sink);
  const name = str(node, 'name');
  if (address === undefined || nodeId === undefined) return undefined;

  const unique = (key: string, shown: string, canonical = shown): void => {
    const line = lineOf(node, key);
    const before = seen.used.get(`${key}:${canonical}`);
    if (before !== undefined) sink.error(line, `${node.path}.${key}`, `${key} ${shown} is already used at line ${before}: every node needs its own`);
    else seen.used.set(`${key}:${canonical}`, line);
  };
  unique('nodeid', String(nodeId));
  unique('ring0_addr', address, canonicalAddress(address));
  if (name !== undefined) unique('name', name);
  checkFamily(node, address, ipVersion, seen, sink);
  const quorumVotes = num(node, 'quorum_votes');
  return { nodeId, address, ...(name === undefined ? {} : { name }), ...(quorumVotes === undefined ? {} : { quorumVotes }), line: node.line };
}

function nodeIdOf(node: SectionValues, address: string | undefined, clearHighBit: boolean, sink: IssueSink): number | undefined {
  const key = `${node.path}.nodeid`;
  if (present(node, 'nodeid')) return num(node, 'nodeid');
  if (address === undefined) {
    if (present(node, 'ring0_addr')) return undefined;
    sink.error(node.line, key, 'missing: every node needs a nodeid, 1 to 4294967295');
    return undefined;
  }
  if (ipFamily(address) !== 4) {
    sink.error(node.line, key, `missing: every node needs a nodeid, 1 to 4294967295 (it can be derived only from an IPv4 ring0_addr, and ${address} is not one)`);
    return undefined;
  }
  const raw = ipv4ToUint32(address);
  const derived = clearHighBit ? raw % 0x8000_0000 : raw;
  if (derived === 0) {
    sink.error(node.line, key, `missing, and ring0_addr ${address} gives nodeid 0, which is reserved: set nodeid`);
    return undefined;
  }
  sink.warn(node.line, key, `not set: derived ${derived} from ring0_addr ${address}, as Corosync does; write nodeid: ${derived} so the id survives an address change`);
  return derived;
}

function checkFamily(node: SectionValues, address: string, ipVersion: IpVersion, seen: Seen, sink: IssueSink): void {
  const family = ipFamily(address);
  if (family === undefined) return; // a host name: its family is known only once resolved
  const key = `${node.path}.ring0_addr`;
  const line = lineOf(node, 'ring0_addr');
  if ((ipVersion === 'ipv4' && family === 6) || (ipVersion === 'ipv6' && family === 4)) {
    sink.error(line, key, `${address} is an IPv${family} address but totem.ip_version is ${ipVersion}`);
    return;
  }
  if (!seen.family) seen.family = { family, address, line };
  else if (seen.family.family !== family) {
    sink.error(line, key, `${address} is IPv${family} but ${seen.family.address} (line ${seen.family.line}) is IPv${seen.family.family}: all nodes of a ring use one IP family`);
  }
}
