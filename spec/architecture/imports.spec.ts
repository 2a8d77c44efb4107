import { expect } from 'chai';
import { ImportGraph } from '../support/ImportGraph';

describe('architecture: the import graph of src/', () => {
  const graph = new ImportGraph('src');
  const files = [...graph.edges.keys()];

  it('has no import cycle between files (type-only imports included)', () => {
    expect(graph.cycles().map((cycle) => cycle.join(' -> '))).to.deep.equal([]);
  });

  it('imports ioredis and bullmq only inside the Redis wing (src/redis/)', () => {
    const outside = files.filter(
      (file) => !file.startsWith('src/redis/') && [...(graph.packages.get(file) ?? [])].some((name) => name === 'ioredis' || name === 'bullmq'),
    );
    expect(outside).to.deep.equal([]);
  });

  it('imports the composition root (src/container/) only from the entry points above it', () => {
    const allowed = (file: string): boolean =>
      file.startsWith('src/container/') || file.startsWith('src/cli/') || file.startsWith('src/testing/') || file === 'src/index.ts';
    const below = files.filter((file) => !allowed(file) && [...(graph.edges.get(file) ?? [])].some((target) => target.startsWith('src/container/')));
    expect(below).to.deep.equal([]);
  });

  it('keeps the contracts (storage, runners, manager, tasks, model) free of the Redis wing', () => {
    const contracts = ['src/model/', 'src/storage/', 'src/runners/', 'src/manager/', 'src/tasks/', 'src/registry/', 'src/context/'];
    const leaking = files.filter(
      (file) => contracts.some((folder) => file.startsWith(folder)) && [...(graph.edges.get(file) ?? [])].some((target) => target.startsWith('src/redis/')),
    );
    expect(leaking).to.deep.equal([]);
  });

  it('never reaches the testing kit from the main entry (importing the package registers no test task)', () => {
    const reached = [...graph.reachableFrom('src/index.ts')].filter((file) => file.startsWith('src/testing/'));
    expect(reached).to.deep.equal([]);
  });
});
