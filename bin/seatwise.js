#!/usr/bin/env node
// The `seatwise` command. It runs the compiled JavaScript in dist/ (built by `npm run build`, which `npm ci`
// runs), and the TypeScript in src/ through tsx when dist/ is missing or older than a source file, or when
// SEATWISE_FROM_SOURCE=1. The tests compile dist/ first when it is stale, so their processes run it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(`${path}/`) : statSync(path).mtimeMs);
  }
  return newest;
}

const useBuild =
  process.env.SEATWISE_FROM_SOURCE !== '1' &&
  existsSync(built) &&
  (!existsSync(src) || statSync(built).mtimeMs >= newestSource(src));

if (useBuild) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
