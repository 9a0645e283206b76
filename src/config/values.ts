/**
 * Value types of corosync.conf keys and their checks. A check returns the typed value or a
 * sentence for the operator that states what was expected, with its unit, and what was found.
 */
import { isIP, isIPv4 } from 'node:net';
import { quote } from './issues.js';

export type ValueSpec =
  | { readonly type: 'integer'; readonly unit: string; readonly min: number; readonly max: number; readonly maxReason?: string }
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly unsupported?: Readonly<Record<string, string>> }
  /** Corosync's yes/no (logging also takes on/off; both are accepted everywhere here). */
  | { readonly type: 'boolean' }
  | { readonly type: 'string'; readonly maxBytes?: number }
  | { readonly type: 'path' }
  /** An IP address or a host name (ringX_addr). */
  | { readonly type: 'host' }
  | { readonly type: 'ip' }
  /** HOST:PORT for a TCP listener: an IPv4 address, [IPv6] in brackets or a host name; port 0 = any free one. */
  | { readonly type: 'hostPort' };

export type CheckedValue = string | number | boolean;
export type CheckResult = { readonly ok: true; readonly value: CheckedValue } | { readonly ok: false; readonly detail: string };

/** Node's setTimeout turns any longer delay into 1 ms: a bound on every timer, not just taste. */
export const TIMER_MS_MAX = 2 ** 31 - 1;
export const UINT32_MAX = 2 ** 32 - 1;

export function checkValue(spec: ValueSpec, raw: string): CheckResult {
  switch (spec.type) {
    case 'integer': return checkInteger(spec, raw);
    case 'enum': return checkEnum(spec, raw);
    case 'boolean': return checkBoolean(raw);
    case 'string': return checkString(raw, spec.maxBytes);
    case 'path':
      return raw.startsWith('/') ? ok(raw) : fail(`expected an absolute path, got ${quote(raw)}`);
    case 'host':
      return isIP(raw) !== 0 || isHostName(raw) ? ok(raw) : fail(`expected an IPv4 or IPv6 address or a host name, got ${quote(raw)}`);
    case 'ip':
      return isIP(raw) !== 0 ? ok(raw) : fail(`expected an IPv4 or IPv6 address, got ${quote(raw)}`);
    case 'hostPort': {
      const parsed = parseHostPort(raw);
      return parsed.ok ? ok(raw) : fail(parsed.detail);
    }
    default: {
      const never: never = spec;
      return never;
    }
  }
}

const ok = (value: CheckedValue): CheckResult => ({ ok: true, value });
const fail = (detail: string): CheckResult => ({ ok: false, detail });

function checkInteger(spec: Extract<ValueSpec, { type: 'integer' }>, raw: string): CheckResult {
  // Corosync reads these with strtoll(…, 10) and rejects trailing text; so do we.
  if (!/^\+?[0-9]+$/.test(raw)) {
    const kind = spec.min >= 1 ? 'a positive integer' : 'a non-negative integer';
    return fail(`expected ${kind} (${spec.unit}), got ${quote(raw)}${integerHint(raw, spec.unit)}`);
  }
  const n = Number(raw);
  if (n < spec.min || n > spec.max) {
    const reason = n > spec.max && spec.maxReason ? ` (${spec.maxReason})` : '';
    const shown = raw.length > 24 ? `${raw.slice(0, 24)}...` : raw;
    return fail(`must be between ${spec.min} and ${spec.max} ${spec.unit}${reason}, got ${shown}`);
  }
  return ok(n);
}

function integerHint(raw: string, unit: string): string {
  if (raw.includes('#')) return " ('#' starts a comment only at the beginning of a line)";
  if (/^[0-9]+(\.[0-9]+)?\s*[a-z]+$/i.test(raw)) return ` (write the number of ${unit}, without a unit)`;
  if (/^[0-9]*\.[0-9]+$/.test(raw)) return ' (whole numbers only)';
  return '';
}

function checkEnum(spec: Extract<ValueSpec, { type: 'enum' }>, raw: string): CheckResult {
  if (spec.values.includes(raw)) return ok(raw);
  const unsupported = spec.unsupported?.[raw];
  if (unsupported !== undefined) return fail(`${raw} is not supported by ringcast: ${unsupported}`);
  const lower = raw.toLowerCase();
  const hint = lower !== raw && spec.values.includes(lower) ? ` (values are lower case: ${lower})` : '';
  return fail(`expected ${oneOf(spec.values)}, got ${quote(raw)}${hint}`);
}

