import { ExecutionContext } from '../context/ExecutionContext';
import type { OperationState } from '../context/ExecutionContext';

/**
 * Marks the extent of one public manager operation (`fire`, a replay, a
 * skip...), hooks included, across nested calls. Work deferred with
 * {@link OperationScope.defer} runs once the outermost operation returned,
 * outside any scope: that is how the in-process runner starts instances only
 * after the operation that scheduled them, in a fixed order.
 */
export class OperationScope implements OperationState {
  /** @internal Work to run once the operation ended (see {@link defer}). */
  readonly deferred: Array<() => void> = [];
  private ended = false;

  /** Whether the operation (hooks included) has returned. */
  get completed(): boolean {
    return this.ended;
  }

  /**
   * Runs `fn` as an operation; nested calls join the enclosing one. Work
   * that merely inherited the async context of an operation that already
   * ended (a timer or promise started inside it) starts a new operation.
   *
   * Not an `async` function: the outermost call costs one `then` on `fn`'s
   * promise instead of an async frame and an `await` (promises are what the
   * async context is propagated through, on every operation).
   */
  static run<T>(fn: () => Promise<T>): Promise<T> {
    const frame = ExecutionContext.current();
    const nested = frame.operation !== undefined && !frame.operation.completed;
    const scope = nested ? undefined : new OperationScope();
    let result: Promise<T>;
    try {
      result = scope === undefined ? fn() : ExecutionContext.runOperation(frame, scope, fn);
    } catch (error) {
      scope?.complete();
      return Promise.reject(error);
    }
    if (scope === undefined) return result;
    return result.then(
      (value) => {
        scope.complete();
        return value;
      },
      (error: unknown) => {
        scope.complete();
        throw error;
      },
    );
  }

  /** Runs `cb` when the current operation ends (or on the next turn if none is running). */
  static defer(cb: () => void): void {
    const frame = ExecutionContext.current();
    const scope = frame.operation;
    if (scope !== undefined && !scope.completed) scope.deferred.push(cb);
    else ExecutionContext.runOperation(frame, undefined, () => setImmediate(cb));
  }

  private complete(): void {
    this.ended = true;
    if (this.deferred.length === 0) return;
    const frame = ExecutionContext.current();
    for (const cb of this.deferred.splice(0)) ExecutionContext.runOperation(frame, undefined, cb);
  }
}
