/**
 * A throwaway network of Linux network namespaces for fault tests with real processes: one
 * "switch" namespace holding a bridge, and one namespace per node joined to it by a veth pair,
 * addressed 10.77.<lab>.<node>/24. Nothing is routed outside; `destroy()` removes it all.
 * Packet loss and one-way drops use nftables inside the receiving node's namespace.
 * Needs root, iproute2 and nftables (.ci/run installs them).
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

function sh(args: readonly string[]): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function labAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespace tests need root' };
  try {
    sh(['ip', '-V']);
    sh(['nft', '--version']);
  } catch {
    return { ok: false, reason: 'iproute2 and nftables are needed (apt-get install iproute2 nftables)' };
  }
  return { ok: true };
}

export class NetnsLab {
  readonly nodes: { readonly id: number; readonly ns: string; readonly address: string }[] = [];
  private readonly switchNs: string;
  private readonly tag: string;

  private constructor(readonly size: number, readonly subnet: number) {
    this.tag = `${subnet}`;
    this.switchNs = `rcsw${this.tag}`;
  }

  /**
   * Creates `size` node namespaces on one bridge. Without `subnet` it claims a free one (1-250):
   * creating the switch namespace is the claim, and it fails when another lab (a test file
   * running beside this one) holds that subnet, so parallel labs never tear each other down.
   * An explicit `subnet` removes whatever lab had it first (for a script that owns the machine).
   */
  static create(size: number, subnet?: number): NetnsLab {
    if (subnet !== undefined) {
      const lab = new NetnsLab(size, subnet);
      lab.destroy();
      sh(['ip', 'netns', 'add', lab.switchNs]);
      return lab.build();
    }
    const first = process.pid % 250;
    for (let k = 0; k < 250; k++) {
      const lab = new NetnsLab(size, 1 + ((first + k) % 250));
      try {
        sh(['ip', 'netns', 'add', lab.switchNs]);
      } catch {
        continue; // another lab holds it (or a crashed run left it): try the next
      }
      return lab.build();
    }
    throw new Error('no free lab subnet among 1-250 (stale rcsw* namespaces? `ip netns list`)');
  }

  /** The bridge in the (already created) switch namespace, then the nodes. */
  private build(): NetnsLab {
    const lab = this;
    // Node namespaces a crashed run left under this subnet: ours now, since we hold its switch.
    lab.destroyNodes();
    sh(['ip', '-n', lab.switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
    sh(['ip', '-n', lab.switchNs, 'link', 'set', 'br0', 'up']);
    for (let id = 1; id <= lab.size; id++) {
      const ns = `rcn${lab.tag}x${id}`;
      const a = `rc${lab.tag}a${id}`;
      const b = `rc${lab.tag}b${id}`;
      const address = `10.77.${lab.subnet}.${id}`;
      sh(['ip', 'netns', 'add', ns]);
      sh(['ip', 'link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
      sh(['ip', 'link', 'set', a, 'netns', lab.switchNs]);
      sh(['ip', 'link', 'set', b, 'netns', ns]);
      sh(['ip', '-n', lab.switchNs, 'link', 'set', a, 'master', 'br0', 'up']);
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      sh(['ip', '-n', ns, 'link', 'set', b, 'name', 'eth0']);
      sh(['ip', '-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      sh(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
      sh(['ip', 'netns', 'exec', ns, 'nft', 'add', 'table', 'inet', 'ringcast']);
      sh(['ip', 'netns', 'exec', ns, 'nft', 'add', 'chain', 'inet', 'ringcast', 'input',
        '{ type filter hook input priority 0 ; policy accept ; }']);
      lab.nodes.push({ id, ns, address });
    }
    return lab;
  }

  /** Runs a command inside a node's namespace. */
  spawnIn(id: number, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.ns(id), command, ...args], options);
  }

  /** Random loss of `percent`% on every datagram a node receives (0 removes it). */
  setLoss(percent: number): void {
    for (const n of this.nodes) {
      this.flush(n.id);
      if (percent > 0) {
        sh(['ip', 'netns', 'exec', n.ns, 'nft', 'add', 'rule', 'inet', 'ringcast', 'input',
          'meta', 'l4proto', 'udp', 'numgen', 'random', 'mod', '100', '<', String(percent), 'drop']);
      }
    }
  }

  /**
   * Drops (or stops dropping) every IP fragment but the first arriving at node `id`, as a firewall
   * that refuses fragments does: a UDP datagram larger than the MTU never arrives whole. A chain of
   * its own at prerouting, ahead of the kernel's reassembly, so the loss rules stay apart.
   */
  dropIpFragments(id: number, drop: boolean): void {
    const ns = this.ns(id);
    try {
      sh(['ip', 'netns', 'exec', ns, 'nft', 'delete', 'chain', 'inet', 'ringcast', 'fragments']);
    } catch {
      // not there
    }
    if (!drop) return;
    sh(['ip', 'netns', 'exec', ns, 'nft', 'add', 'chain', 'inet', 'ringcast', 'fragments',
      '{ type filter hook prerouting priority -450 ; policy accept ; }']);
    sh(['ip', 'netns', 'exec', ns, 'nft', 'add', 'rule', 'inet', 'ringcast', 'fragments', 'ip', 'frag-off', '&', '0x1fff', '!=', '0', 'drop']);
  }

  /** Symmetric partition: nodes in different groups drop each other's datagrams. */
  partition(groups: readonly (readonly number[])[]): void {
    for (const n of this.nodes) this.flush(n.id);
    for (const group of groups) {
      const others = this.nodes.filter((n) => !group.includes(n.id));
      for (const id of group) {
        for (const o of others) this.dropFrom(id, o.address);
      }
    }
  }

  /** One-way: `to` stops hearing `from`. */
  blockOneWay(from: number, to: number): void {
    this.dropFrom(to, this.address(from));
  }

  heal(): void {
    for (const n of this.nodes) this.flush(n.id);
  }

  address(id: number): string {
    return this.nodes[id - 1]!.address;
  }

  ns(id: number): string {
    return this.nodes[id - 1]!.ns;
  }

  destroy(): void {
    this.destroyNodes();
    try {
      sh(['ip', 'netns', 'del', this.switchNs]);
    } catch {
      // not there
    }
  }

  private destroyNodes(): void {
    for (let id = 1; id <= Math.max(this.size, 8); id++) {
      try {
        sh(['ip', 'netns', 'del', `rcn${this.tag}x${id}`]);
      } catch {
        // not there
      }
    }
  }

  private dropFrom(id: number, source: string): void {
    sh(['ip', 'netns', 'exec', this.ns(id), 'nft', 'add', 'rule', 'inet', 'ringcast', 'input', 'ip', 'saddr', source, 'drop']);
  }

  private flush(id: number): void {
    sh(['ip', 'netns', 'exec', this.ns(id), 'nft', 'flush', 'chain', 'inet', 'ringcast', 'input']);
  }
}
