/**
 * `npm run demo`: the questionnaire workflow end to end, in this process,
 * on the embedded defaults (memory storage, in-process runner, no server).
 * Exits non-zero if a session did not end the way the workflow promises.
 */
import { SESSION_FINALIZED } from './configuration';
import { runQuestionnaireScenario } from './scenario';

async function main(): Promise<void> {
  console.log('Triggers demo: a questionnaire workflow, run in process (memory storage, threading runner).');
  console.log('Legend: "fire" = the app (or a manager) fired a trigger; "cascade X" = task X finished and its');
  console.log('name was fired with its result as kwargs; "+" = a new task instance; times are since the start.');
  const { web, app } = await runQuestionnaireScenario();
  for (const manager of [web, app]) {
    const unresolved = await manager.storage.getUnresolvedInstances();
    const finalized = SESSION_FINALIZED in (await manager.storage.getLatestKwargs());
    if (unresolved.length > 0 || !finalized) {
      throw new Error(`Session ${manager.storage.uid} did not complete: unresolved ${unresolved.map((i) => i.name).join(', ')}`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
