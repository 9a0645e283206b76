/**
 * `ringcast quorum`: corosync-quorumtool for ringcast. The text is `corosync-quorumtool -s`
 * line for line (labels, padding, the trailing blanks of `Quorum:` and of the flag words, the
 * membership table with ` (local)`), and the exit codes are its: 0 quorate, 2 not quorate
 * (EXIT_NOT_QUORATE), 1 for anything that failed, including a daemon that cannot be reached
 * (unlike the other ringcast commands, so that 2 means only "not quorate" to a script).
 *
 *   ringcast quorum [--json]                  status (-s)
 *   ringcast quorum --list [--json]           membership table only (-l)
 *   ringcast quorum --set-expected N          votequorum_setexpected (-e)
 *   ringcast quorum --set-votes N [--nodeid ID]   votequorum_setvotes (-v, -n); default: this node
 *
 * Without a quorum provider the daemon hosts no votequorum: the status shows "Quorum provider:
 * Not configured" and the quorum part only (Corosync 3.1.7 fails there with CS_ERR_BAD_HANDLE;
 * the design note suggests this instead), and the partition is quorate.
 */
import type { QuorumStatus, RingcastClient, RingcastMembers } from '../client/index.js';
import { RingcastError } from '../client/index.js';
import { parseCommandArgs, UsageError } from './args.js';
import { CliExit, connectOrExplain, EXIT_FAILED, EXIT_OK } from './cpg-client.js';

export const EXIT_NOT_QUORATE = 2;
const INT_MAX = 2 ** 31 - 1;
const UINT_MAX = 2 ** 32 - 1;

export const QUORUM_USAGE = `usage: ringcast quorum [--state-dir DIR] [--json] [--list | --set-expected N | --set-votes N [--nodeid ID]]
  the partition's quorum, as corosync-quorumtool -s prints it; exit 0 quorate, 2 not quorate, 1 failed
  --list             the membership table only (corosync-quorumtool -l)
  --set-expected N   set the cluster's expected votes (-e), 1 to 2147483647
  --set-votes N      set a node's votes (-v), 0 to 2147483647; --nodeid ID names the node (-n), default this one
  --json             {"quorate":…,"expectedVotes":…,"highestExpected":…,"totalVotes":…,"quorum":…,"flags":[…],"ringId":"1.1c","nodes":[…]}
  --state-dir DIR    the daemon's state directory (default: RINGCAST_STATE_DIR, else /var/lib/ringcast)`;

