export { TelemetryAttributes } from './TelemetryAttributes';
export { TriggersMetrics } from './TriggersMetrics';
export { TriggersTracer } from './TriggersTracer';
export type { TraceCarrier } from './TriggersTracer';
