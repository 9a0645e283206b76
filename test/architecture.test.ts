/**
 * The import rules that keep the architecture (shared/design/ARCHITECTURE.md) visible in the code.
 * Every non-test `.ts` file under src/ belongs to a layer, the first folder under src/ (a file
 * directly under src/ is the layer `index`), and may import only its own layer and the entries
 * its rule lists. This test reads every static `from '…'`, `import '…'` and `import('…')`
 * specifier and fails on any import its table does not allow, or on a layer with no rule.
 *
 * Exemptions:
 * - Test files (`*.test.ts`) are not checked: a test composes layers to exercise them (a client
 *   test starts a real daemon; a history test reads a checker scenario).
 * - Test support (a `testing/` folder, `testing.ts`, `*.fixture.ts`, `test-helpers.ts`) follows its
 *   layer's rule, loosened by SUPPORT_MAY: harnesses drive the simulator, fakes run a real
 *   IPC server, and helpers build on other layers' helpers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

interface Rule {
  /** Layers (`bytes`: any file of it) or single files (`ipc/client.ts`) this layer may import. */
  readonly may: readonly string[];
  readonly why: string;
}

/** Who may import whom. A layer may always import itself. */
const RULES: Readonly<Record<string, Rule>> = {
  bytes: { may: [], why: 'the byte library under every codec; pure (test/purity.test.ts), so it depends on nothing' },
  totem: { may: ['bytes'], why: 'the protocol core is a pure state machine: the runtime and the simulator bind it, never the other way' },
  history: { may: [], why: 'a stable file format that the daemon, the simulator, the tools and the checker all use' },
  ipc: { may: [], why: 'the transport both ends speak; it knows frames and cs_error_t codes, not services' },
  protocol: {
    may: ['bytes', 'ipc/codes.ts', 'ipc/errors.ts'],
    why: 'what the client and the daemon agree on; low and stable so both ends can depend on it (cs_error_t codes at most from the transport)',
  },
  config: { may: ['totem'], why: 'corosync.conf parsing; derives the core\'s timing from totem/config' },
  log: { may: ['config'], why: 'the daemon\'s logger, shaped by the logging {} section' },
  driver: { may: ['totem'], why: 'the one loop that runs a core: transports and schedulers are passed in by the runtime and the simulator' },
  net: { may: ['totem', 'driver'], why: 'the runtime: the real transport (sockets, crypto) and scheduler (timers) of the driver' },
  check: { may: ['history'], why: 'judges histories from any source; it must not depend on what produced them (daemon, net, cli)' },
  sim: {
    may: ['totem', 'driver', 'history', 'check', 'daemon/service-host.ts', 'daemon/host-clock.ts', 'protocol', 'ipc/errors.ts'],
    why: 'runs cores on a virtual network through the driver, writes histories, judges them with the checker; with --stack daemon it runs the daemon\'s service host (not its sockets) and simulated clients that speak the library protocol',
  },
  exec: { may: ['totem', 'bytes'], why: 'the executive hosts services over the group layer; it knows no particular service or transport' },
  services: { may: ['exec', 'totem', 'bytes', 'protocol'], why: 'services plug into the executive and speak the library protocol to clients' },
  client: {
    may: ['protocol', 'bytes', 'ipc/client.ts', 'ipc/errors.ts', 'ipc/event-queue.ts'],
    why: 'applications link the client library: it speaks only the protocol over the client end of the IPC transport, never the daemon\'s code',
  },
  daemon: {
    may: ['exec', 'services', 'ipc', 'net', 'totem', 'history', 'protocol'],
    why: 'ringcastd wires the runtime, the executive, the services and the IPC server together',
  },
  cli: {
    may: ['client', 'daemon', 'config', 'log', 'net', 'history', 'check', 'protocol'],
    why: 'the tools are the top: ringcastd starts a daemon, ringcast is a client; nothing imports them',
  },
  index: { may: ['net', 'totem', 'check', 'client', 'exec'], why: 'the package\'s public entry point re-exports the faces of the engine' },
};

/** What test support may import besides its layer's rule (any layer's support files are allowed too). */
const SUPPORT_MAY: readonly string[] = [
  'sim', // executive harnesses run services over the simulator (exec/testing/sim-exec.ts)
  'ipc', // a fake daemon runs the real IPC server (client/testing/fake-daemon.ts)
];

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** Relative import specifiers of a source text (node builtins and packages are not ours to police). */
function importsOf(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => m[1]!).filter((s) => s.startsWith('.'));
}

function isTest(path: string): boolean {
  return path.endsWith('.test.ts');
}

function isSupport(path: string): boolean {
  return /(^|\/)testing\//.test(path) || /(^|\/)(testing|test-helpers)\.ts$/.test(path) || path.endsWith('.fixture.ts');
}

/** `path` relative to src/, e.g. `ipc/client.ts`; its layer is the first segment (`index` for top-level files). */
function layerOf(srcPath: string): string {
  return srcPath.includes('/') ? srcPath.slice(0, srcPath.indexOf('/')) : 'index';
}

function allows(entries: readonly string[], target: string): boolean {
  return entries.some((e) => (e.endsWith('.ts') ? e === target : layerOf(target) === e));
}

