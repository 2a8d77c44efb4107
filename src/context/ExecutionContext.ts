import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The state of one public manager operation that the context carries
 * (`OperationScope` is the implementation): whether it ended, and the work
 * deferred until it does.
 */
export interface OperationState {
  readonly completed: boolean;
  readonly deferred: Array<() => void>;
}

/**
 * One session lock taken by an operation (one per acquisition). The
 * storage keeps what it needs per lock (its transaction) keyed by this
 * object.
 */
export interface HeldLock {
  /** The backend's `lockKey` (backend type and session uid). */
  readonly key: string;
  /**
   * False once the lock was released. Work started inside a locked
   * operation (a timer, a promise a runner kicks off) keeps the frame after
   * the operation ended; a closed lock means "not locked here any more".
   */
  open: boolean;
}

/**
 * The session locks an async context holds: a list, innermost lock first,
 * shared by every frame below the one that took the lock.
 */
export interface HeldLocks {
  readonly lock: HeldLock;
  /** The locks that were held where this one was taken. */
  readonly next: HeldLocks | undefined;
}

/**
 * What one async context carries. A frame is never changed (apart from a
 * lock's `open` flag): entering an operation, a lock or a task runs the
 * callee under a new frame, so sibling async branches never see each
 * other's state.
 */
export interface ContextFrame {
  /** The public manager operation in progress (`fire`, a replay...), possibly already completed. */
  readonly operation: OperationState | undefined;
  /** Session locks held, innermost first. */
  readonly locks: HeldLocks | undefined;
  /** The instance the in-process runner is executing here (for `joinAll()`'s self-wait check). */
  readonly task: string | undefined;
}

const EMPTY: ContextFrame = Object.freeze({ operation: undefined, locks: undefined, task: undefined });

/**
 * The framework's one `AsyncLocalStorage`, carrying the operation scope,
 * the held session locks and the in-process task of the current async
 * context together.
 *
 * Why one: on Node 20 an `AsyncLocalStorage` works through promise hooks,
 * every instance adds its own propagation call to every promise the
 * process creates, and `exit()` disables and re-enables the hooks: one
 * instance for the three concerns (operation, locks, task) costs a third
 * of three (bench/README.md has the profile).
 */
export class ExecutionContext {
  private static readonly storage = new AsyncLocalStorage<ContextFrame>();

  /** The frame of the current async context (an empty one outside any). */
  static current(): ContextFrame {
    return ExecutionContext.storage.getStore() ?? EMPTY;
  }

  /** Runs `fn` under `frame`; the caller's frame is restored when `fn` returns (its async work keeps `frame`). */
  static run<T>(frame: ContextFrame, fn: () => T): T {
    return ExecutionContext.storage.run(frame, fn);
  }

  /** Runs `fn` under `frame` with `operation` as its operation. */
  static runOperation<T>(frame: ContextFrame, operation: OperationState | undefined, fn: () => T): T {
    return ExecutionContext.storage.run({ operation, locks: frame.locks, task: frame.task }, fn);
  }

  /** Runs `fn` under `frame` with `locks` as its held locks. */
  static runLocks<T>(frame: ContextFrame, locks: HeldLocks | undefined, fn: () => T): T {
    return ExecutionContext.storage.run({ operation: frame.operation, locks, task: frame.task }, fn);
  }

  /** Runs `fn` as the in-process execution of `task`: no operation, no lock, only the task. */
  static runTask<T>(task: string, fn: () => T): T {
    return ExecutionContext.storage.run({ operation: undefined, locks: undefined, task }, fn);
  }

  /** The open lock of `key` in `frame`, if this async context holds it. */
  static heldLock(frame: ContextFrame, key: string): HeldLock | undefined {
    for (let list = frame.locks; list !== undefined; list = list.next) {
      if (list.lock.key === key && list.lock.open) return list.lock;
    }
    return undefined;
  }

  /**
   * The open locks of `frame`: its list itself when nothing in it was
   * released (the usual case), else a copy without the released ones, so a
   * chain of work started inside ended operations never keeps them alive.
   */
  static openLocks(frame: ContextFrame): HeldLocks | undefined {
    let allOpen = true;
    for (let list = frame.locks; list !== undefined; list = list.next) allOpen &&= list.lock.open;
    if (allOpen) return frame.locks;
    const open: HeldLock[] = [];
    for (let list = frame.locks; list !== undefined; list = list.next) if (list.lock.open) open.push(list.lock);
    let copy: HeldLocks | undefined;
    for (let i = open.length - 1; i >= 0; i -= 1) copy = { lock: open[i], next: copy };
    return copy;
  }
}
