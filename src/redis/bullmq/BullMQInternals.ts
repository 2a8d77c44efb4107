import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Queue } from 'bullmq';
import { BullMQCompatibilityError } from '../../errors';
import type { ComposedLua } from '../lua/ComposedLua';

/** What one of BullMQ's script modules (`dist/cjs/scripts/<name>-<keys>.js`) exports under the script's name. */
interface BullMQScriptModule {
  readonly name?: unknown;
  readonly keys?: unknown;
  readonly content?: unknown;
}

/**
 * Everything Triggers borrows from `bullmq` beyond its public API, in one
 * place, checked against the installed package:
 *
 * - the text of its `addStandardJob` Lua (9 keys, msgpack-encoded first
 *   and third arguments, cmsgpack used for nothing else), which
 *   `applyAtomically` calls to enqueue a job exactly as `Queue.add` does,
 *   handing it both arguments as tables;
 * - the names and key counts of its fetching scripts (`moveToFinished`,
 *   `moveToActive`), which it defines on a worker's connection as
 *   `<name>:<version>` and `StartOnFetch` wraps;
 * - defining and running a script of our own on a queue's client.
 *
 * A mismatch never breaks BullMQ itself: the fast path relying on the
 * missing shape is off (nothing enqueued by script, nothing started on
 * fetch) and {@link compatibilityError} says why, naming the installed
 * version; {@link check} throws it. A version outside
 * {@link SUPPORTED_RANGE} turns every such fast path off.
 */
export class BullMQInternals {
  /** The `bullmq` versions whose internals were checked (the dependency range of package.json). */
  static readonly SUPPORTED_RANGE = '^6.7.0';

  /** BullMQ's scripts that fetch a job for a worker, with their key count; both return the job as `[job hash, job id, ...]`. */
  static readonly FETCHING_SCRIPTS: Readonly<Record<string, number>> = { moveToFinished: 14, moveToActive: 11 };

  private static installedInternals: BullMQInternals | undefined;
  private static readonly clientsWithScript = new WeakMap<object, Set<string>>();

  /** The installed version (`version` of its package.json). */
  readonly version: string;
  /** The body of BullMQ's `addStandardJob` script; undefined when it does not have the expected shape. */
  readonly addStandardJobLua: string | undefined;
  /** Why some borrowed shape is unusable; undefined when everything matched. */
  readonly compatibilityError: BullMQCompatibilityError | undefined;
  private readonly fetching = new Map<string, number>();

  /**
   * Inspects the `bullmq` package in `packageDir`.
   *
   * @throws BullMQCompatibilityError when its package.json has no readable version
   */
  constructor(readonly packageDir: string) {
    this.version = BullMQInternals.readVersion(packageDir);
    const mismatches: string[] = [];
    const versionOk = BullMQInternals.supports(this.version);
    if (!versionOk) mismatches.push(`version outside ${BullMQInternals.SUPPORTED_RANGE}`);
    let addStandardJob = this.script('addStandardJob', 9, mismatches);
    // The storage's script hands it a cmsgpack whose unpack passes tables through: nothing else of cmsgpack may be used.
    const cmsgpackUses = addStandardJob?.match(/cmsgpack/g)?.length ?? 0;
    if (addStandardJob !== undefined && !(addStandardJob.includes('cmsgpack.unpack(ARGV[1])') && addStandardJob.includes('cmsgpack.unpack(ARGV[3])') && cmsgpackUses === 2)) {
      mismatches.push('addStandardJob does not use cmsgpack only to unpack ARGV[1] and ARGV[3]');
      addStandardJob = undefined;
    }
    this.addStandardJobLua = versionOk ? addStandardJob : undefined;
    for (const [name, keys] of Object.entries(BullMQInternals.FETCHING_SCRIPTS)) {
      if (this.script(name, keys, mismatches) !== undefined && versionOk) this.fetching.set(name, keys);
    }
    this.compatibilityError = mismatches.length === 0 ? undefined : new BullMQCompatibilityError({ version: this.version, supportedRange: BullMQInternals.SUPPORTED_RANGE, mismatches });
  }

