#!/usr/bin/env node
// Runs the TypeScript CLI directly from a checkout: tsx registers the loader, then the CLI takes over.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
