import { expect } from 'chai';
import { TaskConfig, TriggerGraph, renderDot, renderMermaid } from '../../src';
import type { TriggerConfiguration } from '../../src';

function tasks(config: TriggerConfiguration): TaskConfig[] {
  return Object.entries(config).map(([name, entry]) => TaskConfig.fromEntry(name, entry));
}

describe('inspection: TriggerGraph', () => {
  const config = tasks({
    t_b: { after: ['t_a'], andEvery: 'page', unless: ['stop'], run: 'B' },
    t_a: { after: ['go'], run: 'A' },
  });

  it('has one node per trigger and per task (a task named in after is its cascade), edges per directive', () => {
    const graph = TriggerGraph.fromTasks(config);
    expect(graph.nodes.map((node) => `${node.kind}:${node.name}`)).to.deep.equal(['trigger:go', 'trigger:page', 'trigger:stop', 'task:t_a', 'task:t_b']);
    expect(graph.edges).to.deep.equal([
      { from: 'go', to: 't_a', kind: 'after' },
      { from: 't_a', to: 't_b', kind: 'after' },
      { from: 'page', to: 't_b', kind: 'andEvery' },
      { from: 'stop', to: 't_b', kind: 'unless' },
    ]);
  });

  it('lays tasks out one layer right of their rightmost source, ignoring a self-cycle', () => {
    const graph = TriggerGraph.fromTasks([...config, ...tasks({ t_loop: { after: ['t_loop', 't_b'], run: 'L' } })]);
    expect(graph.layers().map((layer) => layer.map((node) => node.name))).to.deep.equal([['go', 'page', 'stop'], ['t_a'], ['t_b'], ['t_loop']]);
  });

  it('renders Mermaid and DOT with escaped names and status classes', () => {
    const graph = TriggerGraph.fromTasks(tasks({ 'my task': { after: ['say "hi"'], run: 'A' } }), { 'my task': 'failed' });
    expect(renderMermaid(graph)).to.equal(
      [
        'flowchart LR',
        '  trg_say__hi_(["say #quot;hi#quot;"])',
        '  task_my_task["my task<br/><small>A</small>"]',
        '  trg_say__hi_ --> task_my_task',
        '  classDef status_failed fill:#ffcdd2,stroke:#c62828',
        '  class task_my_task status_failed',
        '',
      ].join('\n'),
    );
    expect(renderDot(graph)).to.contain('"say \\"hi\\"" -> "my task";').and.to.contain('fillcolor="#ffcdd2"');
  });
});
