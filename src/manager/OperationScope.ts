import { ExecutionContext } from '../context/ExecutionContext';
import type { OperationState } from '../context/ExecutionContext';
import { callAsPromise } from '../context/callAsPromise';

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
   * {@link runEntering} with the whole of `fn` inside the operation.
   */
  static run<T>(fn: () => Promise<T>): Promise<T> {
    return OperationScope.runEntering((within) => within(fn));
  }

  /**
   * {@link run} for an operation that enters its frame only where it
   * says: `fn` gets `within`, which runs a callback inside the operation
   * (the frame that nested operations join and {@link defer} adds to), and
   * the rest of `fn` runs in the caller's frame. For the manager's fast
   * paths, whose own part is storage calls that neither defer work nor
   * start operations: everything that may (a runner's `run`, a locked
   * path, a hook) goes through `within`. An operation that never calls it
   * enters no async context at all, so a process that only takes such
   * paths (a worker) never turns on the promise hooks of `AsyncLocalStorage`.
   */
  static runEntering<T>(fn: (within: OperationEntry) => Promise<T>): Promise<T> {
    const frame = ExecutionContext.current();
    const nested = frame.operation !== undefined && !frame.operation.completed;
    if (nested) return callAsPromise(() => fn(callDirectly));
    const scope = new OperationScope();
    return callAsPromise(() => fn((cb) => ExecutionContext.runOperation(frame, scope, cb))).then(
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

/** Runs a callback inside the operation {@link OperationScope.runEntering} started (or joined). */
export type OperationEntry = <R>(cb: () => R) => R;

/** The entry of an operation nested in one already under way: its frame is the current one. */
const callDirectly: OperationEntry = (cb) => cb();
