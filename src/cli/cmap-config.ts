/**
 * The configuration file as cmap keys, named and typed as Corosync's coroparse stores them
 * (exec/coroparse.c main_config_parser_cb): `section.key` as a string unless Corosync gives the key
 * a type, `totem.interface.<linknumber>.*`, `nodelist.node.<position>.*`, `logging.logger_subsys.
 * <subsys>.*`, `uidgid.config.{uid,gid}.<name>`; then `nodelist.local_node_pos`, as totemconfig
 * adds it. ringcastd hands the result to the cmap service at start, and a reload can hand it again
 * (CmapService.refreshFromConfig). Keys ringcast's own sections use (`ringcast.*`, `event.*`) are
 * stored the same way, as strings.
 */
import { parseConf, type ConfSection } from '../config/index.js';
import type { CmapEntry } from '../protocol/cmap.js';
import { integerRange, integerValue, stringValue, type CmapTypeName } from '../protocol/cmap-values.js';

const U32_KEYS = new Set([
  'totem.version', 'totem.nodeid', 'totem.threads', 'totem.token', 'totem.token_coefficient', 'totem.token_retransmit',
  'totem.token_warning', 'totem.hold', 'totem.token_retransmits_before_loss_const', 'totem.join', 'totem.send_join',
  'totem.consensus', 'totem.merge', 'totem.downcheck', 'totem.fail_recv_const', 'totem.seqno_unchanged_const',
  'totem.heartbeat_failures_allowed', 'totem.max_network_delay', 'totem.window_size', 'totem.max_messages',
  'totem.miss_count_const', 'totem.knet_pmtud_interval', 'totem.knet_mtu', 'totem.knet_compression_threshold', 'totem.netmtu',
  'quorum.expected_votes', 'quorum.votes', 'quorum.last_man_standing_window', 'quorum.leaving_timeout',
  'quorum.device.timeout', 'quorum.device.sync_timeout', 'quorum.device.votes', 'resources.watchdog_timeout',
]);
const TYPED: Readonly<Record<string, CmapTypeName>> = {
  'totem.config_version': 'u64', 'totem.knet_compression_level': 'i32', 'totem.ip_dscp': 'u8',
  'quorum.two_node': 'u8', 'quorum.expected_votes_tracking': 'u8', 'quorum.allow_downscale': 'u8', 'quorum.wait_for_all': 'u8',
  'quorum.auto_tie_breaker': 'u8', 'quorum.last_man_standing': 'u8', 'quorum.device.master_wins': 'u8',
};
const INTERFACE_TYPES: Readonly<Record<string, CmapTypeName>> = {
  mcastport: 'u16', ttl: 'u8', knet_link_priority: 'u8', knet_ping_interval: 'u32', knet_ping_timeout: 'u32',
  knet_ping_precision: 'u32', knet_pong_count: 'u32',
};
const NODE_TYPES: Readonly<Record<string, CmapTypeName>> = { nodeid: 'u32', quorum_votes: 'u32' };

/** A value as Corosync's safe_atoq reads it for `type`; text that is not a number stays a string. */
function typed(key: string, text: string, type: CmapTypeName | undefined): CmapEntry {
  if (type !== undefined && /^[+-]?\d+$/.test(text.trim())) {
    const n = BigInt(text.trim());
    const { min, max } = integerRange(type);
    if (n >= min && n <= max) return { key, value: integerValue(type, n) };
  }
  return { key, value: stringValue(text) };
}

interface Walk {
  readonly out: CmapEntry[];
  nodePosition: number;
}

function keysOf(section: ConfSection): { name: string; value: string }[] {
  return section.entries.filter((e) => e.kind === 'key').map((e) => ({ name: e.name, value: (e as { value: string }).value }));
}

function walk(section: ConfSection, path: string, w: Walk): void {
  for (const e of section.entries) {
    if (e.kind === 'key') {
      const key = path ? `${path}.${e.name}` : e.name;
      w.out.push(typed(key, e.value, U32_KEYS.has(key) ? 'u32' : TYPED[key]));
      continue;
    }
    const sub = path ? `${path}.${e.name}` : e.name;
    if (sub === 'totem.interface') interfaceSection(e, w);
    else if (sub === 'nodelist.node') nodeSection(e, w);
    else if (sub === 'logging.logger_subsys') subsysSection(e, w);
    else if (sub === 'uidgid') uidgidSection(e, w);
    else walk(e, sub, w);
  }
}

function interfaceSection(s: ConfSection, w: Walk): void {
  const keys = keysOf(s);
  const link = keys.find((k) => k.name === 'linknumber' || k.name === 'ringnumber')?.value ?? '0';
  for (const k of keys) {
    if (k.name === 'linknumber' || k.name === 'ringnumber') continue;
    w.out.push(typed(`totem.interface.${link}.${k.name}`, k.value, INTERFACE_TYPES[k.name]));
  }
}

function nodeSection(s: ConfSection, w: Walk): void {
  const pos = w.nodePosition++;
  for (const k of keysOf(s)) w.out.push(typed(`nodelist.node.${pos}.${k.name}`, k.value, NODE_TYPES[k.name]));
}

function subsysSection(s: ConfSection, w: Walk): void {
  const keys = keysOf(s);
  const subsys = keys.find((k) => k.name === 'subsys')?.value;
  if (subsys === undefined) return;
  for (const k of keys) w.out.push({ key: `logging.logger_subsys.${subsys}.${k.name}`, value: stringValue(k.value) });
}

function uidgidSection(s: ConfSection, w: Walk): void {
  for (const k of keysOf(s)) {
    if (k.name === 'uid' || k.name === 'gid') w.out.push({ key: `uidgid.config.${k.name}.${k.value}`, value: integerValue('u8', 1) });
    else w.out.push({ key: `uidgid.${k.name}`, value: stringValue(k.value) });
  }
}

/** The keys of a parsed file; `localNodeId` adds nodelist.local_node_pos when the nodelist has it. */
export function cmapConfigEntries(root: ConfSection, localNodeId?: number): CmapEntry[] {
  const w: Walk = { out: [], nodePosition: 0 };
  walk(root, '', w);
  if (localNodeId !== undefined) {
    const pos = w.out.find((e) => /^nodelist\.node\.\d+\.nodeid$/.test(e.key) && e.value.type === 'u32' && new DataView(e.value.bytes.buffer, e.value.bytes.byteOffset).getUint32(0, true) === localNodeId);
    if (pos) w.out.push({ key: 'nodelist.local_node_pos', value: integerValue('u32', Number(pos.key.split('.')[2])) });
  }
  // A key written twice keeps its last value, as icmap's set does.
  return [...new Map(w.out.map((e) => [e.key, e])).values()];
}

/** The same from the file's text (a file ringcastd already loaded, so it parses). */
export function cmapConfigFromText(text: string, localNodeId?: number): CmapEntry[] {
  const parsed = parseConf(text);
  return parsed.ok ? cmapConfigEntries(parsed.root, localNodeId) : [];
}
