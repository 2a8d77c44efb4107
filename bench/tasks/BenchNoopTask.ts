import { Task, TriggerTask } from '../../src';

/** Does nothing: the middle links of the benchmark chains. */
@TriggerTask({ name: 'BenchNoopTask' })
export class BenchNoopTask extends Task {
  run(): void {}
}
