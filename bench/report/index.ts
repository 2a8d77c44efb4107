export * from './ReportWriter';
export * from './historyChartSvg';
