/**
 * ShutdownVote against a plain model over random histories (fast-check): trackers answering,
 * answering twice, joining late, leaving, strangers answering, the timer expiring. Properties:
 * the decision is pending exactly while an asked client has not answered (and the timer has not
 * run out); a REQUEST shuts down only when every asked client's last word is yes; REGARDLESS
 * always shuts down once decided; a stranger's answer changes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ShutdownFlag } from '../../protocol/cfg.js';
import { ShutdownVote } from './shutdown-vote.js';

type Op =
  | { kind: 'answer'; conn: number; yes: boolean }
  | { kind: 'join'; conn: number }
  | { kind: 'leave'; conn: number }
  | { kind: 'expire' };

const conn = fc.integer({ min: 0, max: 7 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('answer' as const), conn, yes: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('join' as const), conn }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), conn }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
);

test('ShutdownVote agrees with a plain model over random histories', () => {
  fc.assert(fc.property(
    fc.uniqueArray(conn, { maxLength: 6 }), fc.integer({ min: 0, max: 7 }), fc.constantFrom(ShutdownFlag.request, ShutdownFlag.regardless), fc.array(op, { maxLength: 30 }),
    (trackers, requester, flags, ops) => {
      const vote = new ShutdownVote(requester, flags, trackers);
      const model = new Map<number, 'yes' | 'no' | undefined>(trackers.filter((t) => t !== requester).map((t) => [t, undefined]));
      for (const o of ops) {
        if (o.kind === 'answer') {
          const accepted = vote.answer(o.conn, o.yes ? 'yes' : 'no');
          assert.equal(accepted, model.has(o.conn), 'only an asked client may answer');
          if (model.has(o.conn)) model.set(o.conn, o.yes ? 'yes' : 'no');
        } else if (o.kind === 'join') {
          vote.join(o.conn);
          if (o.conn !== requester && !model.has(o.conn)) model.set(o.conn, undefined);
        } else if (o.kind === 'leave') {
          vote.leave(o.conn);
          if (model.has(o.conn)) model.set(o.conn, 'yes');
        } else {
          vote.expire();
          for (const [k, v] of model) if (v === undefined) model.set(k, 'no');
        }
        const answers = [...model.values()];
        const expected = answers.some((a) => a === undefined) ? 'pending'
          : answers.every((a) => a === 'yes') || flags === ShutdownFlag.regardless ? 'shutdown' : 'vetoed';
        assert.equal(vote.decision(), expected);
        assert.equal(vote.expected, model.size);
        assert.equal(vote.asked(requester), false, 'the requester is never asked');
      }
    },
  ), { numRuns: 2000, seed: 20261206 });
});
