/**
 * Group names as map keys. mar_name_compare compares `length` bytes, so a name is its exact byte
 * string; latin1 maps each byte to one UTF-16 code unit, which makes the key lossless and makes
 * string order equal to bytewise order (our deterministic order of groups in a batch of callbacks).
 */
import type { GroupName } from '../../protocol/cpg/vocabulary.js';

/** Lossless key of a group name. */
export type GroupKey = string & { readonly __groupKey: unique symbol };

export function groupKey(name: GroupName): GroupKey {
  let s = '';
  for (let i = 0; i < name.length; i++) s += String.fromCharCode(name[i]!);
  return s as GroupKey;
}

export function groupNameOf(key: GroupKey): GroupName {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

/** Bytewise order of group keys. */
export function compareGroupKeys(a: GroupKey, b: GroupKey): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
