export { AcceptAndDropRunner } from './AcceptAndDropRunner';
export { BenchCountTask } from './BenchCountTask';
export { BenchNoopTask } from './BenchNoopTask';