  /**
   * The internals of the `bullmq` this process resolves (inspected once).
   * When they do not match, a process warning says so once.
   */
  static installed(): BullMQInternals {
    if (BullMQInternals.installedInternals === undefined) {
      const internals = new BullMQInternals(dirname(require.resolve('bullmq/package.json')));
      BullMQInternals.installedInternals = internals;
      if (internals.compatibilityError !== undefined) {
        process.emitWarning(`${internals.compatibilityError.message}; the fast paths relying on them are off`, { code: 'TRIGGERS_BULLMQ_INTERNALS' });
      }
    }
    return BullMQInternals.installedInternals;
  }

  /** Whether `version` is in {@link SUPPORTED_RANGE} (a caret range: same major, at least that version). */
  static supports(version: string): boolean {
    const least = BullMQInternals.parts(BullMQInternals.SUPPORTED_RANGE.slice(1));
    const found = BullMQInternals.parts(version);
    if (least === undefined || found === undefined || found[0] !== least[0]) return false;
    return found[1] > least[1] || (found[1] === least[1] && found[2] >= least[2]);
  }

  private static parts(version: string): [number, number, number] | undefined {
    const match = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(version);
    return match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3])];
  }

  /** Throws {@link compatibilityError} when a borrowed shape did not match; else returns this. */
  check(): this {
    if (this.compatibilityError !== undefined) throw this.compatibilityError;
    return this;
  }

  /**
   * The key count of the fetching script BullMQ defines on a connection as
   * `commandName` (`<script>:<version>`), when it is one the installed
   * version's shape was checked for; undefined for any other command.
   */
  fetchingKeyCount(commandName: string): number | undefined {
    const at = commandName.indexOf(':');
    if (at < 0 || commandName.slice(at + 1) !== this.version) return undefined;
    return this.fetching.get(commandName.slice(0, at));
  }

  /**
   * Runs `script` (a command of our own) on the Redis client of `queue`,
   * defining it on that client first (`defineCommand`, once per client).
   */
  static async runOnQueueClient<Q extends Queue>(queue: Q, script: ComposedLua, args: ReadonlyArray<string | number>): Promise<unknown> {
    const client = await queue.backend.client;
    let defined = BullMQInternals.clientsWithScript.get(client);
    if (defined === undefined) {
      defined = new Set();
      BullMQInternals.clientsWithScript.set(client, defined);
    }
    const name = `triggers:${script.name}`;
    if (!defined.has(name)) {
      if (script.keyCount === undefined) throw new TypeError(`script ${script.file} has no fixed key count`);
      client.defineCommand(name, { numberOfKeys: script.keyCount, lua: script.text });
      defined.add(name);
    }
    return client.runCommand(name, [...args]);
  }

  private static readVersion(packageDir: string): string {
    let version: unknown;
    try {
      version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version?: unknown }).version;
    } catch (error) {
      throw new BullMQCompatibilityError({
        version: '(unknown)',
        supportedRange: BullMQInternals.SUPPORTED_RANGE,
        mismatches: [`cannot read ${join(packageDir, 'package.json')}: ${String(error)}`],
      });
    }
    if (typeof version !== 'string') throw new BullMQCompatibilityError({ version: '(unknown)', supportedRange: BullMQInternals.SUPPORTED_RANGE, mismatches: ['package.json has no version'] });
    return version;
  }

  /** The Lua text of BullMQ's script `name` with `keys` keys, or undefined (a mismatch recorded) when it has another shape. */
  private script(name: string, keys: number, mismatches: string[]): string | undefined {
    let exported: BullMQScriptModule | undefined;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exported = (require(join(this.packageDir, 'dist', 'cjs', 'scripts', `${name}-${keys}.js`)) as Record<string, BullMQScriptModule | undefined>)[name];
    } catch {
      mismatches.push(`no script module ${name}-${keys}`);
      return undefined;
    }
    if (exported?.name !== name || exported.keys !== keys || typeof exported.content !== 'string') {
      mismatches.push(`${name} is not { name: '${name}', keys: ${keys}, content: <Lua> }`);
      return undefined;
    }
    return exported.content;
  }
}
