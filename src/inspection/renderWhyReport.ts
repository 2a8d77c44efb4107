import { formatDuration } from './formatDuration';
import type { WhyReport } from './WhyReport';

/**
 * A {@link WhyReport} as text for a terminal: one labelled line per fact,
 * then the advice (with the command to paste, when there is one).
 */
export function renderWhyReport(report: WhyReport): string {
  const lines: string[] = [];
  const head = report.instance === undefined ? `task ${report.task}` : `${report.instance}`;
  lines.push(`${head} (task ${report.task}, runs ${report.run}) in session ${JSON.stringify(report.uid)}`);
  const row = (label: string, text: string): void => {
    lines.push(`  ${label.padEnd(10)} ${text}`);
  };
  if (report.instance === undefined) {
    row('status', 'no instance yet');
  } else {
    const since = report.since === undefined ? '' : ` since ${report.since}`;
    const waited = report.waitedMs === undefined ? '' : ` (${formatDuration(report.waitedMs)} ago)`;
    row('status', `${report.status}${since}${waited}`);
  }
  const after = report.after.map((item) => {
    const state = item.received ? 'received' : item.firedEarlier ? 'missing (fired before it waited)' : 'missing';
    return `${item.trigger}${item.andEvery ? ' (andEvery)' : ''}: ${state}`;
  });
  row('after', after.length > 0 ? after.join(', ') : '(none)');
  row('unless', unlessText(report));
  const queue = report.routing.queue === undefined ? '' : `, queue ${report.routing.queue}`;
  const unknown = report.routing.runnerKnown ? '' : ' (not registered here)';
  row('runner', `${report.routing.runner}${unknown}${queue}${report.routing.queueProblem === undefined ? '' : ` (queue: ${report.routing.queueProblem})`}`);
  if (report.depth > 0 || report.parent !== undefined) row('depth', `${report.depth}${report.parent === undefined ? '' : ` (replays ${report.parent})`}`);
  if (report.replayedBy !== undefined) row('replayed', `by ${report.replayedBy}`);
  if (report.failure !== undefined) {
    const { type, message } = report.failure;
    row('failure', message !== undefined && type !== undefined && message.startsWith(`${type}:`) ? message : `${type ?? 'Error'}: ${message ?? '(no message recorded)'}`);
  }
  if (report.subject === 'task' && report.instances.length > 0) {
    row('instances', report.instances.map((item) => `${item.name} ${item.status}`).join(', '));
  }
  lines.push('what to do:');
  for (const advice of report.advice) {
    lines.push(`  - ${advice.text}${advice.command === undefined ? '' : `\n      ${advice.command}`}`);
  }
  return `${lines.join('\n')}\n`;
}

function unlessText(report: WhyReport): string {
  const { state, fired, missing } = report.unless;
  switch (state) {
    case 'none':
      return '(none)';
    case 'unmet':
      return `not satisfied: none of ${missing.join(', ')} fired`;
    case 'partial':
      return `partly satisfied: ${fired.join(', ')} fired; ${missing.join(', ')} not yet`;
    case 'met':
      return `satisfied: ${fired.join(', ')} fired`;
  }
}
