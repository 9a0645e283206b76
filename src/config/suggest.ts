/**
 * "Did you mean" for unknown keys and sections: the closest known name by edit distance, or the
 * section where a misplaced key belongs (`token` written in logging {} belongs in totem {}).
 */
import { allSections, ROOT_SPEC, type SectionSpec } from './schema.js';

/** Levenshtein distance, bounded by the short names it is used on (a few dozen characters). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The closest candidate within a distance that grows with the name, or undefined. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  if (name.length > 64) return undefined;
  const allowed = name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function keyNames(spec: SectionSpec): string[] {
  return [...spec.keys.map((k) => k.name), ...Object.keys(spec.ignoredKeys ?? {})];
}

function sectionNames(spec: SectionSpec): string[] {
  return [...(spec.sections ?? []).map((s) => s.name), ...Object.keys(spec.ignoredSections ?? {})];
}

/** ` (did you mean token?)`, ` (token belongs in totem {})`, or ''. */
export function keyHint(name: string, spec: SectionSpec): string {
  const near = closest(name, keyNames(spec));
  if (near !== undefined) return ` (did you mean ${near}?)`;
  const home = allSections().find((s) => s.spec !== spec && s.spec.keys.some((k) => k.name === name));
  return home ? ` (${name} belongs in ${home.path} {})` : '';
}

export function sectionHint(name: string, spec: SectionSpec): string {
  const near = closest(name, sectionNames(spec));
  if (near !== undefined) return ` (did you mean ${near}?)`;
  const home = [{ path: '', spec: ROOT_SPEC }, ...allSections()]
    .find((s) => s.spec !== spec && (s.spec.sections ?? []).some((c) => c.name === name));
  if (!home) return '';
  return home.path === '' ? ` (${name} {} is a top-level section)` : ` (${name} {} belongs in ${home.path} {})`;
}
