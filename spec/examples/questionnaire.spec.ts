import { expect } from 'chai';
import { expectInstance, expectUnresolvedInstances, expectUnresolvedTasks } from '../../src/testing';
import { SESSION_FINALIZED } from '../../examples/questionnaire/configuration';
import { runQuestionnaireScenario } from '../../examples/questionnaire/scenario';
import type { ScenarioResult } from '../../examples/questionnaire/scenario';

describe('examples: the questionnaire workflow (npm run demo)', () => {
  let scenario: ScenarioResult;
  const lines: string[] = [];

  before(async () => {
    scenario = await runQuestionnaireScenario({ write: (line) => lines.push(line), clock: () => 0 });
  });

  it('imports the subject once the first page arrived and the questionnaire is complete', async () => {
    await expectInstance(scenario.web, 't_importSubject#0').finished({ subjectId: 'S-1001', email: 'ada@example.org' });
    await expectInstance(scenario.app, 't_importSubject#0').finished({ subjectId: 'S-1002', email: 'bob@example.org' });
    await expectInstance(scenario.web, 't_importSubject#1').missing();
  });

  it('imports responses with one instance for every page', async () => {
    await expectInstance(scenario.web, 't_importResponses#0').finished({ page: 1, answered: 2 });
    await expectInstance(scenario.web, 't_importResponses#1').finished({ page: 2, answered: 1 });
    await expectInstance(scenario.web, 't_importResponses#2').missing();
    await expectInstance(scenario.app, 't_importResponses#0').finished({ page: 1, answered: 3 });
  });

  it('imports browser metadata from a browser, and abandons it unless the session is the embedded app', async () => {
    await expectInstance(scenario.web, 't_importBrowser#0').finished({ userAgent: 'Firefox/128.0' });
    await expectInstance(scenario.app, 't_importBrowser#0').abandoned();
  });

  it('retries the confirmation email up to maxRetries, then fails until an operator replays it', async () => {
    const first = await expectInstance(scenario.web, 't_sendConfirmation#0').replayed();
    expect(first.metadata.exceptionType).to.equal('MailServerUnavailable');
    await expectInstance(scenario.web, 't_sendConfirmation#1').replayed();
    const givenUp = await expectInstance(scenario.web, 't_sendConfirmation#2').replayed();
    expect(givenUp.metadata.exceptionType).to.equal('MaxRetriesExceeded');
    const replay = await expectInstance(scenario.web, 't_sendConfirmation#3').finished({
      sentTo: 'ada@example.org',
      template: 'questionnaire-thanks',
    });
    expect(replay.metadata.parent).to.equal('t_sendConfirmation#2');
    expect(replay.depth).to.equal(3);
    await expectInstance(scenario.app, 't_sendConfirmation#0').finished();
    expect(scenario.mailServer.outbox.map((mail) => mail.to)).to.deep.equal(['bob@example.org', 'ada@example.org']);
  });

  it('finalizes each session once every other task is resolved, and archives it', async () => {
    for (const manager of [scenario.web, scenario.app]) {
      expect(await manager.storage.getLatestKwargs()).to.have.property(SESSION_FINALIZED);
      await expectUnresolvedTasks(manager, []);
      await expectUnresolvedInstances(manager, []);
    }
    await expectInstance(scenario.web, 't_archiveSession#0').finished({ archived: true, instances: { finished: 5, replayed: 3 } });
    await expectInstance(scenario.app, 't_archiveSession#0').finished({ archived: true, instances: { abandoned: 1, finished: 3 } });
    await expectInstance(scenario.web, 't_archiveSession#1').missing();
  });

  it('prints a timeline of triggers fired, instances created and status changes', () => {
    const text = lines.join('\n');
    expect(text).to.contain('fire    questionnaireComplete {"pages":2}');
    expect(text).to.contain('cascade t_importSubject {"subjectId":"S-1001","email":"ada@example.org"}');
    expect(text).to.match(/\+ t_importBrowser#0 +unstarted → abandoned {2}\(unless isEmbeddedApp fired\)/);
    expect(text).to.match(/t_sendConfirmation#2 +scheduled → running → failed {2}\(MaxRetriesExceeded/);
    expect(text).to.contain('fire    sessionFinalized {"after":"t_sendConfirmation"}');
    expect(text).to.contain('log     t_importSubject#0 info: Imported subject S-1001');
  });
});