const OPTIONS = {
  'state-dir': { type: 'string' }, json: { type: 'boolean' }, list: { type: 'boolean' },
  'set-expected': { type: 'string' }, 'set-votes': { type: 'string' }, nodeid: { type: 'string' },
} as const;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** C's ctime() without its newline: "Tue Jun 13 10:15:42 2023" (the day padded with a blank), local time. */
export function ctime(d: Date): string {
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

/** print_string_padded: right-aligned in 10 columns, then one blank. */
const cell = (v: string | number): string => `${String(v).padStart(10, ' ')} `;

/** The membership block of -s and -l. */
export function membershipLines(nodes: QuorumStatus['nodes'] | readonly { nodeId: number; local: boolean; name: string; votes?: number }[], withVotes: boolean): string[] {
  const lines = ['Membership information', '----------------------', `${cell('Nodeid')}${withVotes ? cell('Votes') : ''}Name`];
  for (const n of nodes) lines.push(`${cell(n.nodeId)}${withVotes ? cell(n.votes ?? 0) : ''}${n.name}${n.local ? ' (local)' : ''}`);
  return lines;
}

/** `corosync-quorumtool -s` for a votequorum partition. */
export function statusText(s: QuorumStatus, nodeId: number, now: Date): string {
  return [
    'Quorum information',
    '------------------',
    `Date:             ${ctime(now)}`,
    'Quorum provider:  corosync_votequorum',
    `Nodes:            ${s.nodes.length}`,
    `Node ID:          ${nodeId}`,
    `Ring ID:          ${s.ringId}`,
    `Quorate:          ${s.quorate ? 'Yes' : 'No'}`,
    '',
    'Votequorum information',
    '----------------------',
    `Expected votes:   ${s.expectedVotes}`,
    `Highest expected: ${s.highestExpected}`,
    `Total votes:      ${s.totalVotes}`,
    `Quorum:           ${s.quorum} ${s.flags.includes('Quorate') ? ' ' : 'Activity blocked'}`,
    `Flags:            ${s.flags.map((w) => `${w} `).join('')}`,
    '',
    ...membershipLines(s.nodes, true),
  ].join('\n');
}

/** Without a provider: the quorum part only, as Corosync's tool prints it without votequorum. */
function noProviderText(m: RingcastMembers, nodeId: number, names: Map<number, string>, now: Date): string {
  return [
    'Quorum information',
    '------------------',
    `Date:             ${ctime(now)}`,
    'Quorum provider:  Not configured',
    `Nodes:            ${m.members.length}`,
    `Node ID:          ${nodeId}`,
    `Ring ID:          ${m.ringId.seq.toString(16)}`,
    'Quorate:          Yes',
    '',
    ...membershipLines(noProviderNodes(m, nodeId, names), false),
  ].join('\n');
}

function noProviderNodes(m: RingcastMembers, nodeId: number, names: Map<number, string>): { nodeId: number; name: string; local: boolean }[] {
  return [...m.members].sort((a, b) => a - b).map((id) => ({ nodeId: id, name: names.get(id) ?? String(id), local: id === nodeId }));
}

type Command = { kind: 'status' } | { kind: 'list' } | { kind: 'setExpected'; value: number } | { kind: 'setVotes'; votes: number; nodeId: number | undefined };

function parse(args: string[]): { stateDir: string | undefined; json: boolean; command: Command } {
  let values;
  try {
    values = parseCommandArgs(args, OPTIONS).values;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new CliExit(EXIT_FAILED, `${err.message}\n${QUORUM_USAGE}`);
  }
  const chosen = ['list', 'set-expected', 'set-votes'].filter((k) => values[k] !== undefined && values[k] !== false);
  if (chosen.length > 1) throw new CliExit(EXIT_FAILED, `--${chosen.join(' and --')} cannot be combined: one operation at a time\n${QUORUM_USAGE}`);
  if (values['nodeid'] !== undefined && values['set-votes'] === undefined) throw new CliExit(EXIT_FAILED, `--nodeid goes with --set-votes\n${QUORUM_USAGE}`);
  const int = (text: unknown, min: number, max: number): number | undefined => {
    const n = Number(text);
    return typeof text === 'string' && /^\d+$/.test(text) && Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
  };
  let command: Command = { kind: 'status' };
  if (values['list'] === true) command = { kind: 'list' };
  if (values['set-expected'] !== undefined) {
    const value = int(values['set-expected'], 1, INT_MAX);
    if (value === undefined) throw new CliExit(EXIT_FAILED, 'New expected votes value was not valid, try a positive number');
    command = { kind: 'setExpected', value };
  }
  if (values['set-votes'] !== undefined) {
    const votes = int(values['set-votes'], 0, INT_MAX);
    if (votes === undefined) throw new CliExit(EXIT_FAILED, 'New votes value was not valid, try a positive number or zero');
    let nodeId: number | undefined;
    if (values['nodeid'] !== undefined) {
      nodeId = int(values['nodeid'], 1, UINT_MAX);
      if (nodeId === undefined) throw new CliExit(EXIT_FAILED, 'The nodeid was not valid, try a positive number');
    }
    command = { kind: 'setVotes', votes, nodeId };
  }
  return { stateDir: values['state-dir'] as string | undefined, json: values['json'] === true, command };
}

export async function quorumCommand(args: string[]): Promise<number> {
  const { stateDir, json, command } = parse(args);
  let client: RingcastClient;
  try {
    client = await connectOrExplain(stateDir);
  } catch (err) {
    // corosync-quorumtool exits 1 when it cannot connect; 2 is kept for "not quorate".
    if (err instanceof CliExit) throw new CliExit(EXIT_FAILED, err.message);
    throw err;
  }
  try {
    return await run(client, command, json);
  } finally {
    await client.close();
  }
}

async function openQuorum(client: RingcastClient) {
  try {
    return await client.quorum();
  } catch (err) {
    if (err instanceof RingcastError && err.code === 'CS_ERR_NOT_EXIST') return undefined;
    throw err;
  }
}

async function run(client: RingcastClient, command: Command, json: boolean): Promise<number> {
  const q = await openQuorum(client);
  const nodeId = client.nodeId;
  if (command.kind === 'setExpected' || command.kind === 'setVotes') {
    if (q === undefined) {
      throw new CliExit(EXIT_FAILED, `You cannot change ${command.kind === 'setExpected' ? 'expected votes' : 'node votes'}, ringcastd is not using votequorum`);
    }
    try {
      if (command.kind === 'setExpected') await q.setExpected(command.value);
      else await q.setVotes(command.nodeId ?? nodeId, command.votes);
    } catch (err) {
      if (!(err instanceof RingcastError)) throw err;
      throw new CliExit(EXIT_FAILED, command.kind === 'setExpected'
        ? `Unable to set expected votes: ${err.code}`
        : `Unable to set votes ${command.votes} for nodeid: ${command.nodeId ?? nodeId}: ${err.code}`);
    }
    return EXIT_OK;
  }
  if (q === undefined) {
    const m = await client.members();
    const names = new Map<number, string>();
    if (json) {
      console.log(JSON.stringify({ quorate: true, provider: null, ringId: m.ringId.seq.toString(16), nodes: noProviderNodes(m, nodeId, names).map(({ nodeId: id, local }) => ({ nodeId: id, local })) }));
    } else if (command.kind === 'list') {
      console.log(['', ...membershipLines(noProviderNodes(m, nodeId, names), false)].join('\n'));
    } else {
      console.log(noProviderText(m, nodeId, names, new Date()));
    }
    return EXIT_OK;
  }
  let s: QuorumStatus;
  try {
    s = await q.state();
  } catch (err) {
    if (!(err instanceof RingcastError)) throw err;
    throw new CliExit(EXIT_FAILED, `Unable to get cluster quorate status: ${err.code}`);
  }
  if (command.kind === 'list') {
    if (json) console.log(JSON.stringify(s.nodes));
    else console.log(['', ...membershipLines(s.nodes, true)].join('\n'));
    return EXIT_OK;
  }
  if (json) {
    console.log(JSON.stringify({
      quorate: s.quorate, expectedVotes: s.expectedVotes, highestExpected: s.highestExpected, totalVotes: s.totalVotes,
      quorum: s.quorum, flags: s.flags, ringId: s.ringId, nodes: s.nodes,
    }));
  } else {
    console.log(statusText(s, nodeId, new Date()));
  }
  return s.quorate ? EXIT_OK : EXIT_NOT_QUORATE;
}
