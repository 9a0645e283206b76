#!/usr/bin/env node
// After a build: make the package.json `bin` files executable. tsc writes them 0644, and in a
// clone `npx ringcast` runs the file itself ("Permission denied" otherwise); npm fixes the mode
// only for installed dependencies.
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { bin = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const file of Object.values(bin)) {
  const path = join(root, file);
  if (existsSync(path)) chmodSync(path, 0o755);
}
