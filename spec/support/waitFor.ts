/**
 * Polls `probe` until it returns something other than `undefined`/`false`,
 * or fails after `timeoutMs` with `what` in the message. For cross-process
 * state (Redis, child processes) where no event can be awaited.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Waits until `Date.now()` is past `time` (ms): for specs whose listings
 * order by millisecond, where two writes in the same one would tie.
 */
export async function untilClockPasses(time: number): Promise<void> {
  await waitFor(`the clock to pass ${time}`, () => Date.now() > time);
}
