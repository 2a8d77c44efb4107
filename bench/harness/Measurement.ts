/** Whether a bigger number is better (throughput) or worse (latency). */
export type Direction = 'higher' | 'lower';

/** One measured quantity: every repetition's value and its summary. */
export interface Measurement {
  /** Stable identifier (`embedded.fire.noSchedule`). */
  id: string;
  /** Human label for the table. */
  label: string;
  /** Unit of every sample (`fires/s`, `ms/hop`). */
  unit: string;
  direction: Direction;
  /** One value per measured repetition (warm-up runs excluded). */
  samples: number[];
  median: number;
  min: number;
  max: number;
  /** Free-form facts about the run (sizes, verification counts). */
  notes?: Record<string, unknown>;
}

/** Builds a {@link Measurement} from raw samples. */
export function summarise(
  id: string,
  label: string,
  unit: string,
  direction: Direction,
  samples: number[],
  notes?: Record<string, unknown>,
): Measurement {
  if (samples.length === 0) throw new Error(`No samples for ${id}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { id, label, unit, direction, samples, median, min: sorted[0], max: sorted[sorted.length - 1], notes };
}
