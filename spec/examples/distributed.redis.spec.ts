import { expect } from 'chai';
import { killChildren, spawnNode } from '../support/childProcesses';
import { sharedRedis } from '../support/sharedRedis';

describe('examples/distributed (npm run demo:distributed)', function () {
  this.timeout(60_000);
  afterEach(killChildren);

  it('runs the questionnaire with a producer and two worker processes, finalizes both sessions and exits 0', async () => {
    const redis = await sharedRedis();
    const demo = spawnNode(['dist/examples/distributed/main.js'], { REDIS_URL: redis.url });
    const code = await demo.exited;
    const output = demo.output();
    expect(code, output).to.equal(0);
    expect(output).to.include('web-001 finalized.').and.to.include('app-002 finalized.');
    expect(output).to.match(/worker-1 ran \d+ job/).and.to.match(/worker-2 ran \d+ job/);
    expect(output).to.include('Workers stopped gracefully (SIGTERM): exit codes 0, 0.');
  });

  it('runs the same workload on a private Redis Cluster it starts itself with --cluster, and stops it', async () => {
    const demo = spawnNode(['dist/examples/distributed/main.js', '--cluster'], { REDIS_URL: '' });
    const code = await demo.exited;
    const output = demo.output();
    expect(code, output).to.equal(0);
    expect(output).to.match(/a private Redis Cluster of 3 masters at (127\.0\.0\.1:\d+,){2}127\.0\.0\.1:\d+ \(16 shards\)/);
    expect(output).to.include('web-001 finalized.').and.to.include('app-002 finalized.');
    expect(output).to.include('Workers stopped gracefully (SIGTERM): exit codes 0, 0.');
  });
});
