/**
 * Whether an event's pattern array passes a subscription's filter array (design note 2.2).
 * Patterns and filters are bytes, compared bytewise (OpenAIS's strncmp stopped at a NUL: not
 * copied). Filter i is applied to pattern i.
 *
 * - 'sa' (default, the SA Forum rule as OpenSAF implements it): when there are more filters than
 *   patterns, each extra filter must match the empty pattern (so a non-empty prefix, suffix or
 *   exact filter fails, a size-0 one or pass-all passes); extra patterns are accepted.
 * - 'openais': only the first min(filters, patterns) pairs are compared; extra filters are
 *   ignored, so an event without patterns passes every filter array.
 */
import type { EvtFilter } from '../../protocol/evt-lib.js';

export type FilterRule = 'sa' | 'openais';

const EMPTY = new Uint8Array(0);

function equalAt(pattern: Uint8Array, filter: Uint8Array, offset: number): boolean {
  for (let i = 0; i < filter.length; i++) if (pattern[offset + i] !== filter[i]) return false;
  return true;
}

export function filterMatches(filter: EvtFilter, pattern: Uint8Array): boolean {
  const f = filter.pattern;
  switch (filter.type) {
    case 'passAll':
      return true;
    case 'prefix':
      return f.length <= pattern.length && equalAt(pattern, f, 0);
    case 'suffix':
      return f.length <= pattern.length && equalAt(pattern, f, pattern.length - f.length);
    case 'exact':
      return f.length === pattern.length && equalAt(pattern, f, 0);
  }
}

export function eventMatches(filters: readonly EvtFilter[], patterns: readonly Uint8Array[], rule: FilterRule): boolean {
  const n = rule === 'openais' ? Math.min(filters.length, patterns.length) : filters.length;
  for (let i = 0; i < n; i++) {
    if (!filterMatches(filters[i]!, patterns[i] ?? EMPTY)) return false;
  }
  return true;
}