/** Why `specifier` in `file` (a path under src/) breaks the rules, or undefined if it does not. */
function violation(file: string, specifier: string): string | undefined {
  const resolved = posix.normalize(posix.join(posix.dirname(`src/${file}`), specifier)).replace(/\.js$/, '.ts');
  if (!resolved.startsWith('src/')) return `${file}: imports ${specifier}, outside src/`;
  const target = resolved.slice('src/'.length);
  const from = layerOf(file);
  const to = layerOf(target);
  const rule = RULES[from];
  if (rule === undefined) return `${file}: layer "${from}" has no rule in RULES`;
  if (from === to || allows(rule.may, target)) return undefined;
  if (isSupport(file) && (allows(SUPPORT_MAY, target) || isSupport(target))) return undefined;
  return `${file}: ${from} may not import ${target} (${from} may import: ${rule.may.join(', ') || 'nothing of ours'})`;
}

function violations(file: string, text: string): string[] {
  return importsOf(text).flatMap((s) => violation(file, s) ?? []);
}

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path.split('\\').join('/'));
  }
  return out;
}

const FILES = sources('src').map((p) => p.slice('src/'.length)).filter((p) => !isTest(p));

test('every layer under src/ has a rule', () => {
  const unknown = [...new Set(FILES.map(layerOf))].filter((layer) => RULES[layer] === undefined);
  assert.deepEqual(unknown, [], 'a new folder under src/ needs a row in RULES, with its reason');
  assert.ok(FILES.length > 100, `expected the sources under src/, found ${FILES.length}`);
});

test('every import follows the layer rules', () => {
  const found = FILES.flatMap((file) => violations(file, readFileSync(join('src', file), 'utf8')));
  assert.deepEqual(found, []);
});

test('no rule allows more than the code needs: each listed entry is imported somewhere', () => {
  const used = new Set<string>();
  for (const file of FILES) {
    if (isSupport(file)) continue;
    for (const s of importsOf(readFileSync(join('src', file), 'utf8'))) {
      const target = posix.normalize(posix.join(posix.dirname(`src/${file}`), s)).replace(/\.js$/, '.ts').slice('src/'.length);
      for (const entry of RULES[layerOf(file)]?.may ?? []) if (allows([entry], target)) used.add(`${layerOf(file)} -> ${entry}`);
    }
  }
  // Allowed ahead of need, by design: the protocol may take cs_error_t codes from the transport,
  // and the client library may use the byte library when it grows a codec of its own.
  const ahead = new Set(['protocol -> ipc/codes.ts', 'protocol -> ipc/errors.ts', 'client -> bytes']);
  const unused = Object.entries(RULES).flatMap(([layer, rule]) => rule.may.map((e) => `${layer} -> ${e}`)).filter((r) => !used.has(r) && !ahead.has(r));
  assert.deepEqual(unused, []);
});

test('the rules themselves: nothing imports cli, only cli imports daemon, client stays on its side', () => {
  for (const [layer, rule] of Object.entries(RULES)) {
    if (layer !== 'cli') assert.ok(!rule.may.includes('cli'), `${layer} may import cli`);
    if (layer !== 'cli' && layer !== 'daemon') assert.ok(!rule.may.includes('daemon'), `${layer} may import daemon`);
  }
  for (const forbidden of ['daemon', 'cli', 'services', 'exec', 'ipc', 'ipc/server.ts', 'ipc/index.ts']) {
    assert.ok(!allows(RULES['client']!.may, forbidden.endsWith('.ts') ? forbidden : `${forbidden}/x.ts`), `client may import ${forbidden}`);
  }
  assert.deepEqual(RULES['totem']!.may, ['bytes']);
  assert.deepEqual(RULES['history']!.may, []);
  for (const layer of ['daemon', 'net', 'cli']) assert.ok(!RULES['check']!.may.includes(layer), `check may import ${layer}`);
});

test('the checker catches a forbidden import (fed fake lines)', () => {
  assert.deepEqual(violations('client/status.ts', "import type { DaemonStatus } from '../daemon/status-file.js';").length, 1);
  assert.deepEqual(violations('client/link.ts', "import { IpcServer } from '../ipc/server.js';").length, 1);
  assert.deepEqual(violations('totem/core.ts', "const { RingNode } = await import('../net/ring-node.js');").length, 1);
  assert.deepEqual(violations('check/model.ts', "export { Daemon } from '../daemon/daemon.js';").length, 1);
  assert.deepEqual(violations('history/ids.ts', "import '../check/index.js';").length, 1);
  assert.deepEqual(violations('newlayer/x.ts', "import { a } from './a.js';").length, 1, 'a layer without a rule');
  // …and lets allowed ones through.
  assert.deepEqual(violations('client/status.ts', "import { StatusRequest } from '../protocol/status.js';\nimport { x } from 'node:fs';"), []);
  assert.deepEqual(violations('exec/testing/sim-exec.ts', "import { SimCluster } from '../../sim/cluster.js';"), []);
  assert.deepEqual(violations('exec/executive.ts', "import { SimCluster } from '../sim/cluster.js';").length, 1, 'only test support may use the simulator');
});

test('prom-client stays in the daemon: the metrics endpoint reads counters, nothing below it knows of Prometheus', () => {
  const PACKAGE = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]prom-client['"]/m;
  const users = sources('src').map((p) => p.slice('src/'.length)).filter((f) => PACKAGE.test(readFileSync(join('src', f), 'utf8')));
  assert.ok(users.length > 0, 'the daemon imports prom-client');
  assert.deepEqual(users.filter((f) => layerOf(f) !== 'daemon'), []);
});
