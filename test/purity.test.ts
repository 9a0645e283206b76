/**
 * The protocol core is a pure state machine: nothing under src/totem may reach for sockets,
 * timers, the clock, randomness, crypto or the file system. This test fails the build if it does.
 * src/bytes is held to the same rule: the core reads and writes every frame through it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const FORBIDDEN: readonly [RegExp, string][] = [
  [/from\s+['"](node:)?(dgram|net|timers|timers\/promises|crypto|fs|fs\/promises|child_process|worker_threads|http|https)['"]/, 'I/O module import'],
  [/require\(\s*['"](node:)?(dgram|net|timers|crypto|fs)['"]\s*\)/, 'I/O module require'],
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew\s+Date\s*\(/, 'new Date()'],
  [/\bperformance\.now\s*\(/, 'performance.now()'],
  [/\bprocess\.hrtime/, 'process.hrtime'],
  [/\bMath\.random\s*\(/, 'Math.random()'],
  [/\bset(Timeout|Interval|Immediate)\s*\(/, 'timer'],
  [/\bglobalThis\.crypto\b|\bcrypto\.getRandomValues/, 'web crypto'],
];

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

function impureLines(dir: string): string[] {
  const hits: string[] = [];
  for (const file of sources(dir)) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      for (const [pattern, what] of FORBIDDEN) if (pattern.test(line)) hits.push(`${file}:${i + 1}: ${what}: ${line.trim()}`);
    });
  }
  return hits;
}

test('src/totem touches no sockets, timers, clocks, randomness or crypto', () => {
  assert.ok(sources('src/totem').length > 5, 'expected the core sources under src/totem');
  assert.deepEqual(impureLines('src/totem'), []);
});

test('src/bytes, the byte library the core uses, is pure too', () => {
  assert.ok(sources('src/bytes').length >= 2, 'expected the byte library under src/bytes');
  assert.deepEqual(impureLines('src/bytes'), []);
});

test('the purity check itself catches a forbidden line', () => {
  const line = "import { createSocket } from 'node:dgram';";
  assert.ok(FORBIDDEN.some(([pattern]) => pattern.test(line)));
  assert.ok(FORBIDDEN.some(([pattern]) => pattern.test('const t = Date.now();')));
});
