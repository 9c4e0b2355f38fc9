import { register } from './suites/cliSync.ts';

register('sqlite');
