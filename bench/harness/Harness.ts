import { summarise } from './Measurement';
import type { Direction, Measurement } from './Measurement';

/** How many times to run a scenario body. */
export interface RepetitionPlan {
  /** Unmeasured runs first (JIT, connection pools, Lua script caches). */
  warmup: number;
  /** Measured runs. */
  repetitions: number;
}

/** What one run of a measured body returns: the value of each metric it measured. */
export type RunResult = Record<string, number>;

/** Declares a metric a body reports under the same key in its {@link RunResult}. */
export interface MetricSpec {
  id: string;
  label: string;
  unit: string;
  direction: Direction;
}

/**
 * The benchmark loop: warm up, repeat, summarise. A body may report several
 * metrics per run (both sides of a comparison measured back to back, so they
 * share the same machine state), which is why it returns a record.
 */
export class Harness {
  constructor(
    private readonly plan: RepetitionPlan,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  /** Runs `body` warm-up + repetition times and summarises every metric it reports. */
  async measure(
    title: string,
    metrics: MetricSpec[],
    body: (run: number) => Promise<RunResult>,
    plan: Partial<RepetitionPlan> = {},
    notes?: () => Record<string, unknown>,
  ): Promise<Measurement[]> {
    const warmup = plan.warmup ?? this.plan.warmup;
    const repetitions = plan.repetitions ?? this.plan.repetitions;
    const samples = new Map<string, number[]>(metrics.map((m) => [m.id, []]));
    for (let run = 0; run < warmup + repetitions; run += 1) {
      const measured = run >= warmup;
      const result = await body(run);
      const parts: string[] = [];
      for (const metric of metrics) {
        const value = result[metric.id];
        if (value === undefined || !Number.isFinite(value)) throw new Error(`${title}: run ${run} did not report ${metric.id}`);
        if (measured) samples.get(metric.id)?.push(value);
        parts.push(`${metric.label}=${format(value)} ${metric.unit}`);
      }
      this.log(`  ${title} ${measured ? `rep ${run - warmup + 1}/${repetitions}` : `warm-up ${run + 1}/${warmup}`}: ${parts.join(', ')}`);
    }
    const extra = notes?.();
    return metrics.map((m) => summarise(m.id, m.label, m.unit, m.direction, samples.get(m.id) ?? [], extra));
  }
}

/** A number with 3 significant digits (thousands kept whole). */
export function format(value: number): string {
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}
