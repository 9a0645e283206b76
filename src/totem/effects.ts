/**
 * Small helpers every protocol module uses to produce effects: frames, events, traces, state
 * transitions. Keeping them in one place makes every transition greppable ("transition(").
 */
import { encodeMessage } from './wire/index.js';
import type { MembState, Node } from './state.js';
import type { NodeId, TotemMessage } from './wire/types.js';

export function multicast(n: Node, msg: TotemMessage): Uint8Array {
  const frame = encodeMessage(msg);
  n.frames.push({ to: 'all', frame });
  n.stats.framesOut++;
  return frame;
}

export function unicast(n: Node, to: NodeId, msg: TotemMessage): Uint8Array {
  const frame = encodeMessage(msg);
  n.frames.push({ to, frame });
  n.stats.framesOut++;
  return frame;
}

export function transition(n: Node, to: MembState, reason: string): void {
  const from = n.state;
  n.state = to;
  n.trace?.({ kind: 'state', from, to, reason });
}
