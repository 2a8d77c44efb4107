/** Messages a benchmark worker process sends its parent over IPC. */
export type WorkerMessage = { type: 'ready' } | { type: 'error'; message: string };

/** Tells the parent (if any) that this worker consumes jobs now. */
export function announceReady(): void {
  process.send?.({ type: 'ready' } satisfies WorkerMessage);
}

/** Reads `--name value` from argv. */
export function argValue(name: string, fallback?: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1] : fallback;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}
