/**
 * Lets the event loop turn `n` times (setImmediate), so anything that was
 * free to start has started. For asserting that something did *not* happen
 * yet (a blocked lock waiter, a task that must wait for its operation); never
 * as a wait for something to happen (use events, joinAll or waitFor).
 */
export async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
}
