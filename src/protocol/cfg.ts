/**
 * The cfg library protocol: what a client (src/client/cfg.ts, `ringcast cfg`) and ringcastd's
 * cfg service (src/services/cfg) say to each other inside the IPC transport's frames (the
 * transport carries the message id and the cs_error_t status).
 *
 * Ids follow Corosync's ipc_cfg.h where the call exists there (tryshutdown 3, replytoshutdown 4,
 * local_get 6, reload_config 7, trackstart 10, trackstop 11; the testshutdown event 10);
 * `linkstatus` (16) is ringcast's own: everything `ringcast cfg status` prints, in one answer.
 * Payloads carry Corosync's fields without its 24-byte header and padding, little-endian;
 * decoders are strict (exact length, counts and strings bounded) and never throw.
 *
 * Requests (client → daemon):
 * | id | request         | payload            | CS_OK answer | errors |
 * |----|-----------------|--------------------|--------------|--------|
 * |  3 | tryshutdown     | u32 flags (0 REQUEST, 1 REGARDLESS, 2 IMMEDIATE) | empty, once decided | BUSY (a client said no, or did not answer in time), EXIST (a shutdown is pending), INVALID_PARAM |
 * |  4 | replytoshutdown | u32 response (1 yes, 0 no) | empty | ACCESS (no shutdown pending, or this connection was not asked) |
 * |  6 | localget        | empty              | u32 nodeId   | — |
 * |  7 | reloadconfig    | empty              | reload (below), once this node applied the ordered RELOAD_CONFIG | TRY_AGAIN |
 * | 10 | trackstart      | u32 flags (unused, as in Corosync) | empty: this connection is asked before a shutdown | — |
 * | 11 | trackstop       | empty              | empty (counts as yes to a pending question) | — |
 * | 16 | linkstatus      | empty              | links (below) | — |
 *
 *   reload  u32 status (cs_error_t: 1 CS_OK, 7 CS_ERR_INVALID_PARAM), str message,
 *           u16 n, n × str key (applied), u16 m, m × str key (refused: cannot change at run time)
 *   links   u32 localNodeId, str transport, u32 ring rep, u64 ring seq, u8 operational,
 *           u32 n, n × node
 *   node    u32 nodeId, str address, u8 flags (1 local, 2 member, 4 connected),
 *           u32 heardAgoMs (0xffffffff: never heard since start)
 *   str     u16 length, UTF-8 bytes
 *
 * Events (daemon → tracking client):
 * | id | event        | payload |
 * |----|--------------|---------|
 * | 10 | testshutdown | u32 status (1 CS_OK: please answer; 5 CS_ERR_TIMEOUT: the question timed out), u32 flags |
 */
import { ByteReader, ByteWriter } from '../bytes/index.js';

export const CFG_SERVICE_NAME = 'cfg';
export const CfgRequest = { tryShutdown: 3, replyToShutdown: 4, localGet: 6, reloadConfig: 7, trackStart: 10, trackStop: 11, linkStatus: 16 } as const;
export const CfgEvent = { testShutdown: 10 } as const;
/** corosync_cfg_shutdown_flags_t. */
export const ShutdownFlag = { request: 0, regardless: 1, immediate: 2 } as const;
export type ShutdownFlagValue = (typeof ShutdownFlag)[keyof typeof ShutdownFlag];
export const ShutdownReply = { no: 0, yes: 1 } as const;
/** cs_error_t numbers that travel inside cfg payloads. */
export const CFG_CS_OK = 1;
export const CFG_CS_ERR_TIMEOUT = 5;
export const CFG_CS_ERR_INVALID_PARAM = 7;

/** Bounds: nodes in a link answer, keys in a reload answer, bytes of one string. */
export const CFG_NODES_MAX = 4096;
export const CFG_KEYS_MAX = 1024;
export const CFG_STRING_BYTES_MAX = 4096;
export const HEARD_NEVER = 0xffff_ffff;

export const LinkFlag = { local: 1, member: 2, connected: 4 } as const;

export interface ReloadAnswer {
  /** cs_error_t number: CFG_CS_OK, or CFG_CS_ERR_INVALID_PARAM when the file had an error. */
  readonly status: number;
  /** The file's first error with its line and key, or '' on success. */
  readonly message: string;
  readonly applied: readonly string[];
  readonly refused: readonly string[];
}

export interface LinkNode {
  readonly nodeId: number;
  readonly address: string;
  readonly flags: number;
  /** Milliseconds since a frame from this node was last accepted; HEARD_NEVER if none. */
  readonly heardAgoMs: number;
}

export interface LinkStatusAnswer {
  readonly localNodeId: number;
  readonly transport: string;
  readonly ringId: { readonly rep: number; readonly seq: number };
  readonly operational: boolean;
  /** Every nodelist node, in node id order. */
  readonly nodes: readonly LinkNode[];
}