export function oneOf(values: readonly string[]): string {
  if (values.length === 1) return values[0]!;
  return `${values.length === 2 ? '' : 'one of '}${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

function checkBoolean(raw: string): CheckResult {
  if (raw === 'yes' || raw === 'on') return ok(true);
  if (raw === 'no' || raw === 'off') return ok(false);
  return fail(`expected yes or no, got ${quote(raw)}`);
}

function checkString(raw: string, maxBytes: number | undefined): CheckResult {
  if (raw === '') return fail('expected a value, got nothing');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return fail(`control characters are not allowed, got ${quote(raw)}`);
  if (maxBytes !== undefined && Buffer.byteLength(raw, 'utf8') > maxBytes) {
    return fail(`must be at most ${maxBytes} bytes of UTF-8, got ${Buffer.byteLength(raw, 'utf8')}`);
  }
  return ok(raw);
}

export type HostPort = { readonly host: string; readonly port: number };

/**
 * `HOST:PORT` as a listener address: `10.0.0.1:9100`, `[fd00::1]:9100`, `node1:9100`; port 0 lets
 * the kernel choose. An IPv6 address must be in brackets (its own colons would hide the port).
 */
export function parseHostPort(raw: string): ({ readonly ok: true } & HostPort) | { readonly ok: false; readonly detail: string } {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([0-9]{1,5})$/.exec(raw);
  if (!m) {
    const hint = isIP(raw) === 6 || (raw.split(':').length > 2 && !raw.startsWith('['))
      ? ' (write an IPv6 address in brackets: [::1]:9100)'
      : /^[^:]+$/.test(raw) ? ' (the port is missing)' : '';
    return { ok: false, detail: `expected HOST:PORT such as 127.0.0.1:9100, got ${quote(raw)}${hint}` };
  }
  const port = Number(m[3]);
  if (port > 65535) return { ok: false, detail: `the port must be between 0 and 65535, got ${m[3]}` };
  if (m[1] !== undefined) {
    return isIP(m[1]) === 6 ? { ok: true, host: m[1], port } : { ok: false, detail: `expected an IPv6 address in brackets, got ${quote(`[${m[1]}]`)}` };
  }
  const host = m[2]!;
  if (isIP(host) === 4 || isHostName(host)) return { ok: true, host, port };
  return { ok: false, detail: `expected an IPv4 address, [IPv6] or a host name before the port, got ${quote(host)}` };
}

/** RFC 1123 host names; a dotted all-numeric name is a mistyped IPv4 address, not a host. */
export function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.replace(/\.$/, '').split('.');
  if (labels.every((l) => /^[0-9]+$/.test(l))) return false;
  return labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

export function ipFamily(address: string): 4 | 6 | undefined {
  const f = isIP(address);
  return f === 4 ? 4 : f === 6 ? 6 : undefined;
}

/** One spelling per address, so `fd00::1` and `FD00:0::1` are seen as the same node. */
export function canonicalAddress(address: string): string {
  if (isIP(address) !== 6) return address.toLowerCase().replace(/\.$/, '');
  const zone = address.includes('%') ? address.slice(address.indexOf('%')) : '';
  return ipv6Groups(address).map((g) => g.toString(16)).join(':') + zone;
}

/** The eight 16-bit groups of a valid IPv6 address (zone dropped, embedded IPv4 converted). */
function ipv6Groups(address: string): number[] {
  const bare = address.split('%')[0]!.toLowerCase();
  const [head = '', tail = ''] = bare.split('::', 2) as [string, string?];
  const part = (s: string): number[] => (s === '' ? [] : s.split(':').flatMap((g) => (isIPv4(g) ? v4Groups(g) : [parseInt(g, 16)])));
  const left = part(head);
  const right = bare.includes('::') ? part(tail) : [];
  return [...left, ...new Array<number>(Math.max(0, 8 - left.length - right.length)).fill(0), ...right];
}

function v4Groups(v4: string): number[] {
  const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number);
  return [a * 256 + b, c * 256 + d];
}

/** The address as the 32-bit number Corosync derives a nodeid from (10.0.0.1 → 0x0a000001). */
export function ipv4ToUint32(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function isMulticast(address: string): boolean {
  if (isIPv4(address)) {
    const first = Number(address.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return isIP(address) === 6 && ipv6Groups(address)[0]! >= 0xff00;
}
