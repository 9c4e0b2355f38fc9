// Writes docs/cli-reference.md from the commands' own definitions (npm run docs:cli).
import { writeFileSync } from 'node:fs';
import { cliReference } from '../src/cli/reference.ts';

writeFileSync(new URL('../docs/cli-reference.md', import.meta.url), cliReference());
