import { register } from './suites/offboardingProcesses.ts';

register('sqlite');
