/**
 * `ringcast status` and `ringcast members`: what the local daemon's status service says, as
 * text or JSON. In both JSON outputs `ringId` is the string the logs and status.json print,
 * Corosync's `<rep hex>.<seq hex>` (protocol/ring-id.ts), so a script can compare them directly;
 * history files keep their decimal `<rep>.<seq>`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonStatus } from '../protocol/status.js';
import type { RingcastClient } from '../client/index.js';
import { resolveStateDir, STATUS_FILE } from '../protocol/paths.js';
import { parseCommandArgs, UsageError } from './args.js';
import { CliExit, connectOrExplain, EXIT_OK, EXIT_UNREACHABLE } from './cpg-client.js';

export const STATUS_USAGE = `usage: ringcast status [--state-dir DIR] [--json]
  the local daemon's membership, ring id, counters and rates (from its socket, else its status.json)
  --state-dir DIR  the daemon's state directory (default: RINGCAST_STATE_DIR, else /var/lib/ringcast)
  --json           one JSON object; ringId is a string "<rep hex>.<seq hex>" (Corosync's 1.1c), as in the logs`;

export const MEMBERS_USAGE = `usage: ringcast members [--state-dir DIR] [--json]
  the current ring id and its member node ids
  --state-dir DIR  the daemon's state directory (default: RINGCAST_STATE_DIR, else /var/lib/ringcast)
  --json           {"ringId":"<rep hex>.<seq hex>","state":"...","members":[...]}`;

const STATE_OPTIONS = { 'state-dir': { type: 'string' }, json: { type: 'boolean' } } as const;

function parseStateArgs(args: string[], usage: string): { stateDir: string | undefined; json: boolean } {
  try {
    const { values } = parseCommandArgs(args, STATE_OPTIONS);
    return { stateDir: values['state-dir'] as string | undefined, json: values['json'] === true };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new CliExit(EXIT_UNREACHABLE, `${err.message}\n${usage}`);
  }
}

async function withClient<T>(stateDir: string | undefined, fn: (client: RingcastClient) => Promise<T>): Promise<T> {
  const client = await connectOrExplain(stateDir);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

function printStatus(s: DaemonStatus, alive: boolean): void {
  console.log(`Cluster ${s.clusterName}: node ${s.nodeId} (pid ${s.pid}${alive ? '' : ', NOT RUNNING'}), ${s.state}`);
  console.log(`Ring ID: ${s.ringId} since ${s.since}`);
  console.log(`Members: ${s.members.join(' ')}`);
  if (s.quorate !== undefined) console.log(`Quorate: ${s.quorate ? 'Yes' : 'No'}`);
  if (s.metricsAddress !== undefined) console.log(`Metrics: http://${s.metricsAddress}/metrics`);
  console.log(`Token rotations/s: ${s.rates.tokenRotationsPerSec}   deliveries/s: ${s.rates.deliveriesPerSec}`);
  for (const [k, v] of Object.entries(s.counters)) console.log(`  ${k.padEnd(20)} ${v}`);
}

export async function statusCommand(args: string[]): Promise<number> {
  const { stateDir, json } = parseStateArgs(args, STATUS_USAGE);
  let s: DaemonStatus;
  try {
    s = await withClient(stateDir, (client) => client.status());
  } catch (err) {
    // A daemon without the status service, or whose socket is gone while status.json is fresh:
    // say so and show the file, as the tool did before the IPC existed.
    if (!(err instanceof CliExit)) throw err;
    return statusFromFile(resolveStateDir(stateDir), json, err);
  }
  if (json) console.log(JSON.stringify({ ...s, alive: true, source: 'ipc' }));
  else printStatus(s, true);
  return EXIT_OK;
}

function statusFromFile(dir: string, json: boolean, why: CliExit): number {
  let s: DaemonStatus;
  try {
    s = JSON.parse(readFileSync(join(dir, STATUS_FILE), 'utf8')) as DaemonStatus;
  } catch {
    throw why;
  }
  let alive = true;
  try {
    process.kill(s.pid, 0);
  } catch {
    alive = false;
  }
  if (!alive) throw why;
  const ageMs = Date.now() - Date.parse(s.updated);
  console.error(`ringcast: note: IPC not available (${why.message.split('\n')[0]}); showing ${join(dir, STATUS_FILE)}`);
  if (json) console.log(JSON.stringify({ ...s, alive, ageMs, source: 'file' }));
  else {
    printStatus(s, alive);
    if (ageMs > 5000) console.log(`(status is ${Math.round(ageMs / 1000)} s old)`);
  }
  return EXIT_OK;
}

export async function membersCommand(args: string[]): Promise<number> {
  const { stateDir, json } = parseStateArgs(args, MEMBERS_USAGE);
  const m = await withClient(stateDir, (client) => client.members());
  // ringId as `status --json` and status.json give it (the string the logs print), not the
  // library's { rep, seq } object: one shape for the same field in every tool's output.
  if (json) console.log(JSON.stringify({ ringId: m.ring, state: m.state, members: m.members }));
  else {
    console.log(`Ring ID: ${m.ring} (${m.state})`);
    console.log(`Members (${m.members.length}): ${m.members.join(' ')}`);
  }
  return EXIT_OK;
}

