/**
 * `fn()`, with a synchronous throw turned into a rejection: what an `async`
 * wrapper would give, without its frame and extra promise, for functions
 * on every job's path that only check their arguments and return a promise.
 */
export function callAsPromise<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (error) {
    return Promise.reject(error);
  }
}
