/**
 * Runs `fn(i)` for i in [0, count) with at most `concurrency` calls in
 * flight: how the benchmarks model many producers firing at once.
 */
export async function lanes(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}
