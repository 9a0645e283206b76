import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCryptoStats } from './stats.js';

test('counters count every drop by reason', () => {
  const stats = createCryptoStats();
  stats.record('AUTH_FAILED', 'a', 0);
  stats.record('AUTH_FAILED', 'a', 1);
  stats.record('TRUNCATED', 'a', 2);
  stats.record('BAD_VERSION', 'b', 3);
  stats.record('WRONG_CIPHER', 'c', 4);
  assert.deepEqual({ ...stats.counters }, { authFailed: 2, truncated: 1, badVersion: 1, wrongCipher: 1 });
  assert.equal(stats.total(), 5);
});

test('first occurrence per source and reason is logged, then at most once per 10 s with the count suppressed', () => {
  const stats = createCryptoStats();
  assert.deepEqual(stats.record('AUTH_FAILED', '10.0.0.1:5405', 1000), { log: true, suppressed: 0 });
  assert.deepEqual(stats.record('AUTH_FAILED', '10.0.0.1:5405', 1001), { log: false, suppressed: 1 });
  assert.deepEqual(stats.record('AUTH_FAILED', '10.0.0.1:5405', 10_999), { log: false, suppressed: 2 });
  // Another reason from the same source, and the same reason from another source, are news.
  assert.equal(stats.record('WRONG_CIPHER', '10.0.0.1:5405', 2000).log, true);
  assert.equal(stats.record('AUTH_FAILED', '10.0.0.2:5405', 2000).log, true);
  assert.deepEqual(stats.record('AUTH_FAILED', '10.0.0.1:5405', 11_000), { log: true, suppressed: 2 });
  assert.deepEqual(stats.record('AUTH_FAILED', '10.0.0.1:5405', 11_001), { log: false, suppressed: 1 });
});

test('a flood from many sources is bounded: a global log budget and a bounded source table', () => {
  const stats = createCryptoStats({ logLinesPerIntervalMax: 5, sourcesMax: 100 });
  let logged = 0;
  for (let i = 0; i < 10_000; i++) if (stats.record('AUTH_FAILED', `198.51.100.${i}`, 5000 + i / 1000).log) logged++;
  assert.equal(logged, 5, 'five lines in the first 10 s window');
  assert.equal(stats.counters.authFailed, 10_000);
  // After the window, the budget refills.
  assert.equal(stats.record('AUTH_FAILED', 'new', 16_000).log, true);
});

test('options are checked', () => {
  assert.throws(() => createCryptoStats({ sourcesMax: 0 }), RangeError);
  assert.throws(() => createCryptoStats({ logIntervalMs: Number.NaN }), RangeError);
});
