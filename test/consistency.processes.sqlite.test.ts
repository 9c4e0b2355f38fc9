import { register } from './suites/consistencyProcesses.ts';

register('sqlite');
