/**
 * The protocol core's files must not import each other in a cycle: state transitions live in
 * transitions.ts, which imports the per-state helpers and is imported by the handlers, never the
 * other way round. Every relative import (type-only ones and re-exports included) of every
 * non-test file under src/totem counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

type Graph = Map<string, string[]>;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Module specifiers of `import … from`, `export … from`, `import '…'` and `import('…')`. */
export function importSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) specs.push(m[1]!);
  return specs;
}

/** Relative imports between the files under `root`, as paths relative to it. */
export function importGraph(root: string): Graph {
  const files = sourceFiles(root);
  const graph: Graph = new Map();
  for (const file of files) {
    const edges = new Set<string>();
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue;
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      const rel = relative(root, target);
      if (rel.startsWith('..') || !existsSync(target)) continue; // outside the core
      edges.add(rel);
    }
    graph.set(relative(root, file), [...edges].sort());
  }
  return graph;
}

/** A cycle as a path whose last element repeats its first, or undefined. */
export function findCycle(graph: Graph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next);
      if (s === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (s === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

test('src/totem has no import cycle', () => {
  const graph = importGraph('src/totem');
  assert.ok(graph.size > 10 && graph.has('transitions.ts'), `found only ${[...graph.keys()].join(', ')}`);
  const cycle = findCycle(graph);
  assert.equal(cycle, undefined, `import cycle in src/totem: ${cycle?.join(' -> ')}`);
});

test('the cycle check catches a fabricated cycle (self-test)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'totem-cycles-'));
  try {
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = b;\n");
    writeFileSync(join(dir, 'b.ts'), "import {\n  c,\n} from './sub/c.js';\nexport const b = c;\n");
    writeFileSync(join(dir, 'd.ts'), "// import { a } from './a.js';\nexport const d = 1;\n");
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'c.ts'), "import type { A } from '../a.js';\nexport const c = 1;\nexport type C = A;\n");
    writeFileSync(join(dir, 'sub', 'c.test.ts'), "import { d } from '../d.js';\n");
    const graph = importGraph(dir);
    assert.deepEqual(graph.get('d.ts'), [], 'a commented-out import is no edge');
    assert.equal(graph.has(join('sub', 'c.test.ts')), false, 'test files are left out');
    const cycle = findCycle(graph);
    assert.deepEqual(cycle, ['a.ts', 'b.ts', join('sub', 'c.ts'), 'a.ts']);
    // Break it: no cycle left.
    writeFileSync(join(dir, 'sub', 'c.ts'), "export const c = 1;\n");
    assert.equal(findCycle(importGraph(dir)), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(importSpecifiers("export * from './x.js';\nconst m = await import('./y.js');\nimport './z.js';"), ['./x.js', './z.js', './y.js']);
});
