/**
 * Runs every golden scenario under test/scenarios and compares each command's output with the
 * expected block. With REWRITE=1 the files are rewritten with the actual output instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioRunner, parseScript, renderScript } from '../src/sim/scenario.js';

const DIR = 'test/scenarios';

for (const file of readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort()) {
  test(`scenario ${file}`, () => {
    const path = join(DIR, file);
    const text = readFileSync(path, 'utf8');
    const header = text.slice(0, text.search(/^[^#\n]/m));
    const blocks = parseScript(text);
    const runner = new ScenarioRunner();
    const actual = blocks.map((b) => ({ command: b.command, expected: runner.run(b.command) }));
    if (process.env.REWRITE === '1') {
      writeFileSync(path, renderScript(actual, header));
      return;
    }
    blocks.forEach((b, i) => {
      assert.equal(actual[i]!.expected, b.expected, `${file}:${b.line}: ${b.command}`);
    });
  });
}
