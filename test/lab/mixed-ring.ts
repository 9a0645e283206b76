/**
 * A ring shared by Corosync 3.1 and ringcastd processes in a NetnsLab: each node runs one or the
 * other, with one config per engine (udpu, no crypto, token 1000 ms, votequorum; ringcast with
 * corosync_compat). Corosync comes from the distribution (scripts/install-lab-tools.sh installs
 * it as root); each Corosync gets its own /run in a private mount namespace (it locks a fixed
 * pid file there).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsLab } from './netns.js';
import type { DaemonStatus } from '../../src/protocol/status.js';

const DAEMON = join(process.cwd(), 'dist/src/cli/ringcastd.js');
const CLI = join(process.cwd(), 'dist/src/cli/ringcast.js');

export type Engine = 'corosync' | 'ringcast';

export function corosyncAvailable(): { ok: true } | { ok: false; reason: string } {
  try {
    execFileSync('corosync', ['-v'], { stdio: 'ignore' });
    execFileSync('corosync-quorumtool', ['-h'], { stdio: 'ignore' });
  } catch (err) {
    // corosync-quorumtool -h exits 0; a missing binary throws ENOENT.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, reason: 'Corosync is not installed (scripts/install-lab-tools.sh installs it as root)' };
  }
  return { ok: true };
}

export interface MixedNode {
  readonly id: number;
  readonly engine: Engine;
  readonly dir: string;
  proc?: ChildProcess;
  log: string;
}

export class MixedRing {
  readonly lab: NetnsLab;
  readonly dir: string;
  readonly nodes: MixedNode[];

  /** `subnet`: see NetnsLab.create (absent: a free one is claimed). */
  constructor(engines: readonly Engine[], subnet?: number) {
    this.lab = NetnsLab.create(engines.length, subnet);
    this.dir = mkdtempSync(join(tmpdir(), 'ringcast-mixed-'));
    const nodelist = this.lab.nodes.map((n) => `  node {\n    nodeid: ${n.id}\n    name: node${n.id}\n    ring0_addr: ${n.address}\n  }`).join('\n');
    const totem = 'totem {\n  version: 2\n  cluster_name: mixed\n  transport: udpu\n  token: 1000\n  token_coefficient: 0\n  crypto_cipher: none\n  crypto_hash: none\n}\n';
    const quorum = 'quorum {\n  provider: corosync_votequorum\n}\n';
    this.nodes = engines.map((engine, i) => {
      const id = i + 1;
      const dir = join(this.dir, `node${id}`);
      mkdirSync(join(dir, 'run'), { recursive: true });
      mkdirSync(join(dir, 'state'), { recursive: true });
      const conf = engine === 'corosync'
        ? `${totem}nodelist {\n${nodelist}\n}\n${quorum}logging {\n  to_logfile: yes\n  logfile: ${join(dir, 'corosync.log')}\n  to_stderr: no\n  to_syslog: no\n  timestamp: hires\n}\nsystem {\n  state_dir: ${join(dir, 'state')}\n}\n`
        : `${totem}nodelist {\n${nodelist}\n}\n${quorum}logging {\n  to_stderr: yes\n}\nringcast {\n  corosync_compat: yes\n}\n`;
      writeFileSync(join(dir, 'node.conf'), conf);
      return { id, engine, dir, log: '' };
    });
  }

  start(id: number): void {
    const n = this.nodes[id - 1]!;
    const conf = join(n.dir, 'node.conf');
    if (n.engine === 'corosync') {
      n.proc = this.lab.spawnIn(id, 'unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c',
        'mount --bind "$1" /run && exec corosync -f -c "$2"', 'sh', join(n.dir, 'run'), conf], { stdio: 'ignore' });
    } else {
      n.proc = this.lab.spawnIn(id, process.execPath, [DAEMON, '--config', conf, '--nodeid', String(id), '--state-dir', join(n.dir, 'state')],
        { stdio: ['ignore', 'ignore', 'pipe'] });
      n.proc.stderr!.on('data', (b: Buffer) => (n.log += b.toString()));
    }
  }

  /** kill -9, and wait for the process to be gone. */
  async kill(id: number): Promise<void> {
    const p = this.nodes[id - 1]!.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  /** Corosync's log so far (its log file), or ringcastd's stderr. */
  log(id: number): string {
    const n = this.nodes[id - 1]!;
    if (n.engine === 'ringcast') return n.log;
    try {
      return readFileSync(join(n.dir, 'corosync.log'), 'utf8');
    } catch {
      return '';
    }
  }

  status(id: number): DaemonStatus | undefined {
    try {
      return JSON.parse(readFileSync(join(this.nodes[id - 1]!.dir, 'state', 'status.json'), 'utf8')) as DaemonStatus;
    } catch {
      return undefined;
    }
  }

  /** A command in node `id`'s namespace: its exit status and output (stdout then stderr). */
  exec(id: number, command: string, args: readonly string[]): { status: number; output: string } {
    try {
      const out = execFileSync('ip', ['netns', 'exec', this.lab.nodes[id - 1]!.ns, command, ...args], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
      return { status: 0, output: out };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      return { status: e.status ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  /** `ringcast ARGS` on a ringcast node, against its own daemon. */
  ringcast(id: number, args: readonly string[]): { status: number; output: string } {
    return this.exec(id, process.execPath, [CLI, ...args, '--state-dir', join(this.nodes[id - 1]!.dir, 'state')]);
  }

  /** `corosync-quorumtool -s` on a Corosync node, `ringcast quorum` on a ringcast node. */
  quorumText(id: number): string {
    const n = this.nodes[id - 1]!;
    const [cmd, args] = n.engine === 'corosync' ? ['corosync-quorumtool', ['-s']] : [process.execPath, [CLI, 'quorum', '--state-dir', join(n.dir, 'state')]];
    try {
      return execFileSync('ip', ['netns', 'exec', this.lab.nodes[id - 1]!.ns, cmd, ...args], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      // Exit 2 (not quorate) still prints the status.
      return (err as { stdout?: string }).stdout ?? '';
    }
  }

  /** Node `id` sits in a ring of `members` nodes whose service synchronization it completed. */
  synced(id: number, members: number): () => boolean {
    const n = this.nodes[id - 1]!;
    if (n.engine === 'corosync') {
      return () => {
        const q = quorumFacts(this.quorumText(id));
        const log = this.log(id);
        const lastRing = log.lastIndexOf('A new membership');
        return q.nodes.split(',').filter(Boolean).length === members && lastRing >= 0 &&
          log.indexOf('Completed service synchronization, ready to provide service.', lastRing) > lastRing;
      };
    }
    return () => {
      const s = this.status(id);
      return !!s && s.state === 'operational' && s.members.length === members && /Completed service synchronization/.test(this.log(id).split('A new membership').pop() ?? '');
    };
  }

  /** Starts every node and waits until each completed sync in the ring of all of them. */
  async form(timeoutMs = 30_000): Promise<void> {
    for (const n of this.nodes) this.start(n.id);
    for (const n of this.nodes) {
      const ready = this.synced(n.id, this.nodes.length);
      const started = Date.now();
      while (!ready()) {
        if (Date.now() - started > timeoutMs) throw new Error(`node ${n.id} (${n.engine}) did not complete sync in a ring of ${this.nodes.length} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n.id)));
    this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The parts of `corosync-quorumtool -s` both engines must agree on. */
export function quorumFacts(text: string): { ringId: string; nodes: string; totalVotes: string; quorate: string } {
  const line = (label: string) => new RegExp(`^${label}:\\s+(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  const table = text.split('Membership information')[1] ?? '';
  const rows = table.split('\n').filter((l) => /^\s+\d+\s+\d+ /.test(l)).map((l) => l.replace(' (local)', '').trim().split(/\s+/).slice(0, 2).join(':'));
  return { ringId: line('Ring ID'), nodes: rows.join(','), totalVotes: line('Total votes'), quorate: line('Quorate') };
}
