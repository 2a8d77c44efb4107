import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { createDashboard } from '../../dashboard/createDashboard';
import { AppModules } from '../AppModules';
import { StorageConnection } from '../StorageConnection';
import type { ConnectionOptions } from '../StorageConnection';

interface DashboardCommandOptions extends ConnectionOptions {
  port: number;
  host: string;
  token?: string;
  basePath?: string;
  refresh?: number;
  manager?: string;
  require: string[];
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535 (0: any free port)');
  return parsed;
}

function milliseconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 50) throw new InvalidArgumentError('must be an integer of at least 50 (ms)');
  return parsed;
}

/**
 * `triggers dashboard --port N [--host H] [--token T]`: serves the web
 * dashboard (docs/dashboard.md) over the storage the connection options
 * name, prints its URL, and stops on SIGINT/SIGTERM.
 */
export function registerDashboard(program: Command): void {
  const command = program
    .command('dashboard')
    .description('Serve the web dashboard: sessions, a session\'s graph, timelines and failures, live; replay/skip/fire with --token.')
    .requiredOption('--port <n>', 'port to listen on (0: any free port)', port)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--token <token>', 'access token enabling replay, skip and fire (default: $TRIGGERS_DASHBOARD_TOKEN; without one the dashboard is read-only)')
    .option('--base-path <path>', 'public path prefix, when served behind a proxy under a path')
    .option('--refresh <ms>', 'how often an open session page polls for changes', milliseconds);
  StorageConnection.addOptions(command);
  AppModules.addOption(command);
  command
    .option('--manager <name>', "registered manager type to act through (its hooks run), default the container's default")
    .action(async (options: DashboardCommandOptions) => runDashboard(options));
}

async function runDashboard(options: DashboardCommandOptions): Promise<void> {
  const modules = AppModules.load(options.require);
  const connection = await StorageConnection.open(options);
  const token = options.token ?? (process.env.TRIGGERS_DASHBOARD_TOKEN || undefined);
  try {
    await modules.configure(connection.container);
    const dashboard = createDashboard(connection.container, { token, basePath: options.basePath, refreshMs: options.refresh, manager: options.manager });
    const server = createServer(dashboard.handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    process.stdout.write(`triggers dashboard: http://${host}:${address.port}${options.basePath ?? ''}/ (${token === undefined ? 'read-only: no --token' : 'actions need the token'}; stop with Ctrl-C)\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        server.close(() => resolve());
        server.closeAllConnections();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  } finally {
    await connection.close();
  }
}
