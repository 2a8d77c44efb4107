import type { TaskConfig, TaskStatus } from '../model';

/** A node of a {@link TriggerGraph}: a trigger, or a task (whose name is also the trigger its cascade fires). */
export interface GraphNode {
  /** An identifier made of `[A-Za-z0-9_]` only, unique in the graph (Mermaid needs one). */
  id: string;
  /** The trigger or task name. */
  name: string;
  kind: 'trigger' | 'task';
  /** For a task: the task class it runs. */
  run?: string;
  /** For a task, when statuses were given: its latest instance's status, `none` without one. */
  status?: TaskStatus | 'none';
}

/** An edge: trigger (or task) `from` feeds task `to` through one directive. */
export interface GraphEdge {
  from: string;
  to: string;
  kind: 'after' | 'andEvery' | 'unless';
}

/** Fill and stroke colours per status, shared by the renderers. */
export const STATUS_COLOURS: Readonly<Record<TaskStatus | 'none', { fill: string; stroke: string }>> = {
  none: { fill: '#ffffff', stroke: '#9e9e9e' },
  unstarted: { fill: '#eeeeee', stroke: '#616161' },
  scheduled: { fill: '#fff9c4', stroke: '#f9a825' },
  running: { fill: '#bbdefb', stroke: '#1565c0' },
  finished: { fill: '#c8e6c9', stroke: '#2e7d32' },
  failed: { fill: '#ffcdd2', stroke: '#c62828' },
  abandoned: { fill: '#d7ccc8', stroke: '#5d4037' },
  replayed: { fill: '#ffe0b2', stroke: '#ef6c00' },
  skipped: { fill: '#e1bee7', stroke: '#6a1b9a' },
};

/**
 * A configuration as a graph: an edge from each trigger a task's `after`,
 * `andEvery` or `unless` names to the task. A task named in another's
 * `after` is one node (its cascade fires its name), so chains show as
 * paths. Nodes are ordered triggers first, then tasks, each by name; edges
 * by task, then in directive order (`after`, `andEvery`, `unless`).
 */
export class TriggerGraph {
  private constructor(
    readonly nodes: readonly GraphNode[],
    readonly edges: readonly GraphEdge[],
  ) {}

  /** Builds the graph of `tasks`; `statuses` (task name → status of its latest instance) colours the tasks. */
  static fromTasks(tasks: readonly TaskConfig[], statuses?: Readonly<Record<string, TaskStatus | 'none'>>): TriggerGraph {
    const sorted = [...tasks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const taskNames = new Set(sorted.map((task) => task.name));
    const triggerNames = new Set<string>();
    const edges: GraphEdge[] = [];
    for (const task of sorted) {
      for (const trigger of task.after) {
        if (trigger === task.andEvery) continue;
        edges.push({ from: trigger, to: task.name, kind: 'after' });
      }
      if (task.andEvery !== undefined) edges.push({ from: task.andEvery, to: task.name, kind: 'andEvery' });
      for (const trigger of task.unless) edges.push({ from: trigger, to: task.name, kind: 'unless' });
    }
    for (const edge of edges) if (!taskNames.has(edge.from)) triggerNames.add(edge.from);
    const ids = new Set<string>();
    const idFor = (prefix: string, name: string): string => {
      const base = `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
      let id = base;
      for (let n = 2; ids.has(id); n += 1) id = `${base}_${n}`;
      ids.add(id);
      return id;
    };
    const nodes: GraphNode[] = [
      ...[...triggerNames].sort().map((name): GraphNode => ({ id: idFor('trg', name), name, kind: 'trigger' })),
      ...sorted.map(
        (task): GraphNode => ({
          id: idFor('task', task.name),
          name: task.name,
          kind: 'task',
          run: task.run,
          status: statuses === undefined ? undefined : (statuses[task.name] ?? 'none'),
        }),
      ),
    ];
    return new TriggerGraph(nodes, edges);
  }

  /** The node of trigger or task `name`. */
  node(name: string): GraphNode {
    const found = this.nodes.find((node) => node.name === name);
    if (found === undefined) throw new RangeError(`No node named ${JSON.stringify(name)} in the graph`);
    return found;
  }

  /** Whether any task carries a status (the graph was built with statuses). */
  get hasStatuses(): boolean {
    return this.nodes.some((node) => node.status !== undefined);
  }

  /**
   * Nodes in layers, left to right: triggers that are not tasks first, each
   * task one layer right of its rightmost source (edges that close a cycle,
   * such as a task waiting for its own name, are ignored). Within a layer,
   * nodes are ordered by the mean position of their sources, then by name.
   */
  layers(): GraphNode[][] {
    const incoming = new Map<string, string[]>();
    for (const edge of this.edges) incoming.set(edge.to, [...(incoming.get(edge.to) ?? []), edge.from]);
    const layerOf = new Map<string, number>();
    const visiting = new Set<string>();
    const visit = (name: string): number => {
      const known = layerOf.get(name);
      if (known !== undefined) return known;
      const node = this.node(name);
      if (node.kind === 'trigger') {
        layerOf.set(name, 0);
        return 0;
      }
      visiting.add(name);
      let layer = 1;
      for (const source of incoming.get(name) ?? []) {
        if (visiting.has(source)) continue;
        layer = Math.max(layer, visit(source) + 1);
      }
      visiting.delete(name);
      layerOf.set(name, layer);
      return layer;
    };
    for (const node of this.nodes) visit(node.name);
    const layers: GraphNode[][] = [];
    for (const node of this.nodes) (layers[layerOf.get(node.name) ?? 0] ??= []).push(node);
    const position = new Map<string, number>();
    const placed: GraphNode[][] = [];
    for (const layer of layers) {
      if (layer === undefined) continue;
      const weight = (node: GraphNode): number => {
        const sources = (incoming.get(node.name) ?? []).map((name) => position.get(name)).filter((p): p is number => p !== undefined);
        return sources.length === 0 ? Number.POSITIVE_INFINITY : sources.reduce((a, b) => a + b, 0) / sources.length;
      };
      const ordered = [...layer].sort((a, b) => weight(a) - weight(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      ordered.forEach((node, index) => position.set(node.name, index));
      placed.push(ordered);
    }
    return placed;
  }
}
