#!/usr/bin/env node
/**
 * ringcast: the operator's tool. Subcommands:
 *   ringcast keygen -k FILE [--force] [--size BYTES]   write a cluster key file (mode 0400)
 *   ringcast status [--state-dir DIR] [--json]         membership, ring id and counters of a local daemon
 *   ringcast members [--state-dir DIR] [--json]        the current ring id and its member node ids
 *   ringcast cpg list|send|watch ...                   CPG groups, a sender and a recording watcher
 *   ringcast clm nodes|track ...                       SA Forum cluster membership: the view, its changes
 * Every command but keygen finds the daemon by its socket `<state dir>/ringcast.sock` (--state-dir,
 * else RINGCAST_STATE_DIR, else /var/lib/ringcast); exit code 2 when it cannot be reached.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { keygenCommand } from '../net/crypto/index.js';
import type { DaemonStatus } from '../protocol/status.js';
import { RingcastError, type RingcastClient } from '../client/index.js';
import { CPG_USAGE } from './cpg-args.js';
import { CliExit, connectOrExplain, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE } from './cpg-client.js';
import { cpgCommand } from './cpg-commands.js';
import { clmCommand } from './clm-commands.js';
import { resolveStateDir, STATUS_FILE } from '../protocol/paths.js';

const USAGE = `usage: ringcast <command> [options]
  keygen -k FILE [--force] [--size BYTES]   write a new cluster key file
  status [--state-dir DIR] [--json]         show the local daemon's membership and counters
  members [--state-dir DIR] [--json]        show the current ring id and its members
  cpg list [--json]                         CPG groups and their members
  cpg send GROUP [--count N] [--size BYTES] [--rate MSGS_PER_S] [--guarantee agreed|safe] [--json]
  cpg watch GROUP --history FILE [--count N] [--json]
  clm nodes [--json]                        the SA Forum CLM view: every member node's record
  clm track [--changes-only] [--count N] [--timeout-ms T] [--json]
The daemon is found through --state-dir DIR or RINGCAST_STATE_DIR (default /var/lib/ringcast).
Exit codes: 0 done, 1 failed, 2 usage error or daemon not reachable.`;

const STATE_OPTIONS = { 'state-dir': { type: 'string' }, json: { type: 'boolean' } } as const;

function parseStateArgs(args: string[]): { stateDir: string | undefined; json: boolean } {
  try {
    const { values } = parseArgs({ args, options: STATE_OPTIONS, strict: true });
    return { stateDir: values['state-dir'], json: values.json === true };
  } catch (err) {
    throw new CliExit(EXIT_UNREACHABLE, `${(err as Error).message}\n${USAGE}`);
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
  console.log(`Token rotations/s: ${s.rates.tokenRotationsPerSec}   deliveries/s: ${s.rates.deliveriesPerSec}`);
  for (const [k, v] of Object.entries(s.counters)) console.log(`  ${k.padEnd(20)} ${v}`);
}

async function status(args: string[]): Promise<number> {
  const { stateDir, json } = parseStateArgs(args);
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

async function members(args: string[]): Promise<number> {
  const { stateDir, json } = parseStateArgs(args);
  const m = await withClient(stateDir, (client) => client.members());
  if (json) console.log(JSON.stringify(m));
  else {
    console.log(`Ring ID: ${m.ring} (${m.state})`);
    console.log(`Members (${m.members.length}): ${m.members.join(' ')}`);
  }
  return EXIT_OK;
}

async function run(command: string | undefined, rest: string[]): Promise<number> {
  switch (command) {
    case 'keygen':
      return keygenCommand(rest);
    case 'status':
      return status(rest);
    case 'members':
      return members(rest);
    case 'cpg':
      if (rest[0] === '-h' || rest[0] === '--help') {
        console.log(CPG_USAGE);
        return EXIT_OK;
      }
      return cpgCommand(rest);
    case 'clm':
      return clmCommand(rest);
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command === undefined ? EXIT_UNREACHABLE : EXIT_OK;
    default:
      console.error(`ringcast: unknown command "${command}"\n${USAGE}`);
      return EXIT_UNREACHABLE;
  }
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  try {
    return await run(command, rest);
  } catch (err) {
    if (err instanceof CliExit) {
      console.error(`ringcast: ${err.message}`);
      return err.exitCode;
    }
    if (err instanceof RingcastError) {
      console.error(`ringcast: ${err.message} [${err.code}]`);
      return EXIT_FAILED;
    }
    throw err;
  }
}

main().then((code) => (process.exitCode = code), (err) => {
  console.error(`ringcast: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
