/**
 * Inspection: explains why a task or instance of a session is where it is
 * (`why`), and draws a configuration as a graph of triggers and tasks.
 * Backend-neutral: it reads through the storage's inspection API only.
 */
export { explain } from './explain';
export type { ExplainInput } from './explain';
export { formatDuration } from './formatDuration';
export { renderWhyReport } from './renderWhyReport';
export { explainInstance, explainTask, why } from './why';
export type { QueueResolver, WhyOptions } from './why';
export type { WhyAdvice, WhyAfterTrigger, WhyFailure, WhyInstanceSummary, WhyReport, WhyRouting, WhyUnless } from './WhyReport';
export { renderDot } from './renderDot';
export { renderMermaid } from './renderMermaid';
export { renderSvg } from './renderSvg';
export { STATUS_COLOURS, TriggerGraph } from './TriggerGraph';
export type { GraphEdge, GraphNode } from './TriggerGraph';
