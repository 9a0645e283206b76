/**
 * The README's client example, exactly as printed, in a new CommonJS project (what `npm init -y`
 * makes), against a real daemon, many times: it must print its own join's configuration change
 * (the event most easily lost: it can arrive before `await cpg.join()` resumes the code that
 * attaches the listeners), the text it sent, and exit by itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDaemon } from '../src/daemon/testing.js';

const RUNS = 16;

export function readmeSnippet(name: string): string {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const at = readme.indexOf(`<!-- readme-snippet: ${name}`);
  assert.ok(at >= 0, `README marks the ${name} snippet`);
  const block = /```(?:js|ts)\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, `a code block follows the ${name} marker`);
  return block[1]!;
}

function runNode(script: string, cwd: string, env: Record<string, string>, deadlineMs: number): Promise<{ code: number | null; out: string; err: string; pid: number }> {
  const child = spawn(process.execPath, [script], { cwd, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  child.stderr.on('data', (b: Buffer) => (err += b));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not exit within ${deadlineMs} ms (it must exit by itself); stdout: ${out} stderr: ${err}`));
    }, deadlineMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, pid: child.pid! });
    });
  });
}

test(`the README's client example works as printed in a CommonJS project, ${RUNS} runs out of ${RUNS}: its join's confchg, its text, and it exits`, { timeout: 120_000 }, async (t) => {
  const d = await startTestDaemon();
  const project = mkdtempSync(join(tmpdir(), 'ringcast-readme-'));
  t.after(async () => {
    await d.stop();
    rmSync(project, { recursive: true, force: true });
  });
  // `npm init -y` writes no "type": CommonJS. The package comes from this repository.
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', main: 'app.js' }));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(process.cwd(), join(project, 'node_modules', 'ringcast'), 'dir');
  writeFileSync(join(project, 'app.js'), readmeSnippet('app.js'));
  for (let run = 1; run <= RUNS; run++) {
    const r = await runNode('app.js', project, { RINGCAST_STATE_DIR: d.stateDir }, 15_000);
    assert.equal(r.code, 0, `run ${run}: ${r.err}`);
    const lines = r.out.trimEnd().split('\n');
    assert.deepEqual(lines, [`members: 1/${r.pid}`, `from 1/${r.pid}: hello`], `run ${run}: the join's confchg, then the text`);
  }
});
