/**
 * Processor sets as sorted, duplicate-free arrays of node ids. Rings are small (Corosync caps
 * them at PROCESSOR_COUNT_MAX), so linear merges beat hashing and keep results canonical:
 * two equal sets are equal arrays, which makes logs and comparisons deterministic.
 */
import type { NodeId } from './wire/types.js';

export type NodeSet = readonly NodeId[];

export function toSet(ids: Iterable<NodeId>): NodeSet {
  return [...new Set(ids)].sort((a, b) => a - b);
}

export function setHas(set: NodeSet, id: NodeId): boolean {
  for (const x of set) if (x === id) return true;
  return false;
}

export function setUnion(a: NodeSet, b: NodeSet): NodeSet {
  if (b.length === 0) return a;
  return toSet([...a, ...b]);
}

export function setMinus(a: NodeSet, b: NodeSet): NodeSet {
  return a.filter((x) => !setHas(b, x));
}

export function setEqual(a: NodeSet, b: NodeSet): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function setSubset(sub: NodeSet, sup: NodeSet): boolean {
  for (const x of sub) if (!setHas(sup, x)) return false;
  return true;
}

/** The next processor after `me` in ring order (ascending ids, wrapping): the token's target. */
export function nextInRing(members: NodeSet, me: NodeId): NodeId {
  const index = members.indexOf(me);
  return members[(index + 1) % members.length]!;
}
