import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliReference } from '../src/cli/reference.ts';

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const docs = readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md'));

/** Relative links of a Markdown file (no web addresses, no in-page anchors), without their anchors. */
function links(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((href) => !/^[a-z]+:/.test(href) && !href.startsWith('#'))
    .map((href) => href.replace(/#.*$/, ''));
}

describe('the documentation', () => {
  it('has a CLI reference generated from the commands themselves, and it is current', () => {
    expect(
      read('docs/cli-reference.md') === cliReference(),
      'docs/cli-reference.md is stale: run npm run docs:cli',
    ).toBe(true);
    // Every command and subcommand has its section.
    for (const command of ['connect', 'sync', 'service-users revoke', 'reviews close', 'emulator'])
      expect(read('docs/cli-reference.md')).toContain(`## \`seatwise ${command}\``);
  });

  it('keeps the README a landing page from which every docs page can be reached', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
    const index = links(read('docs/README.md')).map((l) => `docs/${l}`);
    const reachable = new Set([...links(readme), ...index]);
    for (const page of docs.filter((p) => p !== 'README.md'))
      expect(reachable.has(`docs/${page}`), `docs/${page} is linked from the README or docs/README.md`).toBe(
        true,
      );
  });

  it('links only to files that exist', () => {
    for (const href of links(read('README.md')))
      expect(existsSync(new URL(href, root)), `README → ${href}`).toBe(true);
    for (const page of docs)
      for (const href of links(read(`docs/${page}`)))
        expect(existsSync(new URL(href, new URL('docs/', root))), `docs/${page} → ${href}`).toBe(true);
  });
});
