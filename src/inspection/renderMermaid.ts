import { STATUS_COLOURS } from './TriggerGraph';
import type { GraphNode, TriggerGraph } from './TriggerGraph';

/**
 * A {@link TriggerGraph} as a Mermaid flowchart: triggers as stadiums, tasks
 * as boxes (name, then the class they run), `andEvery` edges labelled,
 * `unless` edges dotted; with statuses, one class per status colours the tasks.
 */
export function renderMermaid(graph: TriggerGraph): string {
  const lines = ['flowchart LR'];
  for (const node of graph.nodes) {
    lines.push(
      node.kind === 'trigger'
        ? `  ${node.id}(["${text(node.name)}"])`
        : `  ${node.id}["${text(node.name)}<br/><small>${text(node.run ?? '')}</small>"]`,
    );
  }
  const id = (name: string): string => graph.node(name).id;
  for (const edge of graph.edges) {
    const arrow = edge.kind === 'after' ? '-->' : edge.kind === 'andEvery' ? '-- andEvery -->' : '-. unless .->';
    lines.push(`  ${id(edge.from)} ${arrow} ${id(edge.to)}`);
  }
  if (graph.hasStatuses) {
    const byStatus = new Map<string, GraphNode[]>();
    for (const node of graph.nodes) if (node.status !== undefined) byStatus.set(node.status, [...(byStatus.get(node.status) ?? []), node]);
    for (const [status, nodes] of [...byStatus].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const colour = STATUS_COLOURS[status as keyof typeof STATUS_COLOURS];
      lines.push(`  classDef status_${status} fill:${colour.fill},stroke:${colour.stroke}`);
      lines.push(`  class ${nodes.map((node) => node.id).join(',')} status_${status}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Mermaid label text: quotes and angle brackets as entity codes. */
function text(value: string): string {
  return value.replaceAll('#', '#35;').replaceAll('"', '#quot;').replaceAll('<', '#lt;').replaceAll('>', '#gt;');
}
