import { expect } from 'chai';
import { Redis } from 'ioredis';
import { closeTriggersContainer, createTriggersContainer, getManager } from '../../../src';
import type { RedisConnectionOption } from '../../../src/redis/connection/RedisEndpoint';
import { ThreadingTaskRunner, expectInstance } from '../../../src/testing';
import { sharedRedis, uniquePrefix } from '../../support/sharedRedis';

describe('redis/connection: the redis option as ioredis options or an application\'s own client', () => {
  async function runsOneTask(redis: RedisConnectionOption): Promise<void> {
    const container = createTriggersContainer({ redis, prefix: uniquePrefix('shape'), defaultRunner: 'threading' });
    try {
      const manager = getManager(container, 'shape');
      await manager.updateConfiguration({ t_a: { after: ['go'], run: 'PassThruTask' } });
      await manager.fire('go', { n: 1 });
      await ThreadingTaskRunner.joinAll();
      await expectInstance(manager, 't_a#0').finished({ go: { n: 1 } });
    } finally {
      await closeTriggersContainer(container);
    }
  }

  it('works with ioredis options', async () => {
    const { port } = await sharedRedis();
    await runsOneTask({ host: '127.0.0.1', port });
  });

  it('works with an application\'s own client, using its options and leaving the client itself open', async () => {
    const { port } = await sharedRedis();
    const appClient = new Redis({ host: '127.0.0.1', port });
    try {
      await runsOneTask(appClient);
      expect(await appClient.ping()).to.equal('PONG');
      expect(appClient.status).to.equal('ready');
    } finally {
      appClient.disconnect();
    }
  });
});
