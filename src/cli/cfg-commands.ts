/**
 * `ringcast cfg`: corosync-cfgtool for ringcast.
 *
 *   ringcast cfg status [--brief] [--json]   link status per node (-s, -s -b)
 *   ringcast cfg reload                      every node re-reads its own file (-R)
 *   ringcast cfg shutdown [--force]          stop this node, asking registered clients first (-H [--force])
 *
 * Text is corosync-cfgtool 3.1.7's, byte for byte (tools/corosync-cfgtool.c): the status block
 * with its tabs and the node id right-aligned in 10 columns; for udp/udpu Corosync prints no
 * transport word after `LINK ID 0` (the line ends in a blank), and so does this tool. Exit codes
 * follow ringcast's convention instead of Corosync's rough edges: 0 done; 1 the daemon answered
 * and the operation failed (a reload error, a vetoed shutdown; Corosync exits with the numeric
 * cs_error_t after -R and 0 after a vetoed -H); 2 usage error or daemon not reachable.
 */
import type { CfgLinkStatus, RingcastClient } from '../client/index.js';
import { csErrorNumber, RingcastError } from '../client/index.js';
import { parseCommandArgs, UsageError } from './args.js';
import { CliExit, connectOrExplain, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE } from './cpg-client.js';

export const CFG_USAGE = `usage: ringcast cfg status [--brief] [--json] | reload | shutdown [--force]   [--state-dir DIR]
  status     link status per node, as corosync-cfgtool -s prints it (--brief: as -s -b, one
             character per node: n this node, 3 connected, 1 not connected)
             --json: {"localNodeId":1,"transport":"udpu","ringId":"1.1c","operational":true,
             "links":[{"linkId":0,"address":"10.0.0.1","nodes":[{"nodeId":1,"address":"10.0.0.1",
             "local":true,"member":true,"connected":true,"status":"localhost","heardAgoMs":null}]}]}
  reload     every node of the ring re-reads its own configuration file (corosync-cfgtool -R);
             fails (exit 1) with the file's line and key when this node's file has an error
  shutdown   stop this node as SIGTERM does (drain, leave, exit), once every client registered for
             shutdown questions agreed (corosync-cfgtool -H); --force: stop even if one refuses
  --state-dir DIR   the daemon's state directory (default: RINGCAST_STATE_DIR, else /var/lib/ringcast)
exit codes: 0 done, 1 the operation failed (reload error, shutdown refused), 2 usage error or daemon not reachable`;

const OPTIONS = { 'state-dir': { type: 'string' }, json: { type: 'boolean' }, brief: { type: 'boolean' }, force: { type: 'boolean' } } as const;

type Action = 'status' | 'reload' | 'shutdown';
const ACTIONS: readonly Action[] = ['status', 'reload', 'shutdown'];

/** corosync-cfgtool -s (or -s -b) for ringcast's one link. */
export function linkStatusText(s: CfgLinkStatus, brief: boolean): string {
  // Corosync names the link's transport only for knet ("udp", "sctp"); udp and udpu print nothing.
  const linkTransport = s.transport === 'knet' ? 'udp' : '';
  const lines = [`Local node ID ${s.localNodeId}, transport ${s.transport}`];
  for (const link of s.links) {
    lines.push(`LINK ID ${link.linkId} ${linkTransport}`, `\taddr\t= ${link.address}`);
    if (brief) {
      // '0' + (enabled | connected << 1): every nodelist node's link is enabled.
      lines.push(`\tstatus\t= ${link.nodes.map((n) => (n.local ? 'n' : n.connected ? '3' : '1')).join('')}`);
    } else {
      lines.push('\tstatus:');
      for (const n of link.nodes) lines.push(`\t\tnodeid: ${String(n.nodeId).padStart(10, ' ')}:\t${n.status}`);
    }
  }
  return lines.join('\n');
}

function parse(args: string[]): { action: Action; stateDir: string | undefined; json: boolean; brief: boolean; force: boolean } {
  let parsed;
  try {
    parsed = parseCommandArgs(args, OPTIONS, { maxPositionals: 2 });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new CliExit(EXIT_UNREACHABLE, `${err.message}\n${CFG_USAGE}`);
  }
  const [action, ...extra] = parsed.positionals;
  if (action === undefined) throw new CliExit(EXIT_UNREACHABLE, `cfg needs an action: status, reload or shutdown\n${CFG_USAGE}`);
  if (!ACTIONS.includes(action as Action)) throw new CliExit(EXIT_UNREACHABLE, `unknown cfg action "${action}": status, reload or shutdown\n${CFG_USAGE}`);
  if (extra.length > 0) throw new CliExit(EXIT_UNREACHABLE, `unexpected argument "${extra[0]}"\n${CFG_USAGE}`);
  const v = parsed.values as { 'state-dir'?: string; json?: boolean; brief?: boolean; force?: boolean };
  const misplaced = [['json', 'status'], ['brief', 'status'], ['force', 'shutdown']].find(([flag, owner]) => v[flag as keyof typeof v] === true && action !== owner);
  if (misplaced) throw new CliExit(EXIT_UNREACHABLE, `--${misplaced[0]} goes with cfg ${misplaced[1]}\n${CFG_USAGE}`);
  return { action: action as Action, stateDir: v['state-dir'], json: v.json === true, brief: v.brief === true, force: v.force === true };
}

export async function cfgCommand(args: string[]): Promise<number> {
  const { action, stateDir, json, brief, force } = parse(args);
  const client = await connectOrExplain(stateDir);
  try {
    return await run(client, action, { json, brief, force });
  } finally {
    await client.close();
  }
}

async function run(client: RingcastClient, action: Action, o: { json: boolean; brief: boolean; force: boolean }): Promise<number> {
  const cfg = await client.cfg();
  if (action === 'status') {
    const s = await cfg.linkStatus();
    console.log(o.json ? JSON.stringify(s) : linkStatusText(s, o.brief));
    return EXIT_OK;
  }
  if (action === 'reload') {
    console.log('Reloading corosync.conf...');
    try {
      const r = await cfg.reload();
      console.log('Done');
      if (r.refused.length > 0) console.error(`Not changed at run time (see the daemon's log): ${r.refused.join(', ')}`);
      return EXIT_OK;
    } catch (err) {
      if (!(err instanceof RingcastError)) throw err;
      console.error(`Could not reload configuration. Error ${err.code}`);
      if (err.reason === 'RELOAD_FAILED') console.error(`ERROR from reload: ${err.message.replace(/^cfg reload failed on node \d+: /, '')} - see the daemon's log for more information`);
      return EXIT_FAILED;
    }
  }
  console.log('Shutting down corosync');
  try {
    await cfg.shutdown({ force: o.force });
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof RingcastError)) throw err;
    const number = csErrorNumber(err.code);
    const why = err.code === 'CS_ERR_BUSY' ? ': a client registered for shutdown questions refused, or did not answer within cfg.shutdown_timeout (--force stops anyway)'
      : err.code === 'CS_ERR_EXIST' ? ': another shutdown request is pending' : '';
    console.error(`Could not shutdown (error = ${number}) ${err.code}${why}`);
    return EXIT_FAILED;
  }
}
