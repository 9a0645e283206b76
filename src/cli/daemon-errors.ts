/**
 * What ringcastd says when it cannot start: one line naming what failed, and a hint that leads
 * somewhere (not into the next error). Everyday mistakes (a port in use, an address this host
 * does not have, a state directory it may not write) are recognised by their errno; anything
 * else is its message and code, and the stack only with RINGCAST_DEBUG=1.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { MetricsListenError } from '../daemon/metrics-listen-error.js';

export interface NodeEntry {
  readonly nodeId: number;
  readonly address: string;
}

/** Whether `address` is one this host can bind: one of its interfaces, or anywhere in 127/8 (Linux's lo answers all of it). */
export function isLocalAddress(address: string, local: ReadonlySet<string>): boolean {
  if (local.has(address)) return true;
  if (isIPv4(address) && address.startsWith('127.')) return true;
  return isIPv6(address) && (address === '::1' || local.has(address.toLowerCase()));
}

/** This host's addresses for a message: loopback last, at most a few. */
export function describeLocal(local: ReadonlySet<string>): string {
  const list = [...local].filter((a) => !a.startsWith('fe80:')).sort((a, b) => Number(isLoopback(a)) - Number(isLoopback(b)));
  return list.length > 6 ? `${list.slice(0, 6).join(', ')}, ...` : list.join(', ');
}

function isLoopback(a: string): boolean {
  return a.startsWith('127.') || a === '::1';
}

export type NodePick = { readonly ok: true; readonly nodeId: number } | { readonly ok: false; readonly message: string };

/**
 * This node's entry: the one named by --nodeid (whose address must be local: binding another
 * host's address fails with EADDRNOTAVAIL), else the one entry whose address is local.
 */
export function pickNode(nodes: readonly NodeEntry[], flag: string | undefined, local: ReadonlySet<string>): NodePick {
  const listed = nodes.map((n) => `${n.nodeId} (${n.address})`).join(', ');
  const mine = nodes.filter((n) => isLocalAddress(n.address, local));
  if (flag !== undefined) {
    const id = Number(flag);
    const entry = /^\d+$/.test(flag) ? nodes.find((n) => n.nodeId === id) : undefined;
    if (!entry) return { ok: false, message: `--nodeid ${flag} is not in the nodelist (its nodes: ${listed})` };
    if (!isLocalAddress(entry.address, local)) {
      const hint = mine.length > 0
        ? `the entries with a local address are ${mine.map((n) => `--nodeid ${n.nodeId}`).join(', ')}`
        : `no nodelist entry names one of them: run ringcastd on the host that has ${entry.address}, or put this host's address in the nodelist`;
      return { ok: false, message: `--nodeid ${flag}: its address ${entry.address} is not an address of this host (${describeLocal(local)}); ${hint}` };
    }
    return { ok: true, nodeId: id };
  }
  if (mine.length === 1) return { ok: true, nodeId: mine[0]!.nodeId };
  if (mine.length === 0) {
    return {
      ok: false,
      message: `no nodelist entry names an address of this host (nodelist: ${listed}; this host: ${describeLocal(local)}); ` +
        'run ringcastd on one of the listed hosts, or put this host\'s address in the nodelist',
    };
  }
  return { ok: false, message: `several nodelist entries are local (${mine.map((n) => n.nodeId).join(', ')}), as on loopback; pick one with --nodeid ${mine[0]!.nodeId}` };
}

interface ErrnoLike {
  readonly code?: unknown;
  readonly syscall?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
  readonly path?: unknown;
  readonly message: string;
  readonly cause?: unknown;
}

/** The innermost error with an errno code (IpcError wraps the socket's own error as its cause). */
function errnoOf(err: unknown): ErrnoLike | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = (e as ErrnoLike).cause, depth++) {
    const code = (e as ErrnoLike).code;
    if (typeof code === 'string' && code.startsWith('E') && !code.startsWith('ERR_') && code !== 'EXIT') return e as ErrnoLike;
  }
  return undefined;
}

export interface StartContext {
  readonly stateDir: string;
}

/** One line (no stack) for a failure while starting or running the daemon. */
export function explainDaemonError(err: unknown, context: StartContext): string {
  // Already one line naming the key, the address and what to do.
  if (err instanceof MetricsListenError) return err.message;
  const errno = errnoOf(err);
  const outer = err instanceof Error ? err.message : String(err);
  if (errno !== undefined) {
    const where = typeof errno.address === 'string' ? `${errno.address}${typeof errno.port === 'number' ? `:${errno.port}` : ''}` : undefined;
    switch (errno.code) {
      case 'EADDRINUSE':
        if (errno.syscall === 'bind' && where) {
          return `cannot bind UDP ${where}: the port is in use (another ringcastd or corosync for this address?); ` +
            'stop it (ringcast status --state-dir DIR shows a running ringcastd), or give this cluster another totem { mcastport }';
        }
        return `${outer}: address in use`;
      case 'EADDRNOTAVAIL':
        return `cannot bind ${where ?? 'the node\'s address'}: it is not an address of this host; ` +
          'this node\'s nodelist entry must name one of its addresses (choose the entry with --nodeid)';
      case 'EACCES':
      case 'EPERM':
        if (typeof errno.path === 'string') {
          return `${outer === errno.message ? '' : `${outer}: `}permission denied on ${errno.path}; ` +
            `run as a user who may write it, or choose another state directory (--state-dir DIR; now ${context.stateDir})`;
        }
        if (errno.syscall === 'bind' && where) return `cannot bind ${where}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)`;
        return `${outer}: permission denied`;
      case 'ENOENT':
        if (typeof errno.path === 'string') return `${outer === errno.message ? '' : `${outer}: `}no such file or directory: ${errno.path}`;
        break;
      default:
        break;
    }
    return outer === errno.message ? `${outer}` : `${outer}: ${errno.message}`;
  }
  const code = typeof (err as { code?: unknown })?.code === 'string' ? ` [${(err as { code: string }).code}]` : '';
  return `${outer}${code}`;
}