export interface TestShutdownEvent {
  readonly status: number;
  readonly flags: number;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly detail: string };

type CfgDecodeCode = 'TOO_MANY_ENTRIES' | 'BAD_STRING';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

class CfgReader extends ByteReader<CfgDecodeCode> {
  str(what: string): string {
    const n = this.u16(`${what} length`);
    if (this.failed) return '';
    if (n > CFG_STRING_BYTES_MAX) {
      this.fail('BAD_STRING', `${what}: ${n} bytes, at most ${CFG_STRING_BYTES_MAX}`);
      return '';
    }
    const b = this.bytes(n, what);
    if (this.failed) return '';
    try {
      return strictUtf8.decode(b);
    } catch {
      this.fail('BAD_STRING', `${what}: not UTF-8`);
      return '';
    }
  }

  count(bytes: 2 | 4, minEntryBytes: number, max: number, what: string): number {
    const n = bytes === 2 ? this.u16(`${what} count`) : this.u32(`${what} count`);
    if (this.failed) return 0;
    if (n > max || n * minEntryBytes > this.remaining) {
      this.fail('TOO_MANY_ENTRIES', `${n} ${what} (at most ${max}, ${this.remaining} bytes left)`);
      return 0;
    }
    return n;
  }

  done<T>(value: T): Decoded<T> {
    const r = this.end(value);
    return r.ok ? r : { ok: false, code: r.error.code, detail: r.error.detail };
  }
}

class CfgWriter extends ByteWriter {
  /** Cut to the string bound on a character boundary: a long message must not fail the answer. */
  str(s: string): this {
    let b = utf8.encode(s);
    if (b.length > CFG_STRING_BYTES_MAX) {
      let end = CFG_STRING_BYTES_MAX;
      while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
      b = b.subarray(0, end);
    }
    return this.u16(b.length).bytes(b);
  }
}

export function encodeU32(v: number): Uint8Array {
  return new CfgWriter(4).u32(v).finish();
}

export function decodeU32(payload: Uint8Array): Decoded<number> {
  const r = new CfgReader(payload);
  const v = r.u32('value');
  return r.done(v);
}

export function encodeReload(a: ReloadAnswer): Uint8Array {
  const w = new CfgWriter().u32(a.status).str(a.message);
  const keys = (list: readonly string[]): void => {
    const kept = list.slice(0, CFG_KEYS_MAX);
    w.u16(kept.length);
    for (const k of kept) w.str(k);
  };
  keys(a.applied);
  keys(a.refused);
  return w.finish();
}

export function decodeReload(payload: Uint8Array): Decoded<ReloadAnswer> {
  const r = new CfgReader(payload);
  const status = r.u32('status');
  const message = r.str('message');
  const keys = (what: string): string[] => Array.from({ length: r.count(2, 2, CFG_KEYS_MAX, what) }, () => r.str(what));
  const applied = keys('applied keys');
  const refused = keys('refused keys');
  return r.done({ status, message, applied, refused });
}

export function encodeLinkStatus(a: LinkStatusAnswer): Uint8Array {
  const w = new CfgWriter().u32(a.localNodeId).str(a.transport).u32(a.ringId.rep).u64Big(BigInt(a.ringId.seq)).u8(a.operational ? 1 : 0);
  const nodes = a.nodes.slice(0, CFG_NODES_MAX);
  w.u32(nodes.length);
  for (const n of nodes) w.u32(n.nodeId).str(n.address).u8(n.flags).u32(n.heardAgoMs);
  return w.finish();
}

export function decodeLinkStatus(payload: Uint8Array): Decoded<LinkStatusAnswer> {
  const r = new CfgReader(payload);
  const localNodeId = r.u32('local node id');
  const transport = r.str('transport');
  const rep = r.u32('ring rep');
  const seq = r.u64Number('ring seq');
  const operational = r.u8('operational') === 1;
  // Smallest node entry: id, empty address, flags, heard.
  const n = r.count(4, 11, CFG_NODES_MAX, 'nodes');
  const nodes: LinkNode[] = [];
  for (let i = 0; i < n && !r.failed; i++) {
    nodes.push({ nodeId: r.u32('node id'), address: r.str('address'), flags: r.u8('flags'), heardAgoMs: r.u32('heard') });
  }
  return r.done({ localNodeId, transport, ringId: { rep, seq }, operational, nodes });
}

export function encodeTestShutdown(e: TestShutdownEvent): Uint8Array {
  return new CfgWriter(8).u32(e.status).u32(e.flags).finish();
}

export function decodeTestShutdown(payload: Uint8Array): Decoded<TestShutdownEvent> {
  const r = new CfgReader(payload);
  const status = r.u32('status');
  const flags = r.u32('flags');
  return r.done({ status, flags });
}
