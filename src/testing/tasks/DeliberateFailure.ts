/**
 * The error {@link FailingTask} throws. Deliberately not a `TriggersError`:
 * it stands for a bug or outage in task code, which is what `failed()`
 * assertions and replay tests need.
 */
export class DeliberateFailure extends Error {
  constructor(message = 'FailingTask failed on purpose') {
    super(message);
    this.name = 'DeliberateFailure';
  }
}
