import { randomBytes } from 'node:crypto';

/** A random, prefixed id such as `con_3f9a…` (the prefix tells what it names). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}
