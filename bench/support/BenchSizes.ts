/** Problem sizes of every scenario; `BENCH_QUICK=1` shrinks them for fast iteration. */
export interface BenchSizes {
  quick: boolean;
  warmup: number;
  repetitions: number;
  /** Heavy scenarios (worker processes, thousands of jobs) repeat fewer times. */
  heavyRepetitions: number;
  embeddedFires: number;
  chainLength: number;
  sessions: number;
  concurrency: number;
  historySizes: number[];
  historyFires: number;
  hotFirers: number;
  hotFiresEach: number;
  /** Unresolved (scheduled) instances in the directory for the reconciliation pass. */
  reconcileSizes: number[];
}

/** Sizes from the environment. */
export function benchSizes(env: NodeJS.ProcessEnv = process.env): BenchSizes {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  return quick
    ? {
        quick,
        warmup: 1,
        repetitions: 3,
        heavyRepetitions: 2,
        embeddedFires: 5_000,
        chainLength: 200,
        sessions: 200,
        concurrency: 50,
        historySizes: [10, 100, 1_000],
        historyFires: 100,
        hotFirers: 50,
        hotFiresEach: 10,
        reconcileSizes: [200, 1_000],
      }
    : {
        quick,
        warmup: 1,
        repetitions: 5,
        heavyRepetitions: 5,
        embeddedFires: 20_000,
        chainLength: 1_000,
        sessions: 1_000,
        concurrency: 50,
        historySizes: [10, 1_000, 10_000],
        historyFires: 300,
        hotFirers: 50,
        hotFiresEach: 40,
        reconcileSizes: [1_000, 10_000],
      };
}
