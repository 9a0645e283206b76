import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { allSections, ROOT_SPEC } from './schema.js';

// dist/src/config/ → the repository's docs/
const DOCS = readFileSync(new URL('../../../docs/config.md', import.meta.url), 'utf8');

test('docs/config.md lists every key and section the loader knows, uses or ignores', () => {
  const missing: string[] = [];
  const mention = (name: string, where: string): void => {
    if (!DOCS.includes(`\`${name}\``) && !DOCS.includes(`\`${name} {}\``)) missing.push(`${where}${name}`);
  };
  for (const { path, spec } of [{ path: '', spec: ROOT_SPEC }, ...allSections()]) {
    const where = path === '' ? '' : `${path}.`;
    if (path !== '') mention(spec.name, '');
    for (const k of spec.keys) mention(k.name, where);
    for (const k of Object.keys(spec.ignoredKeys ?? {})) mention(k, where);
    for (const s of Object.keys(spec.ignoredSections ?? {})) mention(s, where);
    // ring1_addr … ring7_addr are written as a range.
    for (const k of Object.keys(spec.rejectedKeys ?? {}).filter((k) => !/^ring[2-6]_addr$/.test(k))) mention(k, where);
  }
  assert.deepEqual(missing, []);
});
