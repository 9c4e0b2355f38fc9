import { register } from './suites/jobsProcesses.ts';

register('postgres');
