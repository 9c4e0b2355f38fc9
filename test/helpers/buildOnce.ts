import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function newest(dir: string): number {
  let at = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}${entry.name}`;
    at = Math.max(at, entry.isDirectory() ? newest(`${path}/`) : statSync(path).mtimeMs);
  }
  return at;
}

/**
 * Before any test: compiles src/ to dist/ when dist/ is missing or older than a source file, so the `seatwise`
 * processes tests start run the compiled code of this very tree (as an installed one does), without compiling
 * TypeScript at every start.
 */
export default function setup(): void {
  const main = `${root}dist/cli/main.js`;
  const sources = newest(`${root}src/`);
  if (existsSync(main) && statSync(main).mtimeMs >= sources) return;
  execFileSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`],
    { stdio: 'inherit' },
  );
  // The build is as new as the sources it read: a file saved while it compiled is newer, and then the
  // processes run the TypeScript instead of a build that lacks it.
  const at = new Date(sources);
  utimesSync(main, at, at);
}
