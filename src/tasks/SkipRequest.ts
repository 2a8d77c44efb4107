/**
 * Thrown (via `throw this.skip(...)`) by a task that decides it has nothing
 * to do: the instance becomes `skipped` with the given metadata.
 */
export class SkipRequest extends Error {
  constructor(readonly metadata: Record<string, unknown> = {}) {
    super('Task asked to be skipped');
    this.name = 'SkipRequest';
  }
}
