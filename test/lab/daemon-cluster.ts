/**
 * A cluster of real ringcastd processes in a NetnsLab, shared by the namespace fault tests:
 * a key, a config (crypto on, token 1000 ms), per-node state dirs and histories, and the waits
 * those tests need (a ring of exactly these nodes, as the daemons' status files report it).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { NetnsLab } from './netns.js';
import { generateKey, writeKeyFile } from '../../src/net/crypto/index.js';
import { parseHistory, type HistoryRecord } from '../../src/check/index.js';
import type { DaemonStatus } from '../../src/protocol/status.js';

const DAEMON = join(process.cwd(), 'dist/src/cli/ringcastd.js');
export const TOKEN_MS = 1000;

export interface Member {
  readonly id: number;
  readonly stateDir: string;
  history: string;
  proc?: ChildProcess;
  log: string;
}

/** Polls `predicate` every 50 ms; rejects with `what` after `timeoutMs`. Resolves to the wait. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

export class DaemonCluster {
  readonly lab: NetnsLab;
  readonly dir: string;
  readonly members: Member[] = [];
  readonly config: string;

  /** `subnet`: see NetnsLab.create (absent: a free one is claimed, so parallel test files never meet). */
  constructor(size: number, prefix: string, subnet?: number) {
    this.lab = NetnsLab.create(size, subnet);
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    writeKeyFile(join(this.dir, 'authkey'), generateKey());
    this.config = join(this.dir, 'corosync.conf');
    this.writeConfig(this.config, size);
    for (let id = 1; id <= size; id++) {
      this.members.push({ id, stateDir: join(this.dir, `state${id}`), history: join(this.dir, `history${id}.jsonl`), log: '' });
    }
  }

  writeConfig(path: string, size: number, clusterName = 'lab'): void {
    const nodes = Array.from({ length: size }, (_, i) =>
      `  node {\n    ring0_addr: ${this.lab.address(i + 1)}\n    nodeid: ${i + 1}\n  }`).join('\n');
    writeFileSync(path, `totem {\n  version: 2\n  cluster_name: ${clusterName}\n  transport: udpu\n  token: ${TOKEN_MS}\n  token_coefficient: 0\n  crypto_cipher: aes256\n  crypto_hash: sha256\n  keyfile: ${join(this.dir, 'authkey')}\n}\nnodelist {\n${nodes}\n}\nlogging {\n  to_stderr: yes\n}\n`);
  }

  /** Starts node m's daemon under `--load 200:64` (or `load`), collecting its log. */
  start(m: Member, config = this.config, load = '200:64'): void {
    m.proc = this.lab.spawnIn(m.id, process.execPath, [DAEMON, '--config', config, '--nodeid', String(m.id),
      '--state-dir', m.stateDir, '--history', m.history, '--load', load], { stdio: ['ignore', 'ignore', 'pipe'] });
    m.proc.stderr!.on('data', (b: Buffer) => (m.log += b.toString()));
  }

  status(m: Member): DaemonStatus | undefined {
    try {
      return JSON.parse(readFileSync(join(m.stateDir, 'status.json'), 'utf8')) as DaemonStatus;
    } catch {
      return undefined;
    }
  }

  /** True when exactly `ids` are operational together in one ring. */
  ringOf(ids: number[]): () => boolean {
    return () => {
      const seen = ids.map((id) => this.status(this.members[id - 1]!));
      return seen.every((s) => s && s.state === 'operational' && s.members.length === ids.length && ids.every((i) => s.members.includes(i))) &&
        new Set(seen.map((s) => s!.ringId)).size === 1;
    };
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.members.map((m) => new Promise<void>((resolve) => {
      if (!m.proc || m.proc.exitCode !== null || m.proc.signalCode !== null) return resolve();
      m.proc.once('exit', () => resolve());
      m.proc.kill('SIGTERM');
    })));
  }

  /** Every node's history, failing loudly on a malformed line. */
  histories(): HistoryRecord[][] {
    return this.members.map((m) => {
      const parsed = parseHistory(readFileSync(m.history, 'utf8'));
      if (parsed.errors.length > 0) throw new Error(`history of node ${m.id}: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
      return parsed.records;
    });
  }

  async destroy(): Promise<void> {
    await this.stopAll();
    this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
