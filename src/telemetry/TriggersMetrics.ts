import { metrics } from '@opentelemetry/api';
import type { Counter, Histogram, MeterProvider } from '@opentelemetry/api';
import { TelemetryAttributes } from './TelemetryAttributes';
import { packageVersion } from './packageVersion';

/**
 * The framework's OpenTelemetry metrics, through `@opentelemetry/api` only
 * (no-ops until the application installs a meter provider):
 *
 * - `triggers.instances` (counter): instances reaching each status, by
 *   `triggers.task` and `triggers.status`;
 * - `triggers.task.duration` (histogram, seconds): how long tasks ran, by
 *   task and the status they left their instance in.
 */
export class TriggersMetrics {
  private static provider?: MeterProvider;
  private static instruments?: { instances: Counter; duration: Histogram };

  /** The instruments of the current global meter provider (made again when an application installs another). */
  private static current(): { instances: Counter; duration: Histogram } {
    const provider = metrics.getMeterProvider();
    if (provider !== TriggersMetrics.provider || TriggersMetrics.instruments === undefined) {
      const meter = provider.getMeter('triggers-ts', packageVersion());
      TriggersMetrics.provider = provider;
      TriggersMetrics.instruments = {
        instances: meter.createCounter('triggers.instances', { description: 'Task instances reaching each status, by task and status' }),
        duration: meter.createHistogram('triggers.task.duration', { description: 'How long tasks ran, by task and outcome status', unit: 's' }),
      };
    }
    return TriggersMetrics.instruments;
  }

  /** Counts `count` instances of `task` reaching `status`. */
  static statusReached(task: string, status: string, count = 1): void {
    TriggersMetrics.current().instances.add(count, { [TelemetryAttributes.Task]: task, [TelemetryAttributes.Status]: status });
  }

  /** Records that a run of `task` took `ms` milliseconds and left its instance `status`. */
  static taskRan(task: string, status: string, ms: number): void {
    TriggersMetrics.current().duration.record(ms / 1000, { [TelemetryAttributes.Task]: task, [TelemetryAttributes.Status]: status });
  }
}
