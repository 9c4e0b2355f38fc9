import { register } from './suites/cliSync.ts';

register('postgres');
