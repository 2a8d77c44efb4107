/**
 * The questionnaire scenario, as a function the demo (`main.ts`) and the
 * spec (`spec/examples/questionnaire.spec.ts`) both run.
 */
import type { Container } from 'inversify';
import { ThreadingTaskRunner, TRIGGERS, createTriggersContainer, getManager } from 'triggers-ts';
import type { Kwargs, TriggerManager } from 'triggers-ts';
import { SESSION_FINALIZED, questionnaireConfiguration } from './configuration';
import { MailServer } from './MailServer';
import { Timeline } from './Timeline';
import './tasks';
import './TimelineManager';

/** Options of {@link runQuestionnaireScenario}. */
export interface ScenarioOptions {
  /** Where the timeline goes (default `console.log`). */
  write?: (line: string) => void;
  /** Clock of the timeline in ms (default: since the scenario started). */
  clock?: () => number;
}

/** What the scenario leaves behind, for inspection. */
export interface ScenarioResult {
  container: Container;
  /** Session `web-001`: a browser participant; the confirmation email fails, then an operator replays it. */
  web: TriggerManager;
  /** Session `app-002`: the embedded app; browser metadata is abandoned. */
  app: TriggerManager;
  /** The fake mail gateway, with its outbox. */
  mailServer: MailServer;
}

/**
 * Runs two questionnaire sessions end to end on the embedded defaults
 * (memory storage, in-process runner), printing a timeline:
 *
 * 1. `web-001`: first page, two pages, completion. The mail server is down,
 *    so `t_sendConfirmation` retries twice and then stays `failed`.
 * 2. `app-002`: the embedded app (no browser metadata), mail server back up;
 *    every task resolves and the session is finalized.
 * 3. An operator finds the failure in `web-001` and replays it; that
 *    session is finalized too.
 * 4. A summary of every instance of both sessions.
 */
export async function runQuestionnaireScenario(options: ScenarioOptions = {}): Promise<ScenarioResult> {
  // Embedded defaults: memory storage, in-process ("threading") runner, no server.
  const container = createTriggersContainer();
  const timeline = new Timeline(options.write, options.clock);
  const mailServer = new MailServer();
  container.bind(MailServer).toConstantValue(mailServer);
  container.bind(Timeline).toConstantValue(timeline);
  container.rebind(TRIGGERS.LogSink).toConstantValue(timeline);

  // 'timeline' = FinalizingManager + timeline hooks (see TimelineManager.ts).
  const web = getManager(container, 'web-001', { manager: 'timeline' });
  const app = getManager(container, 'app-002', { manager: 'timeline' });

  /** Fires triggers in order, waits for every task and cascade, then shows what is left over. */
  const fire = async (manager: TriggerManager, ...triggers: Array<[string, Kwargs?]>): Promise<void> => {
    for (const [trigger, kwargs] of triggers) await manager.fire(trigger, kwargs);
    await ThreadingTaskRunner.joinAll();
    await timeline.observe(manager, 'settled (no task running)');
  };

  await timeline.heading('Configuration (the same in both sessions)');
  for (const [name, entry] of Object.entries(questionnaireConfiguration)) {
    await timeline.note(describeTask(name, entry));
  }
  await web.updateConfiguration(questionnaireConfiguration);
  await app.updateConfiguration(questionnaireConfiguration);

  // ---------------------------------------------------------------- web-001
  await timeline.heading('Session web-001: a participant answers in a browser');
  await timeline.note('The mail server is down at the moment.');
  mailServer.up = false;
  await timeline.note('First page: the app fires firstPageReceived and pageReceived.');
  await fire(
    web,
    ['firstPageReceived', { subjectId: 'S-1001', email: 'ada@example.org' }],
    ['pageReceived', { page: 1, answers: { q1: 3, q2: 1 }, userAgent: 'Firefox/128.0' }],
  );
  await timeline.note('Second page.');
  await fire(web, ['pageReceived', { page: 2, answers: { q3: 4 }, userAgent: 'Firefox/128.0' }]);
  await timeline.note('Last page submitted: questionnaireComplete. Now the imports can run.');
  await fire(web, ['questionnaireComplete', { pages: 2 }]);
  await timeline.note(`web-001 cannot be finalized yet: unresolved ${(await blockingTaskNames(web)).join(', ')}.`);

  // ---------------------------------------------------------------- app-002
  await timeline.heading('Session app-002: a participant answers in the embedded app');
  await timeline.note('Later: the mail server is back up.');
  mailServer.up = true;
  await timeline.note('The embedded app says so first: isEmbeddedApp (t_importBrowser is abandoned for good).');
  await fire(app, ['isEmbeddedApp', {}]);
  await fire(
    app,
    ['firstPageReceived', { subjectId: 'S-1002', email: 'bob@example.org' }],
    ['pageReceived', { page: 1, answers: { q1: 2, q2: 2, q3: 5 } }],
  );
  await fire(app, ['questionnaireComplete', { pages: 1 }]);

  // ------------------------------------------------------------- operator
  await timeline.heading('Operator: recover the failure in web-001');
  const failed = (await web.storage.getUnresolvedInstances()).filter((instance) => instance.canReplay);
  for (const instance of failed) {
    await timeline.note(`${instance.name} is ${instance.status} (${String(instance.metadata.exceptionType)}); the mail server works again, so replay it.`);
    await web.replayFailedInstance(instance);
  }
  await ThreadingTaskRunner.joinAll();
  await timeline.observe(web, 'settled (no task running)');

  // -------------------------------------------------------------- summary
  await timeline.heading('Summary: every instance of every session');
  for (const manager of [web, app]) {
    await timeline.summary(manager);
    const finalized = SESSION_FINALIZED in (await manager.storage.getLatestKwargs());
    await timeline.note(finalized ? `${manager.storage.uid} finalized.` : `${manager.storage.uid} NOT finalized.`);
  }
  await timeline.note(`Mail outbox: ${mailServer.outbox.map((mail) => `${mail.template} to ${mail.to}`).join(', ')}.`);
  await timeline.flush();
  return { container, web, app, mailServer };
}

/** Unresolved tasks that keep the session from being finalized (what `FinalizingManager` waits for). */
async function blockingTaskNames(manager: TriggerManager): Promise<string[]> {
  const unresolved = await manager.storage.getUnresolvedTasks();
  return unresolved.filter((task) => !task.after.has(SESSION_FINALIZED)).map((task) => task.name);
}

/** A configuration entry read as the sentence it is. */
function describeTask(name: string, entry: (typeof questionnaireConfiguration)[string]): string {
  const parts = [`${name}: after ${entry.after.join(' + ')}`];
  if (entry.andEvery !== undefined) parts.push(`and every ${entry.andEvery}`);
  parts.push(`run ${entry.run}`);
  if (entry.unless !== undefined) parts.push(`unless ${entry.unless.join(' + ')}`);
  if (entry.withParams !== undefined) parts.push(`with params ${JSON.stringify(entry.withParams)}`);
  return parts.join(', ');
}
