import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, killChildren, spawnNode } from '../support/childProcesses';
import { xmlProblems } from '../support/xmlWellFormed';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

const QUESTIONNAIRE = {
  t_importSubject: { after: ['firstPageReceived', 'questionnaireComplete'], run: 'ImportSubject' },
  t_importResponses: { after: ['t_importSubject'], andEvery: 'pageReceived', run: 'ImportResponses' },
  t_importBrowser: { after: ['t_importSubject', 'pageReceived'], unless: ['isEmbeddedApp'], run: 'ImportBrowserMetadata' },
};

async function run(args: string[], cwd?: string): Promise<{ code: number | string; stdout: string; output: string }> {
  const child = spawnNode([CLI, ...args], {}, cwd);
  const code = await child.exited;
  return { code, stdout: child.stdout(), output: child.output() };
}

describe('triggers CLI without storage: --version, usage errors, validate, graph, app modules', () => {
  let dir: string;
  const file = (name: string, content: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'triggers-cli-'));
  });
  afterEach(async () => {
    await killChildren();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await run(['--version']);
    expect(result.code).to.equal(0);
    expect(result.stdout.trim()).to.equal(version);
  });

  it('--help documents every command and the exit codes', async () => {
    const result = await run(['--help']);
    expect(result.code).to.equal(0);
    for (const command of ['worker', 'inspect', 'why', 'replay', 'skip', 'fire', 'validate', 'graph']) expect(result.stdout).to.match(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).to.contain('Exit codes:').and.to.contain('3  the storage cannot be reached');
  });

  it('exits 2 on usage errors: unknown command, unknown option, missing argument', async () => {
    expect((await run(['frobnicate'])).code).to.equal(2);
    const unknownOption = await run(['validate', 'x.json', '--bogus']);
    expect(unknownOption.code).to.equal(2);
    expect(unknownOption.output).to.contain("unknown option '--bogus'");
    const missing = await run(['why', 'uid-only']);
    expect(missing.code).to.equal(2);
    expect(missing.output).to.contain("missing required argument 'target'");
  });

  it('validate exits 0 for a valid configuration', async () => {
    const result = await run(['validate', file('ok.json', QUESTIONNAIRE)]);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain('valid (3 tasks)');
  });

  it('validate exits 1 listing every problem, also as JSON', async () => {
    const path = file('bad.json', { t_a: { after: 'go', run: '' }, t_b: { after: ['x'], run: 'B', using: 'nope' }, t_c: { after: ['t_a'], run: 'C' } });
    const result = await run(['validate', path]);
    expect(result.code).to.equal(1);
    expect(result.stdout.split('\n').filter((line) => line.startsWith('  error: '))).to.deep.equal([
      '  error: task "t_a": directive "after" must be an array of trigger names',
      '  error: task "t_a": directive "run" must not be empty',
      '  error: task "t_b": directive "using" names runner "nope", which is not registered',
    ]);
    const json = await run(['validate', path, '--json']);
    expect(json.code).to.equal(1);
    const report = JSON.parse(json.stdout) as { valid: boolean; tasks: string[]; problems: string[] };
    expect(report.valid).to.equal(false);
    expect(report.tasks).to.deep.equal(['t_c']);
    expect(report.problems).to.have.length(3);
  });

  it('validate exits 1 naming the file for a file that is not JSON or does not exist', async () => {
    const notJson = await run(['validate', file('broken.json', '{"t_a": ')]);
    expect(notJson.code).to.equal(1);
    expect(notJson.output).to.contain('broken.json: not valid JSON');
    const missing = await run(['validate', join(dir, 'missing.json')]);
    expect(missing.code).to.equal(1);
    expect(missing.output).to.contain('missing.json: cannot read the configuration file (ENOENT)');
  });

  it('graph --format mermaid draws triggers to tasks, a cascade as the task node itself', async () => {
    const result = await run(['graph', file('q.json', QUESTIONNAIRE), '--format', 'mermaid']);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.equal(
      [
        'flowchart LR',
        '  trg_firstPageReceived(["firstPageReceived"])',
        '  trg_isEmbeddedApp(["isEmbeddedApp"])',
        '  trg_pageReceived(["pageReceived"])',
        '  trg_questionnaireComplete(["questionnaireComplete"])',
        '  task_t_importBrowser["t_importBrowser<br/><small>ImportBrowserMetadata</small>"]',
        '  task_t_importResponses["t_importResponses<br/><small>ImportResponses</small>"]',
        '  task_t_importSubject["t_importSubject<br/><small>ImportSubject</small>"]',
        '  task_t_importSubject --> task_t_importBrowser',
        '  trg_pageReceived --> task_t_importBrowser',
        '  trg_isEmbeddedApp -. unless .-> task_t_importBrowser',
        '  task_t_importSubject --> task_t_importResponses',
        '  trg_pageReceived -- andEvery --> task_t_importResponses',
        '  trg_firstPageReceived --> task_t_importSubject',
        '  trg_questionnaireComplete --> task_t_importSubject',
        '',
      ].join('\n'),
    );
  });

  it('graph --format dot lists every edge with its directive', async () => {
    const result = await run(['graph', file('q.json', QUESTIONNAIRE), '--format', 'dot']);
    expect(result.code).to.equal(0);
    const edges = result.stdout.split('\n').filter((line) => line.includes(' -> '));
    expect(edges).to.deep.equal([
      '  "t_importSubject" -> "t_importBrowser";',
      '  "pageReceived" -> "t_importBrowser";',
      '  "isEmbeddedApp" -> "t_importBrowser" [style=dashed, label="unless"];',
      '  "t_importSubject" -> "t_importResponses";',
      '  "pageReceived" -> "t_importResponses" [label="andEvery"];',
      '  "firstPageReceived" -> "t_importSubject";',
      '  "questionnaireComplete" -> "t_importSubject";',
    ]);
    expect(result.stdout).to.match(/^digraph triggers \{\n/).and.to.match(/\}\n+$/);
  });

  it('graph --format svg writes well-formed, self-contained SVG naming every task and trigger', async () => {
    const config = { ...QUESTIONNAIRE, 't_odd&<name>': { after: ['t_odd&<name>', 'go'], run: 'Odd' } };
    const result = await run(['graph', file('q.json', config), '--format', 'svg']);
    expect(result.code).to.equal(0);
    expect(xmlProblems(result.stdout)).to.deep.equal([]);
    expect(result.stdout).to.contain('<svg xmlns="http://www.w3.org/2000/svg"').and.not.to.match(/href=|<script|<image/);
    for (const name of [...Object.keys(QUESTIONNAIRE), 'pageReceived', 'isEmbeddedApp']) expect(result.stdout).to.contain(`>${name}</text>`);
    expect(result.stdout).to.contain('>t_odd&amp;&lt;name&gt;</text>');
  });

  it('graph exits 2 when given neither a file nor --uid, and 1 for an unknown --format', async () => {
    const neither = await run(['graph']);
    expect(neither.code).to.equal(2);
    expect(neither.output).to.contain('give either a configuration file or --uid');
    const format = await run(['graph', file('q.json', QUESTIONNAIRE), '--format', 'png']);
    expect(format.code).to.equal(1);
    expect(format.output).to.contain("'--format <format>' argument 'png' is invalid");
  });

  describe('package.json "triggers.modules"', () => {
    const appModule = (taskName: string): string =>
      [
        `const { Task, TriggerTask } = require(${JSON.stringify(join(REPO_ROOT, 'dist', 'src', 'index.js'))});`,
        `class AppTask extends Task { async run() { return {}; } }`,
        `TriggerTask({ name: ${JSON.stringify(taskName)}, queue: 'app-queue' })(AppTask);`,
      ].join('\n');

    it('loads the listed modules, resolved relative to the package.json found upwards from the current directory', async () => {
      mkdirSync(join(dir, 'dist'));
      mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
      file('dist/tasks.js', appModule('CliSpecAppTask'));
      file('package.json', { name: 'app', triggers: { modules: ['./dist/tasks.js'] } });
      file('app.json', { t_a: { after: ['go'], run: 'CliSpecAppTask' }, t_b: { after: ['go'], run: 'CliSpecUnknown' } });
      const result = await run(['validate', '../../app.json', '--json'], join(dir, 'sub', 'deeper'));
      expect(result.code).to.equal(0);
      // Only t_b's class is unknown: the module registered CliSpecAppTask.
      expect((JSON.parse(result.stdout) as { warnings: string[] }).warnings).to.deep.equal([
        'task "t_b": directive "run" names "CliSpecUnknown", which the loaded modules do not register',
      ]);
    });

    it('refuses a field that is not an array of strings, naming the package.json', async () => {
      file('package.json', { name: 'app', triggers: { modules: './dist/tasks.js' } });
      const result = await run(['validate', file('app.json', QUESTIONNAIRE)], dir);
      expect(result.code).to.equal(1);
      expect(result.output).to.contain(`${join(dir, 'package.json')}: "triggers.modules" must be an array of non-empty strings`);
    });

    it('refuses a listed module that cannot be found, naming it', async () => {
      file('package.json', { name: 'app', triggers: { modules: ['./dist/missing.js'] } });
      const result = await run(['validate', file('app.json', QUESTIONNAIRE)], dir);
      expect(result.code).to.equal(1);
      expect(result.output).to.contain('InvalidAppModulesError').and.to.contain('lists "./dist/missing.js", which cannot be found');
    });
  });

  it('worker refuses an unknown --log-level, listing the levels', async () => {
    const result = await run(['worker', '--redis', 'redis://127.0.0.1:1', '--log-level', 'loud']);
    expect(result.code).to.equal(1);
    expect(result.output).to.contain("'--log-level <level>' argument 'loud' is invalid").and.to.contain('debug, info, warn, error');
  });
});
