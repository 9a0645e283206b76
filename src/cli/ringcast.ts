#!/usr/bin/env node
/**
 * ringcast: the operator's tool. Subcommands:
 *   ringcast keygen -k FILE [--force] [--size BYTES]   write a cluster key file (mode 0400)
 *   ringcast status [--state-dir DIR] [--json]         membership, ring id and counters of a local daemon
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { keygenCommand } from '../net/crypto/index.js';
import { STATUS_FILE, type DaemonStatus } from '../daemon/status-file.js';
import { resolveStateDir } from './state-dir.js';

const USAGE = `usage: ringcast <command> [options]
  keygen -k FILE [--force] [--size BYTES]   write a new cluster key file
  status [--state-dir DIR] [--json]         show the local daemon's membership and counters`;

function status(args: string[]): number {
  const { values } = parseArgs({ args, options: { 'state-dir': { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const dir = resolveStateDir(values['state-dir']);
  let s: DaemonStatus;
  try {
    s = JSON.parse(readFileSync(join(dir, STATUS_FILE), 'utf8')) as DaemonStatus;
  } catch (err) {
    console.error(`ringcast: no daemon status in ${dir} (${(err as Error).message}); is ringcastd running with --state-dir ${dir}?`);
    return 1;
  }
  const ageMs = Date.now() - Date.parse(s.updated);
  let alive = true;
  try {
    process.kill(s.pid, 0);
  } catch {
    alive = false;
  }
  if (values.json) {
    console.log(JSON.stringify({ ...s, alive, ageMs }));
    return alive ? 0 : 1;
  }
  console.log(`Cluster ${s.clusterName}: node ${s.nodeId} (pid ${s.pid}${alive ? '' : ', NOT RUNNING'}), ${s.state}`);
  console.log(`Ring ID: ${s.ringId} since ${s.since}`);
  console.log(`Members: ${s.members.join(' ')}`);
  console.log(`Token rotations/s: ${s.rates.tokenRotationsPerSec}   deliveries/s: ${s.rates.deliveriesPerSec}`);
  for (const [k, v] of Object.entries(s.counters)) console.log(`  ${k.padEnd(20)} ${v}`);
  if (ageMs > 5000) console.log(`(status is ${Math.round(ageMs / 1000)} s old)`);
  return alive ? 0 : 1;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'keygen':
      return keygenCommand(rest);
    case 'status':
      return status(rest);
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`ringcast: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

main().then((code) => (process.exitCode = code), (err) => {
  console.error(`ringcast: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
