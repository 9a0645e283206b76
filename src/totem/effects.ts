/**
 * Small helpers every protocol module uses to send frames. State transitions are not here: they
 * are entered only through the enterX functions of transitions.ts.
 */
import { encodeMessage } from './wire/index.js';
import type { Node } from './state.js';
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
