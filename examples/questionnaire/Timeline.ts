import { performance } from 'node:perf_hooks';
import { TaskStatus } from 'triggers-ts';
import type { LogEntry, LogSink, TaskInstance, TriggerManager } from 'triggers-ts';

/** Order in which statuses are normally reached, to rebuild the path an instance took between two looks. */
const RANK: Record<TaskStatus, number> = {
  unstarted: 0,
  abandoned: 1,
  scheduled: 2,
  running: 3,
  failed: 4,
  finished: 5,
  skipped: 5,
  replayed: 6,
};

const INDENT = ' '.repeat(21);

/**
 * Prints a readable timeline of a workflow: triggers fired, instances
 * created, status changes, task log messages, with times relative to the
 * start of the demo.
 *
 * It learns what happened by **diffing storage**: each time it is told
 * something happened (a manager hook, see `TimelineManager`, or the end of a
 * step), it reads the session's instances and prints what changed since it
 * last looked, reconstructing intermediate statuses from the instances'
 * `timestamps` metadata. It is also a {@link LogSink}, so what tasks log
 * appears in line. Everything is printed through one queue, so lines never
 * interleave.
 */
export class Timeline implements LogSink {
  private readonly started = performance.now();
  private readonly known = new Map<string, Map<string, TaskStatus>>();
  private queue: Promise<void> = Promise.resolve();

  /**
   * @param write where lines go (default `console.log`)
   * @param clock milliseconds since an arbitrary origin (default `performance.now`)
   */
  constructor(
    private readonly write: (line: string) => void = (line) => console.log(line),
    private readonly clock: () => number = () => performance.now() - this.started,
  ) {}

  /** A section title. */
  heading(title: string): Promise<void> {
    return this.enqueue(async () => ['', `== ${title} ${'='.repeat(Math.max(3, 74 - title.length))}`]);
  }

  /** A line of narration (what the app or the operator does and why). */
  note(text: string): Promise<void> {
    return this.enqueue(async () => [`${' '.repeat(11)}# ${text}`]);
  }

  /** LogSink: a message a task logged. */
  log(entry: LogEntry): void {
    void this.enqueue(async () => [this.line('log', `${entry.instance} ${entry.level}: ${entry.message}`)]);
  }

  /** Called after `trigger` was fired into the manager's session: prints it and what it changed. */
  fired(manager: TriggerManager, trigger: string): Promise<void> {
    return this.enqueue(async () => {
      const [tasks, latest] = await Promise.all([manager.storage.getTasks(), manager.storage.getLatestKwargs()]);
      const kind = trigger in tasks ? 'cascade' : 'fire';
      return [this.line(kind, `${trigger} ${compactJson(latest[trigger] ?? {})}`), ...(await this.changes(manager))];
    });
  }

  /**
   * Prints what changed in the session since the last look, under
   * `headline` (nothing at all if nothing changed).
   */
  observe(manager: TriggerManager, headline: string): Promise<void> {
    return this.enqueue(async () => {
      const changes = await this.changes(manager);
      return changes.length === 0 ? [] : [this.line(headline.split(' ')[0], headline.slice(headline.indexOf(' ') + 1)), ...changes];
    });
  }

  /** Prints every instance of the session with its final status. */
  summary(manager: TriggerManager): Promise<void> {
    return this.enqueue(async () => {
      const instances = await manager.storage.getInstances();
      const width = Math.max(...instances.map((i) => i.name.length));
      return [
        `  session ${manager.storage.uid}`,
        ...instances.map((i) => `    ${i.name.padEnd(width)}  ${i.status.padEnd(9)}  ${outcome(i)}`.trimEnd()),
      ];
    });
  }

  /** Resolves once everything queued so far is printed. */
  flush(): Promise<void> {
    return this.enqueue(async () => []);
  }

  private enqueue(lines: () => Promise<string[]>): Promise<void> {
    this.queue = this.queue.then(async () => {
      for (const line of await lines()) this.write(line);
    });
    return this.queue;
  }

  private line(kind: string, text: string): string {
    return `  +${Math.round(this.clock()).toString().padStart(4)} ms  ${kind.padEnd(8)}${text}`;
  }

