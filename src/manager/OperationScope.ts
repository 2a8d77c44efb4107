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
  private completed = false;

  /**
   * Runs `fn` as an operation; nested calls join the enclosing one. Work
   * that merely inherited the async context of an operation that already
   * ended (a timer or promise started inside it) starts a new operation.
   */
  static async run<T>(fn: () => Promise<T>): Promise<T> {
    if (OperationScope.open() !== undefined) return fn();
    const scope = new OperationScope();
    try {
      return await OperationScope.current.run(scope, fn);
    } finally {
      scope.complete();
    }
  }

  /** Runs `cb` when the current operation ends (or on the next turn if none is running). */
  static defer(cb: () => void): void {
    const scope = OperationScope.open();
    if (scope !== undefined) scope.deferred.push(cb);
    else OperationScope.current.exit(() => setImmediate(cb));
  }

  /** The operation in progress in this async context, unless it already ended. */
  private static open(): OperationScope | undefined {
    const scope = OperationScope.current.getStore();
    return scope === undefined || scope.completed ? undefined : scope;
  }

  private complete(): void {
    this.completed = true;
    for (const cb of this.deferred.splice(0)) OperationScope.current.exit(cb);
  }
}
