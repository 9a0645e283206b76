/**
 * docs/writing-a-service.md, done as it says: its files written as printed (the configuration's
 * `/path/to/tally` replaced by a real directory, and its port by a free one, as step 3 tells the
 * reader to adapt it), the key made with `ringcast keygen`, `ringcastd` started with that
 * configuration, `app.js` run, and its output compared with step 5's. Then the mistakes a user
 * makes in a service module, each stopping ringcastd with one line naming the configuration line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPorts } from '../src/daemon/testing.js';

const GUIDE = readFileSync(join(process.cwd(), 'docs/writing-a-service.md'), 'utf8');
const RINGCAST = join(process.cwd(), 'dist/src/cli/ringcast.js');
const RINGCASTD = join(process.cwd(), 'dist/src/cli/ringcastd.js');

function block(marker: string): string {
  const at = GUIDE.indexOf(`<!-- ${marker} -->`);
  assert.ok(at >= 0, `the guide marks ${marker}`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(GUIDE.slice(at));
  assert.ok(m, `a code block follows ${marker}`);
  return m[1]!;
}

function runApp(dir: string, env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['app.js'], { cwd: dir, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  child.stderr.on('data', (b: Buffer) => (err += b));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`app.js did not exit by itself: ${out} ${err}`));
    }, 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

test('the service guide, step by step: tally.mjs loaded by ringcastd from the configuration, called by app.js, output as printed', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tally-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Step 1: a CommonJS project with ringcast installed (here: this repository, linked).
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tally', version: '1.0.0' }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(process.cwd(), join(dir, 'node_modules', 'ringcast'), 'dir');
  // Steps 2 to 4: the files as printed.
  const [port] = await freeUdpPorts(1);
  writeFileSync(join(dir, 'tally.mjs'), block('guide-file: tally.mjs'));
  const conf = block('guide-file: tally.conf').replaceAll('/path/to/tally', dir).replace('mcastport: 5405', `mcastport: ${port}`);
  writeFileSync(join(dir, 'tally.conf'), conf);
  writeFileSync(join(dir, 'app.js'), block('guide-file: app.js'));
  const keygen = spawnSync(process.execPath, [RINGCAST, 'keygen', '-k', join(dir, 'authkey')], { encoding: 'utf8' });
  assert.equal(keygen.status, 0, keygen.stderr);

  const daemon = spawn(process.execPath, [RINGCASTD, '--config', join(dir, 'tally.conf'), '--state-dir', join(dir, 'state')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  daemon.stderr.on('data', (b: Buffer) => (log += b));
  const exited = new Promise<void>((resolve) => daemon.on('exit', () => resolve()));
  t.after(async () => {
    daemon.kill('SIGTERM');
    await exited;
  });
  const deadline = Date.now() + 20_000;
  while (!/Completed service synchronization/.test(log)) {
    assert.ok(Date.now() < deadline, `ringcastd did not come up:\n${log}`);
    assert.equal(daemon.exitCode, null, `ringcastd exited:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(log, new RegExp(`service \\\\"tally\\\\" \\(id 48\\) loaded from ${join(dir, 'tally.mjs').replaceAll('/', '\\/')}`));

  // Step 5, twice: the second run goes on from the first's totals (the state lives in the cluster).
  const first = await runApp(dir, { RINGCAST_STATE_DIR: join(dir, 'state') });
  assert.equal(first.code, 0, first.err);
  assert.equal(first.out, block('guide-output: app.js'));
  const second = await runApp(dir, { RINGCAST_STATE_DIR: join(dir, 'state') });
  assert.equal(second.code, 0, second.err);
  assert.match(second.out, /added 3 -> \{"total":8\}\n.*\nadded 2 -> \{"total":10\}\ntotals: \{"apples":10\}\n$/s);
});

test('a broken service module stops ringcastd with one line naming the configuration line and what is wrong', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, string, RegExp][] = [
    ['missing.mjs', '', /missing\.mjs: no such file$/],
    ['syntax.mjs', 'export default {', /syntax\.mjs: cannot load it: /],
    ['noexport.mjs', 'export const x = 1;', /noexport\.mjs: it has no default export/],
    ['lowid.mjs', 'export default { id: 7, name: "t", libHandlers: [{ handle() {} }] }', /lowid\.mjs: id must be an integer from 48 to 63 .*not 7$/],
    ['taken.mjs', 'export default { id: 50, name: "cpg", libHandlers: [{ handle() {} }] }', /taken\.mjs: name "cpg" is a built-in service's$/],
    ['nohandle.mjs', 'export default { id: 50, name: "t", libHandlers: [{ hande() {} }] }', /nohandle\.mjs: libHandlers\[0\]\.handle must be a function/],
    ['badsync.mjs', 'export default { id: 50, name: "t", libHandlers: [{ handle() {} }], sync: { init() {} } }', /badsync\.mjs: sync\.process must be a function/],
    ['throws.mjs', 'export default () => { throw new Error("no config") }', /throws\.mjs: its default export threw: no config$/],
  ];
  for (const [file, text, expected] of cases) {
    if (text) writeFileSync(join(dir, file), text);
    const conf = join(dir, 'c.conf');
    writeFileSync(conf, `totem {\n  version: 2\n  crypto_cipher: none\n  crypto_hash: none\n}\nnodelist {\n  node {\n    ring0_addr: 127.0.0.1\n    nodeid: 1\n  }\n}\nringcast {\n  service: ${join(dir, file)}\n}\n`);
    const r = spawnSync(process.execPath, [RINGCASTD, '--config', conf, '--state-dir', join(dir, 's')], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${file}: ${r.stderr}`);
    const line = r.stderr.trimEnd();
    assert.doesNotMatch(line, /\n/, `${file}: one line`);
    assert.ok(line.startsWith(`ringcastd: ${conf}:13: ringcast.service: ${join(dir, file)}: `), `${file}: ${line}`);
    assert.match(line, expected, file);
  }
});
