import { register } from './suites/offboardingProcesses.ts';

register('postgres');
