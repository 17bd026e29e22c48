/**
 * genlab: the shared library of the image-generation course.
 *
 *   import { tf, initBackend, data, viz } from 'genlab';
 *
 * `tf` is the very tfjs instance genlab uses: tensors made with it work with every genlab
 * function, and the backend chosen by `initBackend()` applies to both.
 */
import * as tf from '@tensorflow/tfjs';
import * as data from './data';
import * as viz from './viz';
import * as rules from './rules';
import * as metrics from './metrics';
import * as losses from './losses';
import * as models from './models';
import * as train from './train';
import * as course from './course';
import * as homework from './homework';
import * as exercises from './exercises';

export { tf, data, viz, rules, metrics, losses, models, train, course, homework, exercises };
export { initBackend, currentBackend, backendInfo, BACKEND_CHOICES } from './backend';
export type { BackendInfo, BackendName, InitBackendOptions } from './backend';
export { quickMode, pick } from './quick';
export { GenlabError } from './errors';
