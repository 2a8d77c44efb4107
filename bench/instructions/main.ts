import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TriggersSide } from '../sides/TriggersSide';
import { CpuAccount, cpuPerUnit } from '../support/CpuAccount';
import { RedisProbe } from '../support/RedisProbe';

/**
 * Instructions the redis-server executes per workflow task of the
 * throughput scenario (Triggers side only), counted by callgrind: a
 * deterministic cost, unlike wall time on a shared machine. Starts its own
 * redis-server under `valgrind --tool=callgrind` on a free port, runs a
 * warm-up and `--reps` timed runs of `--sessions` 3-task workflows, and
 * counts only the timed part (`callgrind_control --zero` before, `--dump`
 * after). Prints one JSON line per run: instructions per task, and the CPU
 * per task of each process (noisy, for orientation).
 *
 * `node dist/bench/instructions/main.js [--sessions 200] [--reps 2]`
 * (needs valgrind; imports only `bench/sides` and `bench/support`, so the
 * compiled folder also runs inside an older build's `dist/bench/`).
 */
async function main(): Promise<void> {
  const arg = (name: string, fallback: number): number => {
    const at = process.argv.indexOf(`--${name}`);
    return at < 0 ? fallback : Number(process.argv[at + 1]);
  };
  const sessions = arg('sessions', 200);
  const reps = arg('reps', 2);
  const dir = mkdtempSync(join(tmpdir(), 'triggers-instructions-'));
  const port = await freePort();
  const out = join(dir, 'callgrind.out');
  const server = spawn(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${out}`, 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const pid = String(server.pid);
  try {
    const deadline = Date.now() + 60_000;
    while (!(await ping(port))) {
      if (Date.now() > deadline) throw new Error('redis-server under callgrind did not answer within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const url = `redis://127.0.0.1:${port}`;
    const probe = new RedisProbe(url);
    const side = await TriggersSide.start(url, 'instructions', 50);
    try {
      await side.workflows('warm-up', Math.min(sessions, 100), 50);
      for (let run = 0; run < reps; run += 1) {
        let instructions = 0;
        const spent = await new CpuAccount(() => probe.cpuSeconds(), side.workerPid).during((timed) =>
          side.workflows(`run-${run}`, sessions, 50, async (block) => {
            execFileSync('callgrind_control', ['--zero', pid], { stdio: 'ignore' });
            const result = await timed(block);
            execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' });
            instructions = dumpedInstructions(dir);
            return result;
          }),
        );
        const tasks = sessions * 3;
        process.stdout.write(`${JSON.stringify({ sessions, tasks, redisInstructionsPerTask: Math.round(instructions / tasks), cpuUsPerTask: cpuPerUnit(spent, tasks) })}\n`);
      }
    } finally {
      await side.close();
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Instructions in the newest dump (`callgrind.out.<n>`), which is then removed. */
function dumpedInstructions(dir: string): number {
  const dumps = readdirSync(dir).filter((name) => /^callgrind\.out(\.\d+)+$/.test(name));
  dumps.sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
  const newest = dumps[dumps.length - 1];
  if (newest === undefined) throw new Error('callgrind wrote no dump');
  const text = readFileSync(join(dir, newest), 'utf8');
  for (const name of dumps) rmSync(join(dir, name));
  const total = /^(?:summary|totals): (\d+)/m.exec(text)?.[1];
  if (total === undefined) throw new Error(`no instruction total in ${newest}`);
  return Number(total);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
