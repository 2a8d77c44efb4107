import { STATUS_COLOURS } from './TriggerGraph';
import type { GraphNode, TriggerGraph } from './TriggerGraph';

const CHAR_WIDTH = 7.2;
const NODE_HEIGHT = 44;
const ROW_GAP = 22;
const COLUMN_GAP = 90;
const MARGIN = 20;

interface Box {
  node: GraphNode;
  x: number;
  y: number;
  width: number;
}

/**
 * A {@link TriggerGraph} as a self-contained SVG document, laid out in
 * layers ({@link TriggerGraph.layers}) from left to right: triggers as
 * pills, tasks as boxes (filled by status, with a legend, when statuses
 * were given), `unless` edges dashed red, `andEvery` edges blue and
 * labelled. No fonts, scripts or external references.
 */
export function renderSvg(graph: TriggerGraph): string {
  const layers = graph.layers();
  const boxes = new Map<string, Box>();
  const widthOf = (node: GraphNode): number =>
    Math.max(90, Math.ceil(Math.max(node.name.length, (node.run ?? '').length + (node.status === undefined ? 0 : node.status.length + 3)) * CHAR_WIDTH) + 24);
  const tallest = Math.max(1, ...layers.map((layer) => layer.length));
  const columnHeight = tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP;
  let x = MARGIN;
  for (const layer of layers) {
    const width = Math.max(...layer.map(widthOf));
    const height = layer.length * NODE_HEIGHT + (layer.length - 1) * ROW_GAP;
    let y = MARGIN + (columnHeight - height) / 2;
    for (const node of layer) {
      boxes.set(node.name, { node, x, y, width });
      y += NODE_HEIGHT + ROW_GAP;
    }
    x += width + COLUMN_GAP;
  }
  const legend = graph.hasStatuses ? [...new Set(graph.nodes.map((node) => node.status).filter((s): s is NonNullable<GraphNode['status']> => s !== undefined))].sort() : [];
  const width = Math.max(x - COLUMN_GAP + MARGIN, 200);
  const legendHeight = legend.length === 0 ? 0 : 34;
  const height = MARGIN * 2 + columnHeight + 60 + legendHeight;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    '  <title>Triggers configuration</title>',
    '  <defs>',
    '    <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#424242"/></marker>',
    '    <marker id="arrow-unless" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c62828"/></marker>',
    '    <marker id="arrow-every" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1565c0"/></marker>',
    '  </defs>',
    '  <rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>',
  ];
  for (const edge of graph.edges) {
    const from = boxes.get(edge.from);
    const to = boxes.get(edge.to);
    if (from === undefined || to === undefined) continue;
    const colour = edge.kind === 'unless' ? '#c62828' : edge.kind === 'andEvery' ? '#1565c0' : '#424242';
    const marker = edge.kind === 'unless' ? 'arrow-unless' : edge.kind === 'andEvery' ? 'arrow-every' : 'arrow';
    const dash = edge.kind === 'unless' ? ' stroke-dasharray="5,4"' : '';
    const d = pathBetween(from, to);
    out.push(`  <path class="edge ${edge.kind}" d="${d.path}" fill="none" stroke="${colour}" stroke-width="1.4"${dash} marker-end="url(#${marker})"><title>${xml(`${edge.from} → ${edge.to} (${edge.kind})`)}</title></path>`);
    if (edge.kind !== 'after') out.push(`  <text x="${d.labelX}" y="${d.labelY}" fill="${colour}" font-size="10" text-anchor="middle">${edge.kind === 'unless' ? 'unless' : 'every'}</text>`);
  }
  for (const box of boxes.values()) out.push(...nodeSvg(box));
  if (legend.length > 0) {
    let lx = MARGIN;
    const ly = height - MARGIN - 18;
    for (const status of legend) {
      const colour = STATUS_COLOURS[status];
      out.push(`  <rect x="${lx}" y="${ly}" width="14" height="14" rx="2" fill="${colour.fill}" stroke="${colour.stroke}"/>`);
      out.push(`  <text x="${lx + 20}" y="${ly + 11}">${xml(status === 'none' ? 'no instance' : status)}</text>`);
      lx += 34 + status.length * CHAR_WIDTH + 10;
    }
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function nodeSvg(box: Box): string[] {
  const { node, x, y, width } = box;
  const cx = x + width / 2;
  if (node.kind === 'trigger') {
    return [
      `  <g class="trigger"><title>${xml(`trigger ${node.name}`)}</title>`,
      `    <rect x="${x}" y="${y + 6}" width="${width}" height="${NODE_HEIGHT - 12}" rx="${(NODE_HEIGHT - 12) / 2}" fill="#fafafa" stroke="#757575"/>`,
      `    <text x="${cx}" y="${y + NODE_HEIGHT / 2 + 4}" text-anchor="middle">${xml(node.name)}</text>`,
      '  </g>',
    ];
  }
  const colour = STATUS_COLOURS[node.status ?? 'none'];
  const sub = node.status === undefined ? (node.run ?? '') : `${node.run ?? ''} · ${node.status}`;
  return [
    `  <g class="task"><title>${xml(`task ${node.name} runs ${node.run ?? '?'}${node.status === undefined ? '' : `; latest instance: ${node.status}`}`)}</title>`,
    `    <rect x="${x}" y="${y}" width="${width}" height="${NODE_HEIGHT}" rx="4" fill="${colour.fill}" stroke="${colour.stroke}"/>`,
    `    <text x="${cx}" y="${y + 18}" text-anchor="middle" font-weight="bold">${xml(node.name)}</text>`,
    `    <text x="${cx}" y="${y + 34}" text-anchor="middle" fill="#555555" font-size="10">${xml(sub)}</text>`,
    '  </g>',
  ];
}

/** A curve from the right side of `from` to the left side of `to`; backwards and self edges loop below. */
function pathBetween(from: Box, to: Box): { path: string; labelX: number; labelY: number } {
  const sy = from.y + NODE_HEIGHT / 2;
  const ty = to.y + NODE_HEIGHT / 2;
  if (from === to) {
    const left = from.x + from.width * 0.3;
    const right = from.x + from.width * 0.7;
    const bottom = from.y + NODE_HEIGHT;
    return { path: `M ${right} ${bottom} C ${right} ${bottom + 40}, ${left} ${bottom + 40}, ${left} ${bottom}`, labelX: from.x + from.width / 2, labelY: bottom + 40 };
  }
  const sx = from.x + from.width;
  const tx = to.x;
  if (tx > sx) {
    const bend = Math.max(30, (tx - sx) / 2);
    return { path: `M ${sx} ${sy} C ${sx + bend} ${sy}, ${tx - bend} ${ty}, ${tx} ${ty}`, labelX: (sx + tx) / 2, labelY: (sy + ty) / 2 - 4 };
  }
  const low = Math.max(from.y, to.y) + NODE_HEIGHT + 50;
  return { path: `M ${sx} ${sy} C ${sx + 60} ${low}, ${tx - 60} ${low}, ${tx} ${ty}`, labelX: (sx + tx) / 2, labelY: low - 10 };
}

/** Text escaped for XML content and attribute values. */
function xml(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');
}
