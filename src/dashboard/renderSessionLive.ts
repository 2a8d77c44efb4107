import { formatDuration } from '../inspection/formatDuration';
import { renderSvg } from '../inspection/renderSvg';
import { TriggerGraph } from '../inspection/TriggerGraph';
import { TaskConfig } from '../model';
import type { TaskStatus } from '../model';
import { escapeHtml } from './escapeHtml';
import type { InstanceView, SessionView, TaskView } from './SessionView';

/**
 * The live part of the session page (re-rendered by the page's script when
 * the session's stamp changes): the configuration graph coloured by status,
 * the tasks with why they wait, every instance with its timeline, failure
 * and (with actions enabled) replay and skip buttons, the latest kwargs.
 */
export function renderSessionLive(view: SessionView, { actions }: { actions: boolean }): string {
  if (!view.exists) {
    return `<section><p class="notice" id="empty-session">The storage holds nothing for this session: no configuration and no fired trigger.</p></section>`;
  }
  return [`<div class="overview">${graphSection(view)}${tasksSection(view.tasks)}</div>`, instancesSection(view, actions), kwargsSection(view)].join('\n');
}

function graphSection(view: SessionView): string {
  const statuses: Record<string, TaskStatus | 'none'> = {};
  const configs: TaskConfig[] = view.tasks.map((task) => {
    statuses[task.name] = task.status;
    return new TaskConfig(task.name, task.run, { after: task.after, run: task.run, andEvery: task.andEvery, unless: task.unless });
  });
  const svg = renderSvg(TriggerGraph.fromTasks(configs, statuses)).replace(/^<\?xml[^>]*>\s*/, '');
  return `<section id="graph"><h2>Triggers → tasks, by latest status</h2>${svg}</section>`;
}

function badge(status: string): string {
  return `<span class="badge ${escapeHtml(status)}" data-status="${escapeHtml(status)}">${escapeHtml(status === 'none' ? 'no instance' : status)}</span>`;
}

function names(list: readonly string[]): string {
  return list.length === 0 ? '–' : list.map((name) => `<code>${escapeHtml(name)}</code>`).join(', ');
}

function tasksSection(tasks: readonly TaskView[]): string {
  const rows = tasks.map((task) => {
    const why = task.why;
    const waiting = why.status === 'none' || why.status === 'unstarted';
    const missing = waiting && why.missing.length > 0 ? `<div class="missing">waits for ${names(why.missing)}</div>` : '';
    const earlier = why.after.filter((item) => item.firedEarlier).map((item) => item.trigger);
    const advice = why.advice.map((item) => `<div>${escapeHtml(item.text)}${item.command === undefined ? '' : ` <code>${escapeHtml(item.command)}</code>`}</div>`).join('');
    return `<tr data-task="${escapeHtml(task.name)}"><td><code>${escapeHtml(task.name)}</code></td><td><code>${escapeHtml(task.run)}</code></td>
<td>${names(task.after)}${task.andEvery === undefined ? '' : `; every <code>${escapeHtml(task.andEvery)}</code>`}</td><td>${names(task.unless)}</td>
<td>${badge(task.status)} ${task.latest === undefined ? '' : `<code>${escapeHtml(task.latest)}</code>`}</td>
<td class="why">${missing}${earlier.length > 0 ? `<div>fired before this instance waited: ${names(earlier)}</div>` : ''}${advice}</td></tr>`;
  });
  return `<section id="tasks"><h2>Tasks</h2><table><thead><tr><th>task</th><th>runs</th><th>after</th><th>unless</th><th>latest instance</th><th>why</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function json(value: unknown): string {
  return `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
}

