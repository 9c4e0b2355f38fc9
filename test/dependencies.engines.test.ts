import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; optional?: boolean }>;
};
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
};

describe('every installed package runs on the Node versions Seatwise supports', () => {
  it('declares no engine the oldest supported Node (20) lacks, so npm ci prints no EBADENGINE', () => {
    const oldest = semver.minVersion(manifest.engines.node)!.version;
    const refused = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && !Array.isArray(p.engines) && p.engines?.node)
      .filter(([, p]) => !semver.satisfies(oldest, (p.engines as { node: string }).node))
      .map(
        ([path, p]) =>
          `${path.replace(/^.*node_modules\//, '')}@${p.version} needs node ${(p.engines as { node: string }).node}`,
      );
    expect(refused).toEqual([]);
  });
  it('and the Node this runs on is one of them', () => {
    expect(semver.satisfies(process.version, manifest.engines.node)).toBe(true);
  });
});
