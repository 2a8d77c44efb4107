import { summarise } from '../harness';
import type { Measurement } from '../harness';

/** Triggers measured against a baseline in the same run. */
export interface Comparison {
  id: string;
  label: string;
  /** Measurement id of the Triggers side. */
  triggers: string;
  /** Measurement id of the baseline side. */
  baseline: string;
  /** Triggers median / baseline median. */
  ratio: number;
  /**
   * The ratio within each repetition (both sides ran back to back in it):
   * median, min and max. Less sensitive to load that drifts between
   * repetitions; the target uses {@link ratio}.
   */
  paired: { median: number; min: number; max: number };
  /** How to read the ratio (`lower is better: per-hop latency`). */
  reading: string;
}

/** One target of issue 4, evaluated on this run. */
export interface TargetResult {
  id: string;
  label: string;
  value: number;
  op: '<=' | '>=';
  threshold: number;
  unit: string;
  met: boolean;
}

/** One point of the history-independence chart. */
export interface HistoryPoint {
  size: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

/** What one scenario contributes to the report. */
export interface ScenarioResult {
  measurements: Measurement[];
  comparisons?: Comparison[];
  targets?: TargetResult[];
  history?: HistoryPoint[];
  roundTrips?: Record<string, Record<string, number>>;
  /** CPU microseconds per unit of work by process (redis, worker, producer, total), from one accounted run per side. */
  cpu?: Record<string, Record<string, number>>;
  /** Lower bounds derived from measurements of this run (ratio the structure alone implies). */
  floors?: Floor[];
}

/** A ratio the structure of an operation implies by itself, from this run's measurements. */
export interface Floor {
  label: string;
  value: number;
  detail: string;
}

/** The whole run, as written to `bench/results/latest.json`. */
export interface BenchReport {
  generatedAt: string;
  mode: 'full' | 'quick';
  durationSeconds: number;
  environment: Record<string, string | number>;
  measurements: Measurement[];
  comparisons: Comparison[];
  targets: TargetResult[];
  history: HistoryPoint[];
  /** Redis commands issued per operation, from INFO commandstats. */
  roundTrips: Record<string, Record<string, number>>;
  /** CPU microseconds per unit of work, by process. */
  cpu: Record<string, Record<string, number>>;
  floors: Floor[];
}

/** Builds a comparison from two measurements (ratio of medians). */
export function compare(id: string, label: string, triggers: Measurement, baseline: Measurement, reading: string): Comparison {
  const ratios = triggers.samples.map((value, i) => value / baseline.samples[i]).filter(Number.isFinite);
  const { median, min, max } = summarise(`${id}.paired`, label, 'x', 'lower', ratios.length > 0 ? ratios : [Number.NaN]);
  return { id, label, triggers: triggers.id, baseline: baseline.id, ratio: triggers.median / baseline.median, paired: { median, min, max }, reading };
}

/** Evaluates a target. */
export function target(id: string, label: string, value: number, op: '<=' | '>=', threshold: number, unit: string): TargetResult {
  return { id, label, value, op, threshold, unit, met: op === '<=' ? value <= threshold : value >= threshold };
}
