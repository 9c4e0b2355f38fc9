import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the compiled CLI', () => {
  it('is built by npm ci (prepare) into dist/ and runs without the TypeScript loader', () => {
    const main = `${root}dist/cli/main.js`;
    expect(existsSync(main), 'dist/ is missing: `npm ci` (or `npm run build`) builds it').toBe(true);
    const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
    const printed = spawnSync(process.execPath, [main, '--version'], { encoding: 'utf8' });
    expect(printed.status).toBe(0);
    expect(printed.stdout).toBe(`${version}\n`);
    const help = spawnSync(process.execPath, [main, 'users', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--sort <key>');
    // The compiled code imports no TypeScript.
    expect(readFileSync(`${root}dist/cli/context.js`, 'utf8')).toContain('import("../compose.js")');
  });
});
