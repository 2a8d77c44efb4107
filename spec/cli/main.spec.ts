import { expect } from 'chai';
import { killChildren, spawnNode } from '../support/childProcesses';
import { sharedRedis, uniquePrefix } from '../support/sharedRedis';

describe('triggers CLI', () => {
  afterEach(killChildren);

  it('--help lists the worker command and its options', async () => {
    const help = spawnNode(['dist/src/cli/main.js', 'worker', '--help']);
    expect(await help.exited).to.equal(0);
    for (const option of ['--redis', '--prefix', '--queue', '--concurrency', '--require', '--lock-duration']) {
      expect(help.output()).to.include(option);
    }
  });

  it('refuses to start without --redis, naming the option', async () => {
    const cli = spawnNode(['dist/src/cli/main.js', 'worker'], { REDIS_URL: '' });
    expect(await cli.exited).to.equal(1);
    expect(cli.output()).to.match(/Missing --redis URL/);
  });

  it('refuses a --redis value that is not a redis:// or rediss:// URL, naming it', async () => {
    const cli = spawnNode(['dist/src/cli/main.js', 'worker', '--redis', 'localhost:6379']);
    expect(await cli.exited).to.equal(1);
    expect(cli.output()).to.include('--redis localhost:6379: expected a redis:// or rediss:// URL');
  });

  it('refuses a --require module that throws while loading, naming it and the reason', async () => {
    const module = './dist/spec/cli/fixtures/throwingModule.js';
    const cli = spawnNode(['dist/src/cli/main.js', 'worker', '--redis', 'redis://127.0.0.1:1', '--require', module]);
    expect(await cli.exited).to.equal(1);
    expect(cli.output()).to.include(`--require ${module}: loading`).and.to.include('this module fails on purpose');
  });

  it('refuses a --prefix Redis cannot use (braces), naming it, before connecting', async () => {
    const cli = spawnNode(['dist/src/cli/main.js', 'worker', '--redis', 'redis://127.0.0.1:1', '--prefix', 'my{app}']);
    expect(await cli.exited).to.equal(1);
    expect(cli.output()).to.include('"my{app}" must not contain "{" or "}"');
  });

  it('refuses a --lock-duration that is not a positive integer', async () => {
    const cli = spawnNode(['dist/src/cli/main.js', 'worker', '--redis', 'redis://127.0.0.1:1', '--lock-duration', '-1']);
    expect(await cli.exited).to.equal(1);
    expect(cli.output()).to.match(/--lock-duration.*must be a positive integer/);
  });

  it('refuses a --require module it cannot find, naming it', async () => {
    const redis = await sharedRedis();
    const cli = spawnNode(['dist/src/cli/main.js', 'worker', '--redis', redis.url, '--require', './no/such/module.js']);
    expect(await cli.exited).to.equal(1);
    expect(cli.output()).to.include('--require ./no/such/module.js: cannot find that module');
  });

  it('refuses a non-numeric --concurrency', async () => {
    const cli = spawnNode(['dist/src/cli/main.js', 'worker', '--redis', 'redis://127.0.0.1:1', '--concurrency', 'many']);
    expect(await cli.exited).to.equal(1);
    expect(cli.output()).to.match(/--concurrency.*must be a positive integer/);
  });

  it('starts on the given queues and exits 0 on SIGINT', async () => {
    const redis = await sharedRedis();
    const cli = spawnNode([
      'dist/src/cli/main.js', 'worker', '--redis', redis.url, '--prefix', uniquePrefix('cli'),
      '--queue', 'a,b', '--queue', 'c', '--require', './dist/spec/redis/worker/fixtures/distributedTasks.js',
    ]);
    expect(await cli.line(/^ready /)).to.match(/queues=a,b,c .*tasks=.*MP_Step/);
    cli.child.kill('SIGINT');
    expect(await cli.exited).to.equal(0);
  });
});
