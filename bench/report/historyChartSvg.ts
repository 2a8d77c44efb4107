import type { HistoryPoint } from '../support/BenchReport';

/**
 * A small hand-written SVG line chart: median fire latency (with min-max
 * bars) against the number of resolved instances in the session, on a log
 * x axis. No charting dependency for one picture.
 */
export function historyChartSvg(points: HistoryPoint[]): string {
  const width = 560;
  const height = 320;
  const pad = { left: 60, right: 20, top: 40, bottom: 50 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  if (points.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="40"><text x="10" y="25">no history data</text></svg>\n`;
  const logs = points.map((p) => Math.log10(p.size));
  const minX = Math.min(...logs);
  const maxX = Math.max(...logs);
  const maxY = Math.max(...points.map((p) => p.maxMs)) * 1.15;
  const x = (size: number) => pad.left + (maxX === minX ? plotW / 2 : ((Math.log10(size) - minX) / (maxX - minX)) * plotW);
  const y = (ms: number) => pad.top + plotH - (ms / maxY) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">Redis fire latency vs session history</text>`);
  for (let i = 0; i <= 4; i += 1) {
    const ms = (maxY / 4) * i;
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(ms).toFixed(1)}" y2="${y(ms).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${(y(ms) + 4).toFixed(1)}" text-anchor="end">${ms.toFixed(2)}</text>`);
  }
  parts.push(`<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${pad.top + plotH}" stroke="#333"/>`);
  parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${pad.top + plotH}" y2="${pad.top + plotH}" stroke="#333"/>`);
  parts.push(`<text transform="translate(16 ${pad.top + plotH / 2}) rotate(-90)" text-anchor="middle">ms per fire</text>`);
  parts.push(`<text x="${pad.left + plotW / 2}" y="${height - 10}" text-anchor="middle">resolved instances in the session (log scale)</text>`);
  for (const p of points) {
    const px = x(p.size).toFixed(1);
    parts.push(`<line x1="${px}" x2="${px}" y1="${y(p.minMs).toFixed(1)}" y2="${y(p.maxMs).toFixed(1)}" stroke="#89b"/>`);
    parts.push(`<text x="${px}" y="${pad.top + plotH + 18}" text-anchor="middle">${p.size.toLocaleString('en-US')}</text>`);
  }
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.size).toFixed(1)},${y(p.medianMs).toFixed(1)}`).join(' ');
  parts.push(`<path d="${path}" fill="none" stroke="#2a6ebb" stroke-width="2"/>`);
  for (const p of points) {
    parts.push(`<circle cx="${x(p.size).toFixed(1)}" cy="${y(p.medianMs).toFixed(1)}" r="4" fill="#2a6ebb"/>`);
    parts.push(`<text x="${(x(p.size) + 6).toFixed(1)}" y="${(y(p.medianMs) - 8).toFixed(1)}">${p.medianMs.toFixed(3)} ms</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