  /** Lines describing every instance whose status differs from the last look. */
  private async changes(manager: TriggerManager): Promise<string[]> {
    const uid = manager.storage.uid;
    let seen = this.known.get(uid);
    if (seen === undefined) this.known.set(uid, (seen = new Map()));
    const changed: Array<{ instance: TaskInstance; previous?: TaskStatus }> = [];
    for (const instance of await manager.storage.getInstances()) {
      const previous = seen.get(instance.name);
      if (previous === instance.status) continue;
      seen.set(instance.name, instance.status);
      changed.push({ instance, previous });
    }
    // What just happened (instances that ran) first, then what it caused (new or newly scheduled instances).
    const caused = ({ instance, previous }: { instance: TaskInstance; previous?: TaskStatus }): number =>
      previous === undefined || RANK[instance.status] <= RANK.scheduled ? 1 : 0;
    changed.sort((a, b) => caused(a) - caused(b));
    return changed.map(({ instance, previous }) => {
      const path = statusPath(instance, previous).join(' → ');
      const notes = annotations(instance, previous === undefined, manager).join('; ');
      const mark = previous === undefined ? '+' : ' ';
      return `${INDENT}${mark} ${instance.name.padEnd(22)} ${path}${notes ? `  (${notes})` : ''}`;
    });
  }
}

/** The statuses an instance went through since `previous` (all of them for a new instance). */
function statusPath(instance: TaskInstance, previous: TaskStatus | undefined): TaskStatus[] {
  const reached = Object.keys(instance.metadata.timestamps ?? {}).filter((key): key is TaskStatus => key in RANK);
  const from = previous === undefined ? -1 : RANK[previous];
  const to = RANK[instance.status];
  const between = reached.filter((status) => RANK[status] > from && RANK[status] < to).sort((a, b) => RANK[a] - RANK[b]);
  return [...(previous === undefined ? [] : [previous]), ...between, instance.status];
}

/** Short explanations a newcomer needs next to a status change. */
function annotations(instance: TaskInstance, isNew: boolean, manager: TriggerManager): string[] {
  const notes: string[] = [];
  const parent = instance.metadata.parent;
  if (isNew && typeof parent === 'string') notes.push(`replays ${parent}, depth ${instance.depth}`);
  switch (instance.status) {
    case TaskStatus.Unstarted: {
      const missing = [...instance.config.after].filter((trigger) => !(trigger in instance.kwargs)).sort();
      notes.push(`waiting for ${missing.join(' + ')}`);
      break;
    }
    case TaskStatus.Scheduled:
      notes.push(`runner: ${manager.runnerNameFor(instance)}`);
      break;
    case TaskStatus.Abandoned:
      notes.push(`unless ${[...instance.abandonState].sort().join(' + ')} fired`);
      break;
    case TaskStatus.Failed:
    case TaskStatus.Replayed:
      if (instance.metadata.exceptionType !== undefined) notes.push(cut(errorSummary(instance), 100));
      break;
    case TaskStatus.Skipped:
      notes.push(compactJson(instance.metadata.reason ?? instance.metadata.result ?? {}));
      break;
    default:
      break;
  }
  return notes;
}

/** One line for the summary: result, error, or why it never ran. */
function outcome(instance: TaskInstance): string {
  const lineage = typeof instance.metadata.parent === 'string' ? `replay of ${instance.metadata.parent}; ` : '';
  switch (instance.status) {
    case TaskStatus.Finished:
      return `${lineage}result ${compactJson(instance.metadata.result ?? {})}`;
    case TaskStatus.Failed:
    case TaskStatus.Replayed:
      return `${lineage}${errorSummary(instance)}`;
    case TaskStatus.Abandoned:
      return `${lineage}unless ${[...instance.abandonState].sort().join(' + ')} fired`;
    default:
      return lineage.replace(/; $/, '');
  }
}

/** `ErrorType: message` from the failure metadata. */
function errorSummary(instance: TaskInstance): string {
  const info = instance.metadata.exceptionInfo ?? '';
  const firstLine = info.split('\n')[0] ?? '';
  return firstLine.startsWith(String(instance.metadata.exceptionType)) ? firstLine : `${instance.metadata.exceptionType}: ${firstLine}`;
}

/** JSON on one line, cut to a readable length. */
function compactJson(value: unknown): string {
  return cut(JSON.stringify(value) ?? String(value), 90);
}

/** `text`, shortened to `max` characters with an ellipsis. */
function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
