import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from '../harness';
import type { Measurement } from '../harness';
import type { BenchReport, HistoryPoint } from '../support/BenchReport';
import { historyChartSvg } from './historyChartSvg';

/**
 * Turns a {@link BenchReport} into the console table and the files under
 * `bench/results/`: `latest.json` (everything, samples included),
 * `latest.md` (tables), `latest-history.svg` (fire latency vs session
 * history); partial or quick runs use the basename `quick` instead.
 */
export class ReportWriter {
  constructor(
    private readonly directory: string,
    private readonly basename: string,
  ) {}

  /** Writes the three files; returns their paths. */
  write(report: BenchReport): string[] {
    mkdirSync(this.directory, { recursive: true });
    const svgName = `${this.basename}-history.svg`;
    const files = {
      json: join(this.directory, `${this.basename}.json`),
      md: join(this.directory, `${this.basename}.md`),
      svg: join(this.directory, svgName),
    };
    writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(files.md, markdown(report, svgName));
    writeFileSync(files.svg, historyChartSvg(report.history));
    return Object.values(files);
  }
}

/** The plain-text table printed at the end of a run. */
export function consoleTable(report: BenchReport): string {
  const rows = report.measurements.map((m) => [m.label, format(m.median), format(m.min), format(m.max), m.unit]);
  const lines = [table(['measurement', 'median', 'min', 'max', 'unit'], rows, [false, true, true, true, false])];
  lines.push('', table(['comparison', 'ratio (Triggers / baseline)', 'per repetition (median, min-max)', 'reading'], report.comparisons.map((c) => [c.label, `${c.ratio.toFixed(2)}x`, pairedText(c), c.reading]), [false, true, true, false]));
  lines.push('', table(['target', 'value', 'threshold', 'result'], targetRows(report), [false, true, true, false]));
  return lines.join('\n');
}

function pairedText(c: BenchReport['comparisons'][number]): string {
  return `${c.paired.median.toFixed(2)}x (${c.paired.min.toFixed(2)}-${c.paired.max.toFixed(2)})`;
}

function targetRows(report: BenchReport): string[][] {
  return report.targets.map((t) => [t.label, `${format(t.value)} ${t.unit}`, `${t.op} ${format(t.threshold)}`, t.met ? 'met' : 'NOT MET']);
}

function markdown(report: BenchReport, svgName: string): string {
  const md: string[] = [];
  md.push(`# Triggers benchmark results (${report.mode} run)`, '');
  md.push(`Generated ${report.generatedAt} by \`npm run bench\` in ${report.durationSeconds.toFixed(0)} s.`, '');
  md.push(Object.entries(report.environment).map(([k, v]) => `- ${k}: ${v}`).join('\n'), '');
  md.push('## Measurements', '', mdTable(['measurement', 'median', 'min', 'max', 'unit', 'runs'], report.measurements.map(measurementRow)), '');
  md.push('## Comparisons (same run)', '', mdTable(['comparison', 'ratio', 'per repetition (median, min-max)', 'reading'], report.comparisons.map((c) => [c.label, `${c.ratio.toFixed(2)}x`, pairedText(c), c.reading])), '');
  md.push('## Targets (issue 4)', '', mdTable(['target', 'value', 'threshold', 'result'], targetRows(report)), '');
  if (report.history.length > 0) {
    md.push('## Fire latency vs session history', '', `![fire latency vs history](${svgName})`, '');
    md.push(mdTable(['resolved instances', 'median ms', 'min ms', 'max ms'], report.history.map(historyRow)), '');
  }
  if (Object.keys(report.roundTrips).length > 0) {
    md.push('## Redis commands per operation (MONITOR)', '');
    md.push(mdTable(["operation", "client commands", "inside scripts", "by command"], Object.entries(report.roundTrips).map(([op, c]) => [
      op,
      String(c.client),
      String(c.scripted),
      Object.entries(c)
        .filter(([k]) => k !== 'client' && k !== 'scripted')
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ])), '');
  }
  if (Object.keys(report.cpu).length > 0) {
    md.push('## CPU per unit of work (microseconds, one accounted run per side)', '');
    md.push(
      'Every process shares the same cores, so a throughput ratio cannot beat the ratio of total CPU per task.',
      '',
    );
    md.push(mdTable(['operation', 'redis-server', 'worker process', 'producer', 'total'], Object.entries(report.cpu).map(([op, c]) => [
      op,
      String(c.redis),
      String(c.worker),
      String(c.producer),
      String(c.total),
    ])), '');
  }
  if (report.floors.length > 0) {
    md.push('## What bounds the ratios (from this run)', '');
    md.push(mdTable(['floor', 'ratio', 'from'], report.floors.map((f) => [f.label, `${f.value.toFixed(2)}x`, f.detail])), '');
  }
  return `${md.join('\n')}\n`;
}

function measurementRow(m: Measurement): string[] {
  return [m.label, format(m.median), format(m.min), format(m.max), m.unit, String(m.samples.length)];
}

function historyRow(p: HistoryPoint): string[] {
  return [p.size.toLocaleString('en-US'), format(p.medianMs), format(p.minMs), format(p.maxMs)];
}

/** A GitHub-flavoured Markdown table. */
export function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function table(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
