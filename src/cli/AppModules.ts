import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { Container } from 'inversify';
import { CommandLineError } from '../errors';
import { InvalidAppModulesError } from './errors/InvalidAppModulesError';

/**
 * What an app module may export: called with the command's container once
 * it exists, to bind the services the app's tasks inject.
 */
export type ConfigureHook = (container: Container) => void | Promise<void>;

/** One module loaded, and where it was named. */
export interface LoadedModule {
  /** As written (in package.json or after `--require`). */
  spec: string;
  /** The file loaded. */
  resolved: string;
  /** Its `configureTriggersContainer` export, if any. */
  configure?: ConfigureHook;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * The application's own modules, loaded before every command so that their
 * decorators register its tasks, managers, runners and storages (a name can
 * only run, route or validate if it is registered). Two sources, in this
 * order:
 *
 * 1. the `"triggers": { "modules": [...] }` field of the application's
 *    package.json, the first found from the current directory upwards,
 *    each resolved relative to that package.json (like setuptools entry
 *    points: listed once, loaded by every command);
 * 2. each `--require` module, resolved from the current directory.
 *
 * Only these two places are read: never a path from a configuration or a
 * job.
 */
export class AppModules {
  private constructor(readonly loaded: readonly LoadedModule[]) {}

  /** Adds the repeatable `--require <module>` option to `command`. */
  static addOption(command: Command): Command {
    return command.addOption(
      new Option(
        '--require <module>',
        'app module registering tasks by decorator (resolved from the current directory), besides package.json "triggers.modules"; repeatable; may export configureTriggersContainer(container)',
      )
        .default([], 'none')
        .argParser(collect),
    );
  }

  /**
   * Loads the package.json modules, then `required`.
   *
   * @throws InvalidAppModulesError for an unusable `triggers.modules` field or a module it lists that cannot be loaded
   * @throws CommandLineError for a `--require` module that cannot be found or fails to load
   */
  static load(required: readonly string[], cwd: string = process.cwd()): AppModules {
    const loaded: LoadedModule[] = [];
    const manifest = AppModules.findPackageJson(cwd);
    if (manifest !== undefined) {
      for (const spec of AppModules.modulesOf(manifest)) {
        const fail = (problem: string): never => {
          throw new InvalidAppModulesError({ packageJson: manifest, problem });
        };
        loaded.push(loadOne(spec, dirname(manifest), fail, (problem) => fail(`lists ${JSON.stringify(spec)}: ${problem}`)));
      }
    }
    for (const spec of required) {
      loaded.push(
        loadOne(
          spec,
          cwd,
          () => {
            throw new CommandLineError({ flag: '--require', value: spec, reason: `cannot find that module from ${cwd} (build your app first, e.g. npm run build)` });
          },
          (problem) => {
            throw new CommandLineError({ flag: '--require', value: spec, reason: problem });
          },
        ),
      );
    }
    return new AppModules(loaded);
  }

  /** The nearest package.json from `cwd` upwards, if any. */
  static findPackageJson(cwd: string): string | undefined {
    for (let dir = cwd; ; dir = dirname(dir)) {
      const candidate = join(dir, 'package.json');
      if (existsSync(candidate)) return candidate;
      if (dirname(dir) === dir) return undefined;
    }
  }

  /**
   * The module specs a package.json lists under `triggers.modules` (none
   * without the field).
   *
   * @throws InvalidAppModulesError when the file is not JSON or the field is not an array of non-empty strings
   */
  static modulesOf(packageJson: string): string[] {
    let manifest: unknown;
    try {
      manifest = JSON.parse(readFileSync(packageJson, 'utf8'));
    } catch (error) {
      throw new InvalidAppModulesError({ packageJson, problem: `cannot be read: the file is not valid JSON (${(error as Error).message})` });
    }
    const triggers = (manifest as { triggers?: unknown } | null)?.triggers;
    if (triggers === undefined) return [];
    if (triggers === null || typeof triggers !== 'object' || Array.isArray(triggers)) {
      throw new InvalidAppModulesError({ packageJson, problem: `cannot be read: "triggers" must be an object, got ${JSON.stringify(triggers)}` });
    }
    const modules = (triggers as { modules?: unknown }).modules;
    if (modules === undefined) return [];
    if (!Array.isArray(modules) || modules.some((item) => typeof item !== 'string' || item.length === 0)) {
      throw new InvalidAppModulesError({ packageJson, problem: `must be an array of non-empty strings (module paths), got ${JSON.stringify(modules)}` });
    }
    return modules as string[];
  }

  /** Calls every loaded module's `configureTriggersContainer(container)`, in load order. */
  async configure(container: Container): Promise<void> {
    for (const module of this.loaded) await module.configure?.(container);
  }
}

function loadOne(spec: string, base: string, notFound: (problem: string) => never, failed: (problem: string) => never): LoadedModule {
  let resolved: string;
  try {
    resolved = require.resolve(spec, { paths: [base] });
  } catch {
    return notFound(`lists ${JSON.stringify(spec)}, which cannot be found from ${base} (build your app first?)`);
  }
  let exports: unknown;
  try {
    exports = require(resolved);
  } catch (error) {
    return failed(`loading ${resolved} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const hook = (exports as { configureTriggersContainer?: unknown } | null)?.configureTriggersContainer;
  return { spec, resolved, configure: typeof hook === 'function' ? (hook as ConfigureHook) : undefined };
}
