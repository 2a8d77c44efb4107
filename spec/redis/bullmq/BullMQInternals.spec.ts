import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BullMQCompatibilityError } from '../../../src';
import { BullMQInternals } from '../../../src/redis/bullmq/BullMQInternals';
import { REPO_ROOT } from '../../support/repoRoot';

const ADD_STANDARD_JOB = 'local args = cmsgpack.unpack(ARGV[1])\nlocal opts = cmsgpack.unpack(ARGV[3])\nreturn 1';

describe('redis/bullmq: BullMQInternals (what is borrowed from BullMQ beyond its API, checked)', () => {
  const folders: string[] = [];

  /** A fake `bullmq` package: its version and script modules (name -> { keys, content }). */
  function fakePackage(version: string, scripts: Record<string, { keys: number; content: string }>): string {
    const folder = mkdtempSync(join(tmpdir(), 'triggers-fake-bullmq-'));
    folders.push(folder);
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'bullmq', version }));
    mkdirSync(join(folder, 'dist', 'cjs', 'scripts'), { recursive: true });
    for (const [name, { keys, content }] of Object.entries(scripts)) {
      const exported = JSON.stringify({ name, keys, content });
      writeFileSync(join(folder, 'dist', 'cjs', 'scripts', `${name}-${keys}.js`), `exports.${name} = ${exported};\n`);
    }
    return folder;
  }

  const wellShaped = {
    addStandardJob: { keys: 9, content: ADD_STANDARD_JOB },
    moveToFinished: { keys: 14, content: 'return 1' },
    moveToActive: { keys: 11, content: 'return 2' },
  };

  after(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it('passes with the installed bullmq, whose version is in the range package.json asks for', () => {
    const installed = BullMQInternals.installed();
    const bullmqPackage = JSON.parse(readFileSync(join(dirname(require.resolve('bullmq/package.json')), 'package.json'), 'utf8')) as { version: string };
    const ours = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(installed.version).to.equal(bullmqPackage.version);
    expect(ours.dependencies.bullmq).to.equal(BullMQInternals.SUPPORTED_RANGE);
    expect(() => installed.check()).to.not.throw();
    expect(installed.compatibilityError).to.equal(undefined);
    expect(installed.addStandardJobLua).to.be.a('string').and.include('cmsgpack.unpack(ARGV[3])');
    expect(installed.fetchingKeyCount(`moveToFinished:${installed.version}`)).to.equal(14);
    expect(installed.fetchingKeyCount(`moveToActive:${installed.version}`)).to.equal(11);
    expect(installed.fetchingKeyCount('moveToActive:0.0.1')).to.equal(undefined);
    expect(installed.fetchingKeyCount(`addStandardJob:${installed.version}`)).to.equal(undefined);
  });

  it('passes a fake package of the same shape at a supported version', () => {
    const internals = new BullMQInternals(fakePackage('6.9.2', wellShaped));
    expect(internals.check().addStandardJobLua).to.equal(ADD_STANDARD_JOB);
    expect(internals.fetchingKeyCount('moveToFinished:6.9.2')).to.equal(14);
  });

  it('turns every borrowed path off for a version outside the range, naming it', () => {
    const internals = new BullMQInternals(fakePackage('7.0.0', wellShaped));
    expect(() => internals.check()).to.throw(BullMQCompatibilityError, /^bullmq 7\.0\.0 \(supported: \^6\.7\.0\).*version outside \^6\.7\.0/);
    expect(internals.addStandardJobLua).to.equal(undefined);
    expect(internals.fetchingKeyCount('moveToFinished:7.0.0')).to.equal(undefined);
  });

  it('turns off only what no longer has its shape, and says what did not match', () => {
    const internals = new BullMQInternals(
      fakePackage('6.8.0', {
        ...wellShaped,
        addStandardJob: { keys: 9, content: 'local args = cjson.decode(ARGV[1])\nreturn 1' },
        moveToActive: { keys: 12, content: 'return 2' },
      }),
    );
    const error = internals.compatibilityError;
    expect(error).to.be.instanceOf(BullMQCompatibilityError);
    expect(error?.version).to.equal('6.8.0');
    expect(error?.mismatches).to.deep.equal(['addStandardJob does not use cmsgpack only to unpack ARGV[1] and ARGV[3]', 'no script module moveToActive-11']);
    expect(error?.message).to.include('bullmq 6.8.0');
    expect(internals.addStandardJobLua).to.equal(undefined);
    expect(internals.fetchingKeyCount('moveToFinished:6.8.0')).to.equal(14);
    expect(internals.fetchingKeyCount('moveToActive:6.8.0')).to.equal(undefined);
  });

  it('turns the scripted add off when addStandardJob uses cmsgpack beyond unpacking its arguments and options (the storage hands it tables)', () => {
    const content = 'local args = cmsgpack.unpack(ARGV[1])\nlocal opts = cmsgpack.unpack(ARGV[3])\nlocal packed = cmsgpack.pack(opts)\nreturn 1';
    const internals = new BullMQInternals(fakePackage('6.8.0', { ...wellShaped, addStandardJob: { keys: 9, content } }));
    expect(internals.compatibilityError?.mismatches).to.deep.equal(['addStandardJob does not use cmsgpack only to unpack ARGV[1] and ARGV[3]']);
    expect(internals.addStandardJobLua).to.equal(undefined);
    expect(internals.fetchingKeyCount('moveToFinished:6.8.0')).to.equal(14);
  });

  it('names a script module of another shape', () => {
    const folder = fakePackage('6.7.0', { ...wellShaped, moveToFinished: { keys: 14, content: 'return 1' } });
    writeFileSync(join(folder, 'dist', 'cjs', 'scripts', 'moveToFinished-14.js'), 'exports.moveToFinished = { name: "moveToFinished", keys: 13, content: "" };\n');
    expect(() => new BullMQInternals(folder).check()).to.throw(BullMQCompatibilityError, "moveToFinished is not { name: 'moveToFinished', keys: 14, content: <Lua> }");
  });

  it('throws when the package has no readable version', () => {
    const folder = mkdtempSync(join(tmpdir(), 'triggers-fake-bullmq-'));
    folders.push(folder);
    expect(() => new BullMQInternals(folder)).to.throw(BullMQCompatibilityError, /^bullmq \(unknown\) .*cannot read/);
  });
});