function timeline(instance: InstanceView): string {
  const total = Math.max(1, ...instance.timeline.map((step) => step.offsetMs));
  const width = 340;
  const dots = instance.timeline
    .map((step) => {
      const x = 8 + Math.round((step.offsetMs / total) * (width - 16));
      return `<circle cx="${x}" cy="9" r="5" class="${escapeHtml(step.step)}"><title>${escapeHtml(`${step.step} ${step.at}`)}</title></circle>`;
    })
    .join('');
  const bar = `<svg width="${width}" height="18" viewBox="0 0 ${width} 18" aria-hidden="true"><line x1="8" y1="9" x2="${width - 8}" y2="9" stroke="#bdbdbd"/>${dots}</svg>`;
  const steps = instance.timeline
    .map((step) => `<li data-step="${escapeHtml(step.step)}"><b>${escapeHtml(step.step)}</b> <time datetime="${escapeHtml(step.at)}">${escapeHtml(step.at)}</time>${step.offsetMs > 0 ? ` (+${formatDuration(step.offsetMs)})` : ''}</li>`)
    .join('');
  return `<div class="timeline-bar">${bar}</div><ol class="timeline">${steps}</ol>`;
}

function instanceCard(instance: InstanceView, actions: boolean): string {
  const lineage = [
    instance.depth > 0 ? `depth ${instance.depth}` : '',
    instance.parent === undefined ? '' : `replays <code>${escapeHtml(instance.parent)}</code>`,
    instance.replayedBy === undefined ? '' : `replayed by <code>${escapeHtml(instance.replayedBy)}</code>`,
  ].filter((part) => part.length > 0);
  const failure =
    instance.failure === undefined
      ? ''
      : `<div class="failure"><div><span class="type">${escapeHtml(instance.failure.type ?? 'Error')}</span>: <span class="message">${escapeHtml(instance.failure.message ?? '')}</span></div>
${instance.failure.stack === undefined ? '' : `<details open><summary>stack</summary><pre class="stack">${escapeHtml(instance.failure.stack)}</pre></details>`}
${instance.failure.context === undefined ? '' : `<div>context</div><div class="context">${json(instance.failure.context)}</div>`}</div>`;
  const buttons =
    actions && instance.status === 'failed'
      ? `<div class="actions"><button type="button" data-action="replay" data-instance="${escapeHtml(instance.name)}">Replay</button>
<button type="button" data-action="skip" data-instance="${escapeHtml(instance.name)}">Skip</button>
<label><input type="checkbox" data-cascade-for="${escapeHtml(instance.name)}"> cascade</label></div>`
      : '';
  const progress = instance.progress === undefined ? '' : `<div>progress ${escapeHtml(JSON.stringify(instance.progress))}${instance.progressAt === undefined ? '' : ` at <time>${escapeHtml(instance.progressAt)}</time>`}</div>`;
  return `<article class="instance" data-instance="${escapeHtml(instance.name)}" data-status="${escapeHtml(instance.status)}">
<header><h3 class="mono">${escapeHtml(instance.name)}</h3>${badge(instance.status)}${lineage.length > 0 ? `<span>${lineage.join(' · ')}</span>` : ''}</header>
${timeline(instance)}${progress}${failure}
<details><summary>kwargs</summary>${json(instance.kwargs)}</details>${instance.result === undefined ? '' : `<details><summary>result</summary>${json(instance.result)}</details>`}
${buttons}</article>`;
}

function instancesSection(view: SessionView, actions: boolean): string {
  const cards = view.instances.map((instance) => instanceCard(instance, actions));
  return `<section id="instances"><h2>Instances</h2>${cards.length === 0 ? '<p class="readonly">No instance yet.</p>' : `<div class="instances">${cards.join('')}</div>`}</section>`;
}

function kwargsSection(view: SessionView): string {
  const rows = Object.entries(view.latestKwargs).map(([trigger, kwargs]) => `<tr><td><code>${escapeHtml(trigger)}</code></td><td class="mono">${escapeHtml(JSON.stringify(kwargs))}</td></tr>`);
  return `<section id="latest-kwargs"><h2>Latest kwargs per trigger</h2>${rows.length === 0 ? '<p class="readonly">No trigger fired yet.</p>' : `<table><tbody>${rows.join('')}</tbody></table>`}</section>`;
}
