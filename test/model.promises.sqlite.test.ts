import { register } from './suites/modelPromises.ts';

register('sqlite');
