/**
 * `npm start`'s ordering demonstration: one client on every node joins group "order-demo", all of
 * them multicast at once, and each prints the order it received the messages in: the same on
 * every node (Totem's agreed order), though no two senders coordinated.
 */
import { connect, type CpgHandle, type RingcastClient } from '../client/index.js';

export interface DemoNode {
  readonly id: number;
  readonly stateDir: string;
}

const GROUP = 'order-demo';
const PER_SENDER = 3;
const DEADLINE_MS = 10_000;

export async function demonstrateOrdering(nodes: readonly DemoNode[], say: (line: string) => void): Promise<boolean> {
  const clients: RingcastClient[] = [];
  try {
    const handles: { id: number; cpg: CpgHandle; got: string[] }[] = [];
    for (const n of nodes) {
      const client = await connect({ stateDir: n.stateDir });
      clients.push(client);
      const cpg = await client.cpg();
      const entry = { id: n.id, cpg, got: [] as string[] };
      cpg.on('deliver', (m) => {
        if (m.group === GROUP) entry.got.push(new TextDecoder().decode(m.data));
      });
      await cpg.join(GROUP);
      handles.push(entry);
    }
    const total = nodes.length * PER_SENDER;
    await waitFor(async () => (await handles[0]!.cpg.membership(GROUP)).length === nodes.length, 'every client to join');
    say(`ordering: a client on each node multicasts ${PER_SENDER} messages to group "${GROUP}", all at once`);
    await Promise.all(handles.map(({ id, cpg }) =>
      Promise.all(Array.from({ length: PER_SENDER }, (_, i) => cpg.mcast(GROUP, new TextEncoder().encode(`n${id}#${i + 1}`))))));
    await waitFor(async () => handles.every((h) => h.got.length >= total), `all ${total} deliveries on every node`);
    for (const h of handles) say(`ordering: node${h.id} delivered ${h.got.join(' ')}`);
    const same = handles.every((h) => h.got.join(' ') === handles[0]!.got.join(' '));
    say(same ? 'ordering: the same order on every node (agreed order), without the senders coordinating'
      : 'ordering: the orders DIFFER: this is a bug, please report it');
    return same;
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
