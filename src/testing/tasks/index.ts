/** The ready-made tasks of `triggers-ts/testing`; importing this module registers them. */
export { DeliberateFailure } from './DeliberateFailure';
export { DevNullTask } from './DevNullTask';
export { FailingTask } from './FailingTask';
export { PassThruTask } from './PassThruTask';
export { SelfRetryingTask } from './SelfRetryingTask';
export { SelfSkippingTask } from './SelfSkippingTask';
