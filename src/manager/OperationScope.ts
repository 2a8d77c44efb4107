import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Marks the extent of one public manager operation (`fire`, a replay, a
 * skip...), hooks included, across nested calls. Work deferred with
 * {@link OperationScope.defer} runs once the outermost operation returned,
 * outside any scope: that is how the in-process runner starts instances only
 * after the operation that scheduled them, in a fixed order.
 */
export class OperationScope {
  private static readonly current = new AsyncLocalStorage<OperationScope>();
  private readonly deferred: Array<() => void> = [];

  /** Runs `fn` as an operation; nested calls join the enclosing one. */
  static async run<T>(fn: () => Promise<T>): Promise<T> {
    if (OperationScope.current.getStore() !== undefined) return fn();
    const scope = new OperationScope();
    try {
      return await OperationScope.current.run(scope, fn);
    } finally {
      scope.complete();
    }
  }

  /** Runs `cb` when the current operation ends (or on the next turn if none is running). */
  static defer(cb: () => void): void {
    const scope = OperationScope.current.getStore();
    if (scope !== undefined) scope.deferred.push(cb);
    else OperationScope.current.exit(() => setImmediate(cb));
  }

  /** Whether an operation is in progress in this async context. */
  static get active(): boolean {
    return OperationScope.current.getStore() !== undefined;
  }

  private complete(): void {
    for (const cb of this.deferred.splice(0)) OperationScope.current.exit(cb);
  }
}
