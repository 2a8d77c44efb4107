import { STATUS_COLOURS } from './TriggerGraph';
import type { TriggerGraph } from './TriggerGraph';

/**
 * A {@link TriggerGraph} in Graphviz DOT: triggers as ellipses, tasks as
 * boxes (name, then the class they run; filled by status when statuses were
 * given), `andEvery` edges labelled, `unless` edges dashed.
 */
export function renderDot(graph: TriggerGraph): string {
  const lines = ['digraph triggers {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=11];'];
  for (const node of graph.nodes) {
    if (node.kind === 'trigger') {
      lines.push(`  ${quote(node.name)} [shape=ellipse];`);
      continue;
    }
    const colour = node.status === undefined ? undefined : STATUS_COLOURS[node.status];
    const fill = colour === undefined ? '' : `, style="rounded,filled", fillcolor="${colour.fill}", color="${colour.stroke}"`;
    const status = node.status === undefined ? '' : `\\n[${node.status}]`;
    lines.push(`  ${quote(node.name)} [shape=box${fill}, label=${quote(`${node.name}\n${node.run ?? ''}`, status)}];`);
  }
  for (const edge of graph.edges) {
    const style = edge.kind === 'after' ? '' : edge.kind === 'andEvery' ? ' [label="andEvery"]' : ' [style=dashed, label="unless"]';
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)}${style};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** A DOT quoted string (backslashes, quotes and newlines escaped); `raw` is appended unescaped. */
function quote(value: string, raw = ''): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}${raw}"`;
}
