/**
 * The checker's verdict: violations by property, capped per property so a badly broken run
 * yields a readable report (and stays fast) instead of a million lines.
 */

export type PropertyName =
  | 'well-formed'
  | 'configuration-agreement'
  | 'agreed-order'
  | 'virtual-synchrony'
  | 'self-delivery'
  | 'no-duplication'
  | 'no-creation'
  | 'fifo'
  | 'sender-in-configuration'
  | 'convergence';

export const PROPERTY_NAMES: readonly PropertyName[] = [
  'well-formed',
  'configuration-agreement',
  'agreed-order',
  'virtual-synchrony',
  'self-delivery',
  'no-duplication',
  'no-creation',
  'fifo',
  'sender-in-configuration',
  'convergence',
];

export interface Violation {
  readonly property: PropertyName;
  /** Which node (and boot), which ring, which message id, which record: enough to debug. */
  readonly message: string;
  /** Node ids involved. */
  readonly nodes?: number[];
  /** Message ids (or ring ids, for configuration properties) involved. */
  readonly ids?: string[];
}

export interface CheckStats {
  /** Distinct node ids with at least one incarnation. */
  readonly nodes: number;
  /** Process incarnations (`start` records). */
  readonly incarnations: number;
  /** `config` records, transitional and regular. */
  readonly configs: number;
  readonly sends: number;
  readonly deliveries: number;
  /** Distinct message ids seen in sends or deliveries. */
  readonly messages: number;
}

export interface CheckReport {
  readonly ok: boolean;
  /** At most `maxViolationsPerProperty` per property, then one line saying how many more. */
  readonly violations: Violation[];
  readonly stats: CheckStats;
  /** Violations found per property, including those not listed. */
  readonly counts: Partial<Record<PropertyName, number>>;
}

export const DEFAULT_MAX_VIOLATIONS_PER_PROPERTY = 25;

export class Reporter {
  private readonly listed: Violation[] = [];
  readonly counts: Partial<Record<PropertyName, number>> = {};

  constructor(private readonly maxPerProperty: number) {}

  /** Counts a violation; `build` runs only if it will be listed (messages can be costly). */
  add(property: PropertyName, build: () => Omit<Violation, 'property'>): void {
    const n = (this.counts[property] ?? 0) + 1;
    this.counts[property] = n;
    if (n <= this.maxPerProperty) this.listed.push({ property, ...build() });
  }

  /** True once `property` has reached its cap: callers may skip expensive detection work. */
  full(property: PropertyName): boolean {
    return (this.counts[property] ?? 0) >= this.maxPerProperty;
  }

  get total(): number {
    let sum = 0;
    for (const p of PROPERTY_NAMES) sum += this.counts[p] ?? 0;
    return sum;
  }

  violations(): Violation[] {
    const out = [...this.listed];
    for (const p of PROPERTY_NAMES) {
      const extra = (this.counts[p] ?? 0) - this.maxPerProperty;
      if (extra > 0) out.push({ property: p, message: `${extra} further ${p} violation(s) not listed` });
    }
    return out;
  }
}

/** At most `max` items, then "… (n more)". */
export function listSome(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} … (${items.length - max} more)`;
}
