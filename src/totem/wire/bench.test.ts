/**
 * Throughput smoke test: the core decodes every frame, so the mcast decode path must stay cheap.
 * Prints the measured rates; the floor asserted is far below the target (>2M/s) so a loaded CI
 * machine does not fail it, while an accidental per-field allocation or DataView per frame shows
 * up in the printed numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { decodeMessage, encodeMessage, encodeMessageInto } from './index.js';
import type { Mcast, OrfToken } from './types.js';

function rate(iterations: number, body: () => void): number {
  for (let i = 0; i < 20_000; i++) body();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) body();
  return iterations / ((performance.now() - start) / 1000);
}

const mcast: Mcast = {
  kind: 'mcast', sender: 3, target: 0, encapsulated: 2, systemFrom: 3, seq: 123456, thisSeqno: 17,
  ringId: { rep: 1, seq: 1044 }, nodeId: 3, guarantee: 0, payload: new Uint8Array(200).fill(7),
};
const token: OrfToken = {
  kind: 'orf_token', sender: 3, target: 4, encapsulated: 0, seq: 99, tokenSeq: 1000, aru: 95, aruAddr: 2,
  ringId: { rep: 1, seq: 1044 }, backlog: 3, fcc: 7, retransFlg: 0,
  rtrList: [{ ringId: { rep: 1, seq: 1044 }, seq: 96 }, { ringId: { rep: 1, seq: 1044 }, seq: 97 }],
};

test('codec throughput (printed; asserted floor 300k/s)', () => {
  const frame = encodeMessage(mcast);
  const tokenFrame = encodeMessage(token);
  let sink = 0;
  const n = 1_000_000;
  const decodeMcast = rate(n, () => {
    const r = decodeMessage(frame);
    if (r.ok) sink += r.value.kind.length;
  });
  const decodeToken = rate(n, () => {
    const r = decodeMessage(tokenFrame);
    if (r.ok) sink += r.value.kind.length;
  });
  const encodeMcast = rate(n, () => {
    sink += encodeMessage(mcast).length;
  });
  const scratch = new Uint8Array(2048);
  const encodeInto = rate(n, () => {
    sink += encodeMessageInto(mcast, scratch, 0);
  });
  const fmt = (x: number) => `${(x / 1e6).toFixed(2)}M/s`;
  console.log(
    `decode mcast(200B payload) ${fmt(decodeMcast)}, decode orf_token(2 rtr) ${fmt(decodeToken)}, ` +
      `encode mcast ${fmt(encodeMcast)}, encodeInto mcast ${fmt(encodeInto)}`,
  );
  assert.ok(sink > 0);
  assert.ok(decodeMcast > 300_000, `mcast decode ${fmt(decodeMcast)}`);
  assert.ok(encodeMcast > 300_000, `mcast encode ${fmt(encodeMcast)}`);
});
